#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "infofrag/core/device.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/embeddings.hpp"

namespace infofrag {

/// What the fused representation is made to share with each member (README, "Fusion").
/// A runtime choice: a switch.
enum class FuseSimilarity {
  kInfo,  ///< I(U;V) = I_U + I_V − I_UV, the shared information (bits)
  kVi,    ///< −VI(U,V) (bits)
  kNmi,   ///< generalized NMI(U,V)
};

inline const std::vector<Choice<FuseSimilarity>>& field_choices(FuseSimilarity) {
  static const std::vector<Choice<FuseSimilarity>> table = {
      {FuseSimilarity::kInfo, "info"}, {FuseSimilarity::kVi, "vi"}, {FuseSimilarity::kNmi, "nmi"}};
  return table;
}

/// How the fused posteriors are optimized.
enum class FuseOptimizer {
  kAdam,  ///< β1 = 0.9, β2 = 0.999
  kSgd,   ///< plain gradient descent (the paper's notebook: lr 3, 20000 steps)
};
inline const std::vector<Choice<FuseOptimizer>>& field_choices(FuseOptimizer) {
  static const std::vector<Choice<FuseOptimizer>> table = {{FuseOptimizer::kAdam, "adam"},
                                                           {FuseOptimizer::kSgd, "sgd"}};
  return table;
}

/// One latent channel named on the command line, "member:dim" (as --channels lists them).
struct ChannelRef {
  std::string member;  ///< member id
  int64_t dim = 0;     ///< its latent dimension, from 0
  bool operator==(const ChannelRef& other) const {
    return member == other.member && dim == other.dim;
  }
};

namespace fields {
/// "member:dim": the id may itself hold ':' (the last one splits); dim a non-negative integer.
template <>
struct Traits<ChannelRef> {
  static ChannelRef parse(const std::string& text) {
    const std::string t = trim(text);
    const size_t colon = t.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == t.size()) {
      throw BadValue("is not member:dim");
    }
    const std::string dim = trim(t.substr(colon + 1));
    if (dim.find_first_not_of("0123456789") != std::string::npos || dim.size() > 9) {
      throw BadValue("is not member:dim: the dim must be a non-negative integer");
    }
    return {trim(t.substr(0, colon)), std::stoll(dim)};
  }
  static std::string format(const ChannelRef& channel) {
    return channel.member + ":" + std::to_string(channel.dim);
  }
};
}  // namespace fields

/// Options of `infofrag fuse` (config section [fuse]).
struct FuseConfig {
  std::string embeddings;  ///< input embeddings file: the members and their fingerprint points
  std::string out;         ///< output fusion file (an embeddings file plus /fusion), atomic
  std::vector<std::string> members;  ///< member ids to fuse, in this order; empty = all
  /// Only these channels (a member's chosen dims form one group whose distance is the sum
  /// of theirs); empty = every chosen member's whole latent space.
  std::vector<ChannelRef> channels;
  int64_t dims = 2;  ///< D, latent dimensions of the fused representation
  FuseSimilarity similarity = FuseSimilarity::kNmi;  ///< what each member shares with it
  int64_t steps = 2000;                              ///< optimizer steps over the fused posteriors
  double lr = 0.05;                                  ///< learning rate
  FuseOptimizer optimizer = FuseOptimizer::kAdam;    ///< adam or sgd
  uint64_t seed = 0;  ///< draws the initial posteriors (and the held-out points)
  DeviceChoice device = DeviceChoice::automatic();  ///< where the optimization runs
  int64_t fingerprint_size = 0;                     ///< fuse over the first K points; 0 = all
  double nmi_floor_bits = 1e-3;  ///< reported NMI is 0 where either side's 2I − I′ is below
  bool progress = true;          ///< progress bar on stderr

  /// Ensemble folder that receives an encoder trained to reproduce the fused posteriors, as
  /// member "fused" (DIR/members/fused.h5); empty = no amortization.
  std::string amortize;
  std::string ensemble;             ///< the members' ensemble folder: model and dataset config
  double holdout = 0.2;             ///< fraction of the points the encoder never sees, in [0, 1)
  int64_t amortize_steps = 2000;    ///< Adam steps of the encoder
  double amortize_lr = 1e-3;        ///< its learning rate
  int64_t amortize_batch_size = 0;  ///< training points per step; 0 = all of them

  /// The stage's options (also `infofrag run`'s [fuse] section).
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(members, "members", "member ids to fuse, comma-separated (empty = all)");
    v(channels, "channels",
      "only these channels, member:dim,... (grouped per member; empty = whole spaces)");
    v(dims, "dims", "D, dimensions of the fused space", at_least(1));
    v(similarity, "similarity", "info (shared information), vi (-VI) or nmi");
    v(steps, "steps", "optimizer steps", at_least(1));
    v(lr, "lr", "learning rate", positive(), finite());
    v(optimizer, "optimizer", "adam or sgd (the paper's notebook: sgd, lr 3, 20000 steps)");
    v(seed, "seed", "seed of the initial posteriors and the held-out points");
    device_field(v, device);
    v(fingerprint_size, "fingerprint-size", "fuse over the first K points (0 = all)", at_least(0));
    v(nmi_floor_bits, "nmi-floor-bits", "reported NMI is 0 where 2I(X;U) - I(X;U,U') is below this",
      at_least(0), finite());
    progress_field(v, progress);
    v(holdout, "holdout", "--amortize: fraction of the points the encoder never sees", at_least(0),
      below(1));
    v(amortize_steps, "amortize-steps", "--amortize: Adam steps of the encoder", at_least(1));
    v(amortize_lr, "amortize-lr", "--amortize: learning rate of the encoder", positive(), finite());
    v(amortize_batch_size, "amortize-batch-size", "--amortize: training points per step (0 = all)",
      at_least(0));
  }
  /// The stand-alone command's files.
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(embeddings, "embeddings", "input embeddings file", required());
    v(out, "out", "output fusion file", required());
    v(amortize, "amortize", "also train an encoder into this ensemble folder, as member 'fused'");
    v(ensemble, "ensemble", "--amortize: the folder the members came from (model and dataset)");
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const FuseConfig& config, const std::string& prefix = "--");

/// One member (or a group of its channels) that the fused representation is compared with.
struct FuseTarget {
  std::string member;         ///< member id
  std::vector<int64_t> dims;  ///< its channels taken together (all of them by default)
};

/// The fused representation and how well it matches the targets, float64 on the CPU.
struct Fusion {
  std::vector<FuseTarget> targets;  ///< [K], in --members / --channels order
  torch::Tensor mu;                 ///< [N, D] fused posterior means
  torch::Tensor logvar;             ///< [N, D] fused posterior log-variances
  torch::Tensor fingerprint;        ///< [N, N] its Bhattacharyya coefficients exp(−D)
  torch::Tensor loss;               ///< [steps] −(mean similarity over targets) at each step
  double info_bits = 0;             ///< I(X;U) of the fused representation
  /// [K] generalized NMI and VI with each target, computed after the optimization by the
  /// library's tiled estimator (`cross_info`, `similarity`), independently of the loss.
  torch::Tensor member_nmi, member_vi_bits;
  torch::Tensor factor_nmi;  ///< [F] NMI with each ground-truth factor, or undefined
  std::string device;        ///< where it ran ("cpu", "cuda:0")
  double seconds = 0;        ///< wall time of the optimization
};

/// The members (or channel groups) that `config` selects from `embeddings`. ConfigError for
/// unknown members, channels out of range, duplicates, or a member in --channels that
/// --members (when given) does not list.
std::vector<FuseTarget> fuse_targets(const Embeddings& embeddings, const FuseConfig& config);

/// The similarity of one fused representation with K targets, differentiable in the fused
/// posteriors (Kolchinsky–Tracey pairwise bounds, bits, float64):
///   fused_distances [N, N] Bhattacharyya distances of the fused representation;
///   target_distances [K, N, N] those of each target (constants).
/// Returns [K]: I(U;V), −VI or NMI (with 2I − I′ floored at 1e-9 bits so the NMI gradient
/// stays finite for a fused representation that carries nothing yet).
torch::Tensor fuse_similarities(const torch::Tensor& fused_distances,
                                const torch::Tensor& target_distances, FuseSimilarity similarity);

/// Bhattacharyya distances between all pairs of points of diagonal Gaussians, summed over
/// dimensions, written out of place so that autograd can differentiate them.
/// mu, logvar: [N, d] (logvar clamped to [kLogvarMin, kLogvarMax]). Returns [N, N].
torch::Tensor pairwise_bhattacharyya(const torch::Tensor& mu, const torch::Tensor& logvar);

/// Optimizes D-dimensional diagonal-Gaussian posteriors over the first fingerprint_size
/// points (a mean and log-variance per point) by Adam or SGD to maximize the mean similarity with
/// the targets (the paper's Section 4.4). No file access; ConfigError for bad options.
Fusion fuse(const Embeddings& embeddings, const FuseConfig& config);

/// An encoder of the members' family trained to map the data to the fused posteriors.
struct AmortizedEncoder {
  ensemble::MemberRecord record;                 ///< member "fused", the ensemble's data and model
  std::map<std::string, torch::Tensor> weights;  ///< float32, encoder trained, decoder as drawn
  torch::Tensor train_points;                    ///< int64 [N − H] positions among the N points
  torch::Tensor holdout_points;                  ///< int64 [H] positions never trained on
  torch::Tensor loss;      ///< [amortize_steps] mean Bhattacharyya distance to the fused posteriors
  torch::Tensor mu;        ///< [N, D] the encoder's posteriors over all N points
  torch::Tensor logvar;    ///< [N, D]
  double train_nmi = 0;    ///< NMI(encoder, fused) over the training points
  double holdout_nmi = 0;  ///< NMI(encoder, fused) over the held-out points (NaN when H = 0)
  std::string source_member;  ///< member file whose model and data config were used
};

/// Trains a fresh encoder of the ensemble's architecture (config.ensemble's member files)
/// with config.dims latents, regressing each training point's posterior onto its fused
/// posterior by minimizing the Bhattacharyya distance between them (scale-free: errors in
/// the mean count relative to the posterior widths). `embeddings` must have
/// /fingerprint/index (the dataset rows). InputError/ConfigError for bad input.
AmortizedEncoder amortize_fusion(const Embeddings& embeddings, const Fusion& fusion,
                                 const FuseConfig& config);

/// Writes the fusion file atomically: /members/fused/{mu, logvar}, /fingerprint/index and
/// labels of the fused points, /fusion/* and, when `encoder` is given, /fusion/amortized/*.
void write_fusion(const std::string& path, const Embeddings& embeddings, const Fusion& fusion,
                  const FuseConfig& config, const AmortizedEncoder* encoder = nullptr);

/// What `run_fuse` did, for the command layer to print.
struct FuseReport {
  int64_t targets = 0;  ///< K, members or channel groups fused
  int64_t dims = 0;     ///< D
  int64_t points = 0;   ///< N, fingerprint points
  FuseSimilarity similarity = FuseSimilarity::kNmi;
  double seconds = 0;                     ///< wall time of the optimization
  double info_bits = 0;                   ///< I(X;U) of the fused representation
  double mean_nmi = 0;                    ///< mean NMI with the targets
  double mean_vi_bits = 0;                ///< mean VI with the targets
  std::vector<std::string> factor_names;  ///< [F]; empty without labels
  std::vector<double> factor_nmi;         ///< [F] NMI with each factor
  std::string out;                        ///< the fusion file written
  std::string member_file;                ///< --amortize: the encoder's member file, else ""
  double holdout_nmi = 0;  ///< --amortize: NMI with the fused posteriors on held-out points
  int64_t holdout_points = 0;
  double train_nmi = 0;  ///< --amortize: the same on the training points
  int64_t train_points = 0;
};

/// `infofrag fuse`: validates everything (options, input file, ensemble and dataset for
/// --amortize) before any work, fuses, and writes config.out and, with --amortize,
/// DIR/members/fused.h5.
FuseReport run_fuse(const FuseConfig& config);

}  // namespace infofrag
