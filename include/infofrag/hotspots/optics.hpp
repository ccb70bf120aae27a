#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "infofrag/core/fields.hpp"

namespace infofrag {

/// Which scikit-learn's OPTICS to reproduce. They differ only in the predecessor correction
/// of the xi clusters. A runtime choice: a switch.
enum class OpticsCompat {
  /// scikit-learn 1.3 and later (PR #26459): a cluster's end point is kept when its
  /// predecessor lies inside the cluster (Schubert & Gertz 2018, Algorithm 2).
  kCurrent,
  /// scikit-learn 1.2 (Debian 12's): the correction reads the predecessor's point index as a
  /// position in the ordering, so clusters depend on how the points are numbered.
  kSklearn12,
};
inline const std::vector<Choice<OpticsCompat>>& field_choices(OpticsCompat) {
  static const std::vector<Choice<OpticsCompat>> table = {
      {OpticsCompat::kCurrent, "current"}, {OpticsCompat::kSklearn12, "sklearn-1.2"}};
  return table;
}

/// Options of `optics`, with the meaning and defaults of scikit-learn's
/// `OPTICS(metric='precomputed', cluster_method='xi')`.
struct OpticsOptions {
  /// Points in a neighbourhood (the point itself included) for a point to be a core point.
  int64_t min_samples = 5;
  /// When > 0, overrides `min_samples` with max(2, floor(fraction · n)), as scikit-learn's
  /// float min_samples (it truncates; it does not round). At most 1.
  double min_samples_fraction = 0;
  /// Largest distance at which two points are neighbours; inf considers every scale.
  double max_eps = std::numeric_limits<double>::infinity();
  /// Minimum steepness of a cluster boundary in the reachability plot, in [0, 1).
  double xi = 0.05;
  /// Shrink clusters with Schubert & Gertz (2018)'s predecessor correction, as sklearn does.
  bool predecessor_correction = true;
  /// Smallest cluster, in points; 0 means the resolved min_samples. Otherwise at least 2.
  int64_t min_cluster_size = 0;
  /// When > 0, overrides `min_cluster_size` with max(2, floor(fraction · n)). At most 1.
  double min_cluster_size_fraction = 0;
  /// The scikit-learn version whose predecessor correction to follow.
  OpticsCompat compat = OpticsCompat::kCurrent;
};

/// What OPTICS found. Per-point vectors are indexed by point (the input's row), as
/// scikit-learn's `reachability_`, `core_distances_` and `predecessor_`.
struct OpticsResult {
  std::vector<int64_t> ordering;       ///< [n] the points in the order OPTICS visited them
  std::vector<double> reachability;    ///< [n] inf where undefined (each run's first point)
  std::vector<double> core_distances;  ///< [n] inf for points that are never core
  std::vector<int64_t> predecessor;    ///< [n] the point each was reached from; −1 for none
  std::vector<int64_t> labels;         ///< [n] cluster of each point; −1 for noise
  /// The xi cluster hierarchy, `cluster_hierarchy_`: inclusive [start, end] positions in
  /// `ordering`, nested clusters before the clusters that contain them.
  std::vector<std::pair<int64_t, int64_t>> clusters;
};

/// OPTICS (Ankerst et al. 1999) with xi cluster extraction, on a precomputed distance
/// matrix, reproducing scikit-learn's `OPTICS(metric='precomputed', cluster_method='xi')`
/// exactly, as of 1.3 and later or, with options.compat = kSklearn12, as of 1.2: the same
/// ordering and tie-breaking, reachabilities rounded to 15 decimals as sklearn does, and the
/// same clusters and labels.
///
/// distances: [n, n], any floating dtype and device (converted to CPU float64, as sklearn
/// converts to float64); row i holds the distances from point i. It need not be symmetric
/// nor have a zero diagonal (the core distance is the min_samples-th smallest entry of the
/// row, diagonal included). Entries must be non-negative or +inf; +inf means "never a
/// neighbour" (sklearn rejects inf; it behaves as any value above max_eps would). n ≥ 2.
/// Throws InputError for a bad matrix and ConfigError for a bad option. O(n²) time.
OpticsResult optics(const torch::Tensor& distances, const OpticsOptions& options = {});

}  // namespace infofrag
