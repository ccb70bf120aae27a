// OPTICS and xi cluster extraction, a line-by-line port of scikit-learn's
// sklearn/cluster/_optics.py (compute_optics_graph, _set_reach_dist, cluster_optics_xi and
// its helpers) for metric='precomputed', as of 1.3 to 1.9, and of 1.2, which differ only in
// _correct_predecessor. Each function below names the one it ports; keep them in step, since
// the point of this file is to give sklearn's answers bit for bit.
#include "infofrag/hotspots/optics.hpp"

#include "infofrag/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

namespace infofrag {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// The shortest decimal that reads back as `value` ("0.1", not "0.10000000000000001").
std::string number_string(double value) {
  std::string text;
  for (int digits = 6; digits <= 17; ++digits) {
    std::ostringstream out;
    out.precision(digits);
    out << value;
    text = out.str();
    if (std::strtod(text.c_str(), nullptr) == value) break;
  }
  return text;
}

/// np.around(x, decimals=15) for float64 (np.finfo(float64).precision = 15), which NumPy
/// computes as rint(x · 10¹⁵) / 10¹⁵. So values above ~1.8e293 overflow to inf, as in sklearn.
double round_15_decimals(double x) {
  constexpr double kScale = 1e15;
  return std::nearbyint(x * kScale) / kScale;
}

/// sklearn's reading of min_samples / min_cluster_size: an integer count, or a fraction f
/// of n meaning max(2, int(f · n)). `option` names the field in messages.
int64_t resolve_size(int64_t count, double fraction, int64_t n, const std::string& option) {
  if (std::isnan(fraction) || fraction < 0 || fraction > 1) {
    throw ConfigError(option + "_fraction = " + number_string(fraction) +
                      ": must be in (0, 1], or 0 to use " + option);
  }
  if (fraction > 0) return std::max<int64_t>(2, static_cast<int64_t>(fraction * n));
  if (count < 2) {
    throw ConfigError(option + " = " + std::to_string(count) + ": must be at least 2");
  }
  if (count > n) {
    throw ConfigError(option + " = " + std::to_string(count) +
                      ": must be no greater than the number of points (" + std::to_string(n) + ")");
  }
  return count;
}

struct Graph {
  std::vector<int64_t> ordering, predecessor;
  std::vector<double> reachability, core_distances;
};

/// compute_optics_graph with _compute_core_distances_ and _set_reach_dist.
/// d: row-major [n, n].
Graph optics_graph(const double* d, int64_t n, int64_t min_samples, double max_eps) {
  Graph g;
  // The core distance is the min_samples-th smallest entry of the row, the point itself
  // included (NearestNeighbors.kneighbors on the query matrix itself).
  g.core_distances.resize(n);
  std::vector<double> row(n);
  for (int64_t i = 0; i < n; ++i) {
    std::copy(d + i * n, d + (i + 1) * n, row.begin());
    std::nth_element(row.begin(), row.begin() + (min_samples - 1), row.end());
    const double core = row[min_samples - 1];
    g.core_distances[i] = round_15_decimals(core > max_eps ? kInf : core);
  }

  g.reachability.assign(n, kInf);
  g.predecessor.assign(n, -1);
  g.ordering.resize(n);
  std::vector<char> processed(n, 0);
  for (int64_t k = 0; k < n; ++k) {
    // np.argmin over the unprocessed points: the first smallest by index, inf included.
    int64_t point = -1;
    for (int64_t j = 0; j < n; ++j) {
      if (!processed[j] && (point < 0 || g.reachability[j] < g.reachability[point])) point = j;
    }
    processed[point] = 1;
    g.ordering[k] = point;
    const double core = g.core_distances[point];
    if (core == kInf) continue;
    // radius_neighbors(radius=max_eps) keeps distances <= max_eps; only unprocessed ones
    // can improve.
    const double* from = d + point * n;
    for (int64_t j = 0; j < n; ++j) {
      if (processed[j] || !(from[j] <= max_eps)) continue;
      const double reach = round_15_decimals(std::max(from[j], core));
      if (reach < g.reachability[j]) {
        g.reachability[j] = reach;
        g.predecessor[j] = point;
      }
    }
  }
  return g;
}

/// _extend_region: the end of the maximal steep region starting at `start`, allowing at
/// most min_samples consecutive non-steep points that do not turn back.
int64_t extend_region(const std::vector<char>& steep, const std::vector<char>& xward, int64_t start,
                      int64_t min_samples) {
  const auto n = static_cast<int64_t>(steep.size());
  int64_t non_xward_points = 0;
  int64_t end = start;
  for (int64_t index = start; index < n; ++index) {
    if (steep[index]) {
      non_xward_points = 0;
      end = index;
    } else if (!xward[index]) {
      if (++non_xward_points > min_samples) break;
    } else {
      return end;
    }
  }
  return end;
}

struct SteepDownArea {
  int64_t start, end;
  double mib;
};

/// _update_filter_sdas: drops the steep down areas that the maximum in between has
/// climbed above, and raises the others' mib.
void update_filter_sdas(std::vector<SteepDownArea>& sdas, double mib, double xi_complement,
                        const std::vector<double>& plot) {
  if (std::isinf(mib)) {
    sdas.clear();
    return;
  }
  std::vector<SteepDownArea> kept;
  for (const SteepDownArea& sda : sdas) {
    if (mib <= plot[sda.start] * xi_complement) {
      kept.push_back({sda.start, sda.end, std::max(sda.mib, mib)});
    }
  }
  sdas = std::move(kept);
}

/// _correct_predecessor (Schubert & Gertz 2018, Algorithm 2): shrinks the cluster [s, e]
/// from the end until its last point was reached from a point inside it. sklearn ≥ 1.3
/// compares the predecessor, a point index, with the points at positions [s, e). sklearn
/// 1.2 looked up `ordering[predecessor_plot[e]]` instead, treating the point index as a
/// position in the ordering (−1 wrapping to the last position, as Python indexing does), so
/// its clusters depend on how the points are numbered (fixed by scikit-learn PR #26459).
/// Returns false for "None".
bool correct_predecessor(const std::vector<double>& plot,
                         const std::vector<int64_t>& predecessor_plot,
                         const std::vector<int64_t>& ordering, OpticsCompat compat, int64_t& s,
                         int64_t& e) {
  const auto n = static_cast<int64_t>(ordering.size());
  while (s < e) {
    if (plot[s] > plot[e]) return true;
    int64_t p_e = predecessor_plot[e];
    switch (compat) {
      case OpticsCompat::kCurrent:
        break;
      case OpticsCompat::kSklearn12:
        p_e = ordering[p_e < 0 ? n + p_e : p_e];
        break;
    }
    for (int64_t i = s; i < e; ++i) {
      if (p_e == ordering[i]) return true;
    }
    --e;
  }
  return false;
}

/// _xi_cluster (Ankerst et al. 1999, Figure 19, with sklearn's corrections of Definitions 9
/// and 11). reachability_plot and predecessor_plot are in ordering order.
std::vector<std::pair<int64_t, int64_t>> xi_cluster(std::vector<double> plot,
                                                    const std::vector<int64_t>& predecessor_plot,
                                                    const std::vector<int64_t>& ordering, double xi,
                                                    int64_t min_samples, int64_t min_cluster_size,
                                                    bool predecessor_correction,
                                                    OpticsCompat compat) {
  const auto n = static_cast<int64_t>(ordering.size());
  // A trailing inf lets a cluster end at the end of the plot.
  plot.push_back(kInf);
  const double xi_complement = 1 - xi;

  // IEEE division as NumPy's: inf/inf and 0/0 are NaN, which is neither up nor down.
  std::vector<char> steep_upward(n), steep_downward(n), downward(n), upward(n);
  for (int64_t i = 0; i < n; ++i) {
    const double ratio = plot[i] / plot[i + 1];
    steep_upward[i] = ratio <= xi_complement;
    steep_downward[i] = ratio >= 1 / xi_complement;
    downward[i] = ratio > 1;
    upward[i] = ratio < 1;
  }

  std::vector<SteepDownArea> sdas;
  std::vector<std::pair<int64_t, int64_t>> clusters;
  int64_t index = 0;
  double mib = 0.0;  // maximum in between, section 4.3.2
  for (int64_t steep_index = 0; steep_index < n; ++steep_index) {
    if (!steep_upward[steep_index] && !steep_downward[steep_index]) continue;
    if (steep_index < index) continue;
    for (int64_t i = index; i <= steep_index; ++i) mib = std::max(mib, plot[i]);

    if (steep_downward[steep_index]) {
      update_filter_sdas(sdas, mib, xi_complement, plot);
      const int64_t d_end = extend_region(steep_downward, upward, steep_index, min_samples);
      sdas.push_back({steep_index, d_end, 0.0});
      index = d_end + 1;
      mib = plot[index];
      continue;
    }

    update_filter_sdas(sdas, mib, xi_complement, plot);
    const int64_t u_start = steep_index;
    const int64_t u_end = extend_region(steep_upward, downward, u_start, min_samples);
    index = u_end + 1;
    mib = plot[index];

    std::vector<std::pair<int64_t, int64_t>> u_clusters;
    for (const SteepDownArea& sda : sdas) {
      int64_t c_start = sda.start;
      int64_t c_end = u_end;
      // line (**), sc2*
      if (plot[c_end + 1] * xi_complement < sda.mib) continue;
      // Definition 11, criterion 4
      const double d_max = plot[sda.start];
      if (d_max * xi_complement >= plot[c_end + 1]) {
        while (plot[c_start + 1] > plot[c_end + 1] && c_start < sda.end) ++c_start;
      } else if (plot[c_end + 1] * xi_complement >= d_max) {
        while (plot[c_end - 1] > d_max && c_end > u_start) --c_end;
      }
      if (predecessor_correction &&
          !correct_predecessor(plot, predecessor_plot, ordering, compat, c_start, c_end)) {
        continue;
      }
      if (c_end - c_start + 1 < min_cluster_size) continue;  // criterion 3.a
      if (c_start > sda.end) continue;                       // criterion 1
      if (c_end < u_start) continue;                         // criterion 2
      u_clusters.emplace_back(c_start, c_end);
    }
    // Smaller clusters first.
    clusters.insert(clusters.end(), u_clusters.rbegin(), u_clusters.rend());
  }
  return clusters;
}

/// _extract_xi_labels: each cluster that overlaps no cluster labelled before it gets the
/// next label.
std::vector<int64_t> extract_xi_labels(const std::vector<int64_t>& ordering,
                                       const std::vector<std::pair<int64_t, int64_t>>& clusters) {
  const auto n = static_cast<int64_t>(ordering.size());
  std::vector<int64_t> plot_labels(n, -1);
  int64_t label = 0;
  for (const auto& [start, end] : clusters) {
    const bool free = std::all_of(plot_labels.begin() + start, plot_labels.begin() + end + 1,
                                  [](int64_t l) { return l == -1; });
    if (!free) continue;
    std::fill(plot_labels.begin() + start, plot_labels.begin() + end + 1, label);
    ++label;
  }
  std::vector<int64_t> labels(n);
  for (int64_t k = 0; k < n; ++k) labels[ordering[k]] = plot_labels[k];
  return labels;
}

void check_distances(const torch::Tensor& d) {
  if (d.dim() != 2 || d.size(0) != d.size(1)) {
    throw InputError("the OPTICS distance matrix must be square [n, n], has shape " +
                     shape_string(d.sizes().vec()));
  }
  if (d.size(0) < 2) {
    throw InputError("the OPTICS distance matrix has " + std::to_string(d.size(0)) +
                     " points: at least 2 are needed");
  }
  const int64_t n = d.size(0);
  const double* p = d.data_ptr<double>();
  for (int64_t k = 0; k < n * n; ++k) {
    // -0.0 passes, as in sklearn's check_non_negative.
    if (std::isnan(p[k]) || p[k] < 0 || p[k] == -kInf) {
      throw InputError("the OPTICS distance matrix holds " + number_string(p[k]) + " at [" +
                       std::to_string(k / n) + ", " + std::to_string(k % n) +
                       "]: distances must be non-negative numbers or +inf");
    }
  }
}

}  // namespace

OpticsResult optics(const torch::Tensor& distances, const OpticsOptions& options) {
  if (!distances.is_floating_point()) {
    throw InputError(std::string("the OPTICS distance matrix must be floating point, is ") +
                     c10::toString(distances.scalar_type()));
  }
  const torch::Tensor d = distances.to(torch::kCPU, torch::kFloat64).contiguous();
  check_distances(d);
  const int64_t n = d.size(0);

  const int64_t min_samples =
      resolve_size(options.min_samples, options.min_samples_fraction, n, "min_samples");
  if (std::isnan(options.max_eps) || options.max_eps < 0) {
    throw ConfigError("max_eps = " + number_string(options.max_eps) +
                      ": must be non-negative (inf for every scale)");
  }
  // sklearn accepts xi = 1 but then divides by 1 − xi = 0 and raises ZeroDivisionError.
  if (!(options.xi >= 0 && options.xi < 1)) {
    throw ConfigError("xi = " + number_string(options.xi) + ": must be in [0, 1)");
  }
  const int64_t min_cluster_size =
      options.min_cluster_size == 0 && options.min_cluster_size_fraction == 0
          ? min_samples
          : resolve_size(options.min_cluster_size, options.min_cluster_size_fraction, n,
                         "min_cluster_size");

  Graph g = optics_graph(d.data_ptr<double>(), n, min_samples, options.max_eps);

  OpticsResult result;
  std::vector<double> reachability_plot(n);
  std::vector<int64_t> predecessor_plot(n);
  for (int64_t k = 0; k < n; ++k) {
    reachability_plot[k] = g.reachability[g.ordering[k]];
    predecessor_plot[k] = g.predecessor[g.ordering[k]];
  }
  result.clusters =
      xi_cluster(std::move(reachability_plot), predecessor_plot, g.ordering, options.xi,
                 min_samples, min_cluster_size, options.predecessor_correction, options.compat);
  result.labels = extract_xi_labels(g.ordering, result.clusters);
  result.ordering = std::move(g.ordering);
  result.reachability = std::move(g.reachability);
  result.core_distances = std::move(g.core_distances);
  result.predecessor = std::move(g.predecessor);
  return result;
}

}  // namespace infofrag
