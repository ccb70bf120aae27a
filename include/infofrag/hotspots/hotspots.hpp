#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/hotspots/optics.hpp"

namespace infofrag {

/// The distance between channels that OPTICS clusters. A runtime choice: a switch.
enum class ChannelDistance {
  kVi,   ///< VI clipped at 0 (bits)
  kNmi,  ///< −ln max(NMI, 1e−4)
};
inline const std::vector<Choice<ChannelDistance>>& field_choices(ChannelDistance) {
  static const std::vector<Choice<ChannelDistance>> table = {{ChannelDistance::kVi, "vi"},
                                                             {ChannelDistance::kNmi, "nmi"}};
  return table;
}

/// Options of `infofrag hotspots`.
struct HotspotsConfig {
  std::string analysis;  ///< analysis file: read, then updated atomically (/hotspots)
  ChannelDistance distance = ChannelDistance::kVi;  ///< what OPTICS clusters
  double min_info_bits = 0.01;  ///< channels with less I(X;U) are dropped, as in the paper
  int64_t min_samples = 20;     ///< OPTICS min_samples
  double xi = 0.05;             ///< OPTICS xi
  double max_eps = std::numeric_limits<double>::infinity();  ///< OPTICS max_eps
  int64_t min_cluster_size = 0;  ///< OPTICS min_cluster_size; 0 = min_samples
  OpticsCompat optics_compat = OpticsCompat::kCurrent;  ///< whose OPTICS to reproduce
  /// Member attribute whose values split a sweep (hotspots per value); "" or an attribute
  /// the members lack skips that part.
  std::string sweep_attr = "beta";

  /// The stage's options (also `infofrag run`'s [hotspots] section).
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(distance, "distance", "vi (VI clipped at 0) or nmi (-ln max(NMI, 1e-4))");
    v(min_info_bits, "min-info-bits", "channels with less I(X;U) are dropped", at_least(0),
      finite());
    v(min_samples, "min-samples", "OPTICS min_samples", at_least(2));
    v(xi, "xi", "OPTICS xi", positive(), below(1));
    v(max_eps, "max-eps", "OPTICS max_eps", positive());
    v(min_cluster_size, "min-cluster-size", "OPTICS min_cluster_size (0 = min-samples)",
      at_least(0));
    v(optics_compat, "optics-compat",
      "current (OPTICS as scikit-learn >= 1.3) or sklearn-1.2 (its predecessor correction)");
    v(sweep_attr, "sweep-attr", "member attribute whose values split a sweep (hotspots per value)");
  }
  /// The stand-alone command's files.
  template <class V>
  void files(V& v) {
    v(analysis, "analysis", "analysis file; /hotspots is written into it",
      infofrag::fields::required());
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const HotspotsConfig& config, const std::string& prefix = "--");

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

/// The distance between channels that OPTICS clusters: vi → max(VI, 0); nmi →
/// −ln max(NMI, 1e−4).
torch::Tensor channel_distance(const AnalysisContents& analysis, ChannelDistance distance);

/// `analysis` needs the similarity matrices (AnalysisParts::similarity) and, for the per-value
/// part, the sweep attribute's values (member_attr = config.sweep_attr).
/// Drops channels below the floor, runs OPTICS on the rest, and computes the hotspot table
/// and fragment statistics. InputError when every channel is below the floor or fewer
/// channels remain than min_samples.
HotspotsResult find_hotspots(const AnalysisContents& analysis, const HotspotsConfig& config);

/// What `run_hotspots` found and wrote, for the command layer to print.
struct HotspotsReport {
  std::string analysis;      ///< the analysis file updated
  int64_t channels = 0;      ///< M, channels in the file
  int64_t kept = 0;          ///< channels above the information floor
  double min_info_bits = 0;  ///< that floor
  std::vector<Hotspot> hotspots;
  std::vector<std::string> medoid_member;  ///< [H] member of each hotspot's medoid channel
  std::vector<int64_t> medoid_dim;         ///< [H] its dimension within that member
};

/// `infofrag hotspots`: find_hotspots, then replaces /hotspots in the analysis file (through
/// a copy renamed over it, so a failure leaves the file as it was). Returns the table.
HotspotsReport run_hotspots(const HotspotsConfig& config);

}  // namespace infofrag
