#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "infofrag/data/dataset.hpp"
#include "infofrag/models/vae.hpp"
#include "infofrag/train/sweep.hpp"

/// The ensemble folder and its member files, shared by every stage that reads or writes
/// trained members (train, embed, traverse, fuse) without depending on the trainer.
namespace infofrag::ensemble {

/// The ensemble folder written by `infofrag train` (README, "The ensemble folder"):
///   config.ini               the sweep as run
///   members/<id>.h5          one file per member that ended (finished or failed)
///   checkpoints/pack_<j>.h5  state of a pack still in training (removed when it ends)
std::string config_file(const std::string& ensemble_dir);
std::string members_dir(const std::string& ensemble_dir);
std::string member_file(const std::string& ensemble_dir, const std::string& id);
std::string checkpoints_dir(const std::string& ensemble_dir);
std::string checkpoint_file(const std::string& ensemble_dir, int64_t pack);

/// Checks that `ensemble_dir` is an ensemble folder to read members from: it exists, has
/// members/, and its config.ini, when there is one, is a text file of INI lines. InputError
/// naming the folder or file (and line) otherwise.
void check_ensemble_folder(const std::string& ensemble_dir);

/// What a member file records besides its weights.
struct MemberRecord {
  train::MemberSpec spec;
  data::DataConfig data;
  models::ModelConfig model;
  std::vector<int64_t> item_shape;  ///< [C, H, W] or [D]
  std::string status;               ///< "finished" or "failed"
  int64_t steps = 0;                ///< steps the sweep asked for
  int64_t steps_done = 0;           ///< steps trained (the step of failure for failed members)
  int64_t batch_size = 0;
  double final_recon = 0;  ///< mean over the last curve window (nats)
  double final_kl = 0;
  double final_loss = 0;
  torch::Tensor curve_step;   ///< int64 [W] last step of each window
  torch::Tensor curve_recon;  ///< float64 [W] window means
  torch::Tensor curve_kl;     ///< float64 [W]
  torch::Tensor curve_loss;   ///< float64 [W]
  /// The family's own terms ("tc", "offdiag", ...: train::family_terms), float64 [W] each.
  std::map<std::string, torch::Tensor> curve_terms;
};

/// Writes one member file atomically: attributes, /curves/{step, recon, kl, loss, the
/// family's terms} and
/// /weights/<parameter> (shapes without the member axis).
void write_member(const std::string& path, const MemberRecord& record,
                  const std::map<std::string, torch::Tensor>& weights);
/// Reads a member file's record (not its weights), checked: every attribute present and of
/// its type, counts non-negative, hyperparameters finite, the curves all of one length.
/// InputError names the file, the attribute or dataset, and the value.
MemberRecord read_member(const std::string& path);
/// Reads a member's weights, as float32 CPU tensors; InputError when /weights is missing or
/// a weight is not a float dataset or holds a NaN or infinity.
std::map<std::string, torch::Tensor> read_member_weights(const std::string& path);

/// Member files of an ensemble folder, in natural order of their ids, after
/// `check_ensemble_folder`.
std::vector<std::string> list_member_files(const std::string& ensemble_dir);

/// A batched model holding the given members' weights (all of one architecture), on
/// `device`. InputError when they differ in architecture, or a weight is missing, has
/// another shape than the architecture needs, or is not finite.
models::BatchedVae load_members(const std::vector<MemberRecord>& records,
                                const std::vector<std::string>& paths, const torch::Device& device);

}  // namespace infofrag::ensemble
