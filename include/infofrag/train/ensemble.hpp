#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "infofrag/data/dataset.hpp"
#include "infofrag/models/vae.hpp"
#include "infofrag/train/sweep.hpp"

namespace infofrag::train {

/// The ensemble folder written by `infofrag train` (README, "The ensemble folder"):
///   config.ini               the sweep as run
///   members/<id>.h5          one file per member that ended (finished or failed)
///   checkpoints/pack_<j>.h5  state of a pack still in training (removed when it ends)

/// What a member file records besides its weights.
struct MemberRecord {
  MemberSpec spec;
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
};

std::string member_file(const std::string& ensemble_dir, const std::string& id);

/// Writes one member file atomically: attributes, /curves/{step, recon, kl, loss} and
/// /weights/<parameter> (shapes without the member axis).
void write_member(const std::string& path, const MemberRecord& record,
                  const std::map<std::string, torch::Tensor>& weights);
/// Reads a member file's record (not its weights). InputError names the file and field.
MemberRecord read_member(const std::string& path);
/// Reads a member's weights, as float32 CPU tensors.
std::map<std::string, torch::Tensor> read_member_weights(const std::string& path);

/// Member files of an ensemble folder, in natural order of their ids. InputError when the
/// folder or its members/ subfolder does not exist.
std::vector<std::string> list_member_files(const std::string& ensemble_dir);

/// A batched model holding the given members' weights (all of one architecture), on
/// `device`. InputError when they differ in architecture or a weight is missing.
models::BatchedVae load_members(const std::vector<MemberRecord>& records,
                                const std::vector<std::string>& paths, const torch::Device& device);

}  // namespace infofrag::train
