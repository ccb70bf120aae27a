#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/hotspots/optics.hpp"

namespace infofrag {

/// Options of `infofrag hotspots`.
struct HotspotsConfig {
  std::string analysis;         ///< analysis file: read, then updated atomically (/hotspots)
  std::string distance = "vi";  ///< vi (VI clipped at 0) or nmi (−ln max(NMI, 1e−4))
  double min_info_bits = 0.01;  ///< channels with less I(X;U) are dropped, as in the paper
  int64_t min_samples = 20;     ///< OPTICS min_samples
  double xi = 0.05;             ///< OPTICS xi
  double max_eps = std::numeric_limits<double>::infinity();  ///< OPTICS max_eps
  int64_t min_cluster_size = 0;  ///< OPTICS min_cluster_size; 0 = min_samples
  /// Member attribute whose values split a sweep (hotspots per value); "" or an attribute
  /// the members lack skips that part.
  std::string sweep_attr = "beta";
};

/// Throws ConfigError for an unknown distance, a negative floor or min_samples < 2.
void check_hotspots_config(const HotspotsConfig& config);

/// One hotspot: a cluster of channels that many members share.
struct Hotspot {
  int64_t size = 0;           ///< channels
  int64_t members = 0;        ///< distinct members with a channel in it
  double recurrence = 0;      ///< members / all members
  double mean_info_bits = 0;  ///< mean I(X;U) of its channels
  double mean_nmi = 0;        ///< mean NMI over pairs of its channels
  std::string
      best_factor;  ///< factor with the highest mean NMI with its channels ("" without labels)
  double best_factor_nmi = 0;  ///< that mean NMI
  int64_t medoid = -1;  ///< channel (index into M) with the least summed distance to the others
};

/// Hotspots of one OPTICS run over a set of channels.
struct HotspotsResult {
  std::vector<int64_t> kept;   ///< channels above the information floor (indices into M)
  OpticsResult optics;         ///< over `kept` (its indices are positions in `kept`)
  std::vector<int64_t> label;  ///< [M] hotspot of each channel; −1 noise, −2 dropped
  std::vector<Hotspot> hotspots;
  torch::Tensor member_counts;    ///< int64 [K, H] channels of each member in each hotspot
  torch::Tensor factor_mean_nmi;  ///< float64 [F, H] mean NMI of each factor with each hotspot
  torch::Tensor factor_share;     ///< float64 [F, H] factor_mean_nmi normalized over hotspots
  /// Per value of the sweep attribute: OPTICS over that value's members alone.
  torch::Tensor sweep_values;           ///< float64 [V]
  torch::Tensor sweep_channels;         ///< int64 [V] channels kept
  torch::Tensor sweep_count;            ///< int64 [V] hotspots found (0 when too few channels)
  torch::Tensor sweep_mean_size;        ///< float64 [V] mean channels per hotspot (0 if none)
  torch::Tensor sweep_mean_recurrence;  ///< float64 [V] mean recurrence among that value's members
};

/// The distance between channels that OPTICS clusters: "vi" → max(VI, 0); "nmi" →
/// −ln max(NMI, 1e−4). ConfigError for another name.
torch::Tensor channel_distance(const AnalysisContents& analysis, const std::string& distance);

/// `analysis` needs the similarity matrices (AnalysisParts::similarity) and, for the per-value
/// part, the sweep attribute's values (member_attr = config.sweep_attr).
/// Drops channels below the floor, runs OPTICS on the rest, and computes the hotspot table
/// and fragment statistics. InputError when every channel is below the floor or fewer
/// channels remain than min_samples.
HotspotsResult find_hotspots(const AnalysisContents& analysis, const HotspotsConfig& config);

/// `infofrag hotspots`: find_hotspots, then replaces /hotspots in the analysis file (through
/// a copy renamed over it, so a failure leaves the file as it was) and prints the table.
int run_hotspots(const HotspotsConfig& config);

}  // namespace infofrag
