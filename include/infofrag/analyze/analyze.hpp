#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "infofrag/core/device.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/core/tensor_options.hpp"
#include "infofrag/info/information.hpp"
#include "infofrag/io/embeddings.hpp"

namespace infofrag {

/// Options of `infofrag analyze` (config section [analyze]).
struct AnalyzeConfig {
  std::string embeddings;                     ///< input embeddings file
  std::string out;                            ///< output analysis file, written atomically
  DeviceChoice device = DeviceChoice::cpu();  ///< where the fingerprint pass runs
  torch::Dtype dtype = torch::kFloat32;       ///< precision of the fingerprint pass
  int64_t fingerprint_size = 0;               ///< use the first K fingerprint points; 0 = all
  double nmi_floor_bits = 1e-3;               ///< NMI is 0 where a channel's 2I − I′ is below
  int64_t memory_budget_mb = 1024;            ///< working memory for one tile of rows, MiB
  int64_t tile_rows = 0;                      ///< rows per tile; 0 = automatic
  bool whole_spaces = true;                   ///< also compare members' whole latent spaces
  bool progress = true;                       ///< progress bar on stderr

  /// The stage's options (also `infofrag run`'s [analyze] section).
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    device_field(v, device);
    v(dtype, "dtype", "float32 or float64 (sums of logarithms are float64 either way)");
    v(fingerprint_size, "fingerprint-size", "use the first K fingerprint points (0 = all)",
      at_least(0));
    v(nmi_floor_bits, "nmi-floor-bits",
      "NMI is reported as 0 for channels whose 2I(X;U) - I(X;U,U') is below this", at_least(0),
      finite());
    v(memory_budget_mb, "memory-budget-mb", "working memory of one tile of fingerprint rows (MiB)",
      at_least(1), runtime());
    v(tile_rows, "tile-rows", "fingerprint rows per tile (0 = automatic)", at_least(0), runtime());
    v(whole_spaces, "whole-spaces", "also compare members' whole latent spaces (true/false)");
    progress_field(v, progress);
  }
  /// The stand-alone command's files (`infofrag run` sets them itself).
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(embeddings, "embeddings", "input embeddings file", required());
    v(out, "out", "output analysis file", required());
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const AnalyzeConfig& config, const std::string& prefix = "--");

/// Wall time per stage, seconds.
struct AnalyzeSeconds {
  double read = 0, fingerprints = 0, pairwise = 0, labels = 0, write = 0;
};

/// Everything `analyze` finds; tensors are float64 (int64 for indices) on the CPU.
struct Analysis {
  int64_t fingerprint_size = 0;
  std::vector<std::string> channel_member;  ///< [M] member id of each channel
  torch::Tensor channel_dim;                ///< int64 [M] dimension within its member
  ChannelInfo channels;                     ///< [M]
  torch::Tensor pair_info_bits;             ///< [M, M] I(X;U,V)
  Similarity similarity;                    ///< [M, M]

  std::vector<std::string> factor_names;  ///< [F]; empty without labels
  ChannelInfo factors;                    ///< [F]; I = H(factor)
  torch::Tensor label_pair_info_bits;     ///< [M, F]
  Similarity labels;                      ///< [M, F] channel vs factor
  Similarity factor_similarity;           ///< [F, F] factor vs factor

  std::vector<std::string> members;  ///< [K] member ids, in file order
  /// Numeric member attributes that every member has (beta, seed, ...): float64 [K] each.
  std::map<std::string, torch::Tensor> member_attrs;
  ChannelInfo spaces;           ///< [K] whole latent spaces; undefined if off
  Similarity space_similarity;  ///< [K, K]
  Similarity space_labels;      ///< [K, F]
  Similarity channel_spaces;    ///< [M, K] each channel vs each whole space

  AnalyzeSeconds seconds;
};

/// The science of the analyze stage: Bhattacharyya fingerprints of every channel (and of
/// every member's whole latent space), I(X;U), and NMI and VI between all channels, with
/// every ground-truth factor, and between factors, over the first config.fingerprint_size
/// points (all when 0). No file access.
Analysis analyze(const Embeddings& embeddings, const AnalyzeConfig& config);

/// What `run_analyze` wrote, for the command layer to print.
struct AnalyzeReport {
  std::string out;         ///< the analysis file
  size_t members = 0;      ///< members analysed
  int64_t channels = 0;    ///< channels over all members
  int64_t points = 0;      ///< fingerprint points used
  size_t factors = 0;      ///< ground-truth factors
  AnalyzeSeconds seconds;  ///< wall time of each step
};

/// `infofrag analyze`: embeddings file → analysis file. User errors throw infofrag::Error
/// before anything is written.
AnalyzeReport run_analyze(const AnalyzeConfig& config);

}  // namespace infofrag
