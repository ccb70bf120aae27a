#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "infofrag/analyze/analyze.hpp"

/// The analysis file (README, "The analysis file"): one writer per section (`analyze` writes
/// everything but /hotspots, `hotspots` replaces /hotspots) and one checked reader that every
/// stage reading the file uses.
namespace infofrag {

namespace h5 {
class File;
}

/// What a stage needs from an analysis file besides the channels and members, which are
/// always read.
struct AnalysisParts {
  bool similarity = false;  ///< /similarity/{nmi, vi_bits}, required
  bool labels = true;       ///< /labels/{factor_names, info_bits, nmi}, when the file has them
  bool hotspots = false;    ///< /hotspots/label and /hotspots/table's medoids, required
  std::string member_attr;  ///< /members/<member_attr> when the file has it ("" = none)
};

/// The hotspots found earlier: what traverse and run read back.
struct AnalysisHotspots {
  torch::Tensor label;                     ///< int64 [M] hotspot, −1 noise, −2 dropped
  int64_t count = 0;                       ///< H
  torch::Tensor medoid;                    ///< int64 [H] channel index into M
  std::vector<std::string> medoid_member;  ///< [H] member id of each medoid
  torch::Tensor medoid_dim;                ///< int64 [H] its dimension within the member
};

/// An analysis file's contents, checked against each other. Tensors are CPU; undefined
/// where a part was not asked for or the file has none.
struct AnalysisContents {
  std::string path;
  int64_t fingerprint_size = 0;             ///< root attribute; 0 when the file lacks it
  std::vector<std::string> channel_member;  ///< [M] member id of each channel
  torch::Tensor channel_dim;                ///< int64 [M]
  torch::Tensor info_bits;                  ///< float64 [M], finite
  torch::Tensor nmi;                        ///< float64 [M, M], finite
  torch::Tensor vi_bits;                    ///< float64 [M, M], finite
  std::vector<std::string> factor_names;    ///< [F]; empty without labels
  torch::Tensor factor_info_bits;           ///< float64 [F]
  torch::Tensor label_nmi;                  ///< float64 [M, F]
  std::vector<std::string> members;         ///< [K] member ids, each with a channel
  torch::Tensor member_values;              ///< float64 [K] /members/<member_attr>
  AnalysisHotspots hotspots;                ///< when parts.hotspots

  int64_t channels() const { return static_cast<int64_t>(channel_member.size()); }
};

/// Reads `parts` of the analysis file at `path` and checks them before use: datasets present
/// and of their type, shapes consistent (M channels, F factors, K members), values finite
/// where they must be, hotspot labels and medoids in range. InputError, one line naming the
/// file, the dataset and the value, otherwise.
AnalysisContents read_analysis(const std::string& path, const AnalysisParts& parts);

/// True when the file at `path` already holds hotspots (/hotspots/label).
bool analysis_has_hotspots(const std::string& path);

/// Writes `analysis` to `path` atomically: every section but /hotspots.
void write_analysis(const std::string& path, const Analysis& analysis, const AnalyzeConfig& config);

/// The /hotspots section, as `infofrag hotspots` writes it (README, "hotspots"). Tensors
/// are CPU; the table's and the fragment statistics' are absent when H = 0, the sweep's
/// when no sweep attribute was found.
struct HotspotsSection {
  torch::Tensor kept;                                                 ///< int64 [Mk]
  torch::Tensor label;                                                ///< int64 [M]
  torch::Tensor ordering;                                             ///< int64 [Mk]
  torch::Tensor reachability;                                         ///< float64 [Mk]
  torch::Tensor core_distance;                                        ///< float64 [Mk]
  torch::Tensor predecessor;                                          ///< int64 [Mk]
  int64_t count = 0;                                                  ///< H
  torch::Tensor size, members, recurrence, mean_info_bits, mean_nmi;  ///< [H]
  std::vector<std::string> best_factor;                               ///< [H]
  torch::Tensor best_factor_nmi, medoid;                              ///< [H]
  std::vector<std::string> medoid_member;                             ///< [H]
  torch::Tensor medoid_dim;                                           ///< int64 [H]
  torch::Tensor member_counts;                                        ///< int64 [K, H]
  torch::Tensor factor_mean_nmi;  ///< float64 [F, H], or undefined
  torch::Tensor factor_share;     ///< float64 [F, H], or undefined
  std::string sweep_attr;         ///< "" when there is no sweep part
  torch::Tensor sweep_values, sweep_channels, sweep_count, sweep_mean_size,
      sweep_mean_recurrence;  ///< [V]
  std::string distance;
  std::string config;  ///< the options as INI text (fields::ini_text)
  double min_info_bits = 0;
  int64_t min_samples = 0;
  double xi = 0;
  double max_eps = 0;
  std::string optics_compat;  ///< whose OPTICS was reproduced (current or sklearn-1.2)
};

/// Replaces /hotspots in `file`, an analysis file open for update (`hotspots` edits a copy
/// of it through FileUpdate and renames it over the original only when complete).
void write_hotspots(h5::File& file, const HotspotsSection& section);

}  // namespace infofrag
