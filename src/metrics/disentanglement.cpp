#include "infofrag/metrics/disentanglement.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace infofrag::metrics {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> column(const torch::Tensor& x, int64_t c) {
  const torch::Tensor col = x.select(1, c).to(torch::kFloat64).contiguous();
  return {col.data_ptr<double>(), col.data_ptr<double>() + col.numel()};
}

std::vector<int64_t> int_column(const torch::Tensor& x, int64_t c) {
  const torch::Tensor col = x.select(1, c).to(torch::kInt64).contiguous();
  return {col.data_ptr<int64_t>(), col.data_ptr<int64_t>() + col.numel()};
}

/// Labels renumbered 0..K−1 in sorted order of their values; returns K.
int64_t renumber(std::vector<int64_t>& labels) {
  std::vector<int64_t> values = labels;
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  for (int64_t& v : labels) {
    v = std::lower_bound(values.begin(), values.end(), v) - values.begin();
  }
  return static_cast<int64_t>(values.size());
}

double mutual_info_nats(std::vector<int64_t> a, std::vector<int64_t> b) {
  TORCH_CHECK(a.size() == b.size() && !a.empty(), "mutual information: labelings differ in size");
  const int64_t ka = renumber(a), kb = renumber(b);
  if (ka == 1 || kb == 1) return 0.0;  // scikit-learn's special case: one class
  std::vector<int64_t> joint(static_cast<size_t>(ka * kb), 0), na(ka, 0), nb(kb, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    ++joint[static_cast<size_t>(a[i] * kb + b[i])];
    ++na[static_cast<size_t>(a[i])];
    ++nb[static_cast<size_t>(b[i])];
  }
  const double n = static_cast<double>(a.size());
  double mi = 0;
  for (int64_t i = 0; i < ka; ++i) {
    for (int64_t j = 0; j < kb; ++j) {
      const double nij = static_cast<double>(joint[static_cast<size_t>(i * kb + j)]);
      if (nij == 0) continue;
      const double outer = static_cast<double>(na[i]) * static_cast<double>(nb[j]);
      mi += nij / n * (std::log(nij) + std::log(n) - std::log(outer));
    }
  }
  return std::max(mi, 0.0);
}

/// Largest minus second largest of each column of s [M, F] (M >= 2): [F].
torch::Tensor top_two_gap(const torch::Tensor& s) {
  const torch::Tensor top = std::get<0>(s.topk(2, /*dim=*/0));
  return top[0] - top[1];
}

/// scipy.stats.rankdata(method="average"), 1-based.
std::vector<double> average_ranks(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return x[i] < x[j]; });
  std::vector<double> ranks(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

torch::Tensor rank_columns(const torch::Tensor& x) {
  torch::Tensor out = torch::empty({x.size(0), x.size(1)}, torch::kFloat64);
  for (int64_t c = 0; c < x.size(1); ++c) {
    out.select(1, c).copy_(torch::tensor(average_ranks(column(x, c)), torch::kFloat64));
  }
  return out;
}

double median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const size_t h = values.size() / 2;
  return values.size() % 2 ? values[h] : 0.5 * (values[h - 1] + values[h]);
}

}  // namespace

torch::Tensor histogram_discretize(const torch::Tensor& x, int64_t bins) {
  TORCH_CHECK(x.dim() == 2 && bins >= 1, "histogram_discretize: x must be [N, M], bins >= 1");
  torch::Tensor out = torch::empty({x.size(0), x.size(1)}, torch::kInt64);
  auto o = out.accessor<int64_t, 2>();
  for (int64_t c = 0; c < x.size(1); ++c) {
    const std::vector<double> v = column(x, c);
    double first = *std::min_element(v.begin(), v.end());
    double last = *std::max_element(v.begin(), v.end());
    if (first == last) {
      first -= 0.5;
      last += 0.5;
    }
    // np.linspace(first, last, bins + 1): start + i * step, step = (last − first) / bins.
    const double step = (last - first) / static_cast<double>(bins);
    std::vector<double> edges(static_cast<size_t>(bins));  // all but the last edge
    for (int64_t i = 0; i < bins; ++i) edges[i] = static_cast<double>(i) * step + first;
    for (size_t i = 0; i < v.size(); ++i) {
      // np.digitize(right=False): the number of edges <= x.
      o[static_cast<int64_t>(i)][c] =
          std::upper_bound(edges.begin(), edges.end(), v[i]) - edges.begin();
    }
  }
  return out;
}

double discrete_mutual_info_nats(const torch::Tensor& a, const torch::Tensor& b) {
  return mutual_info_nats(int_column(a.reshape({-1, 1}), 0), int_column(b.reshape({-1, 1}), 0));
}

torch::Tensor discrete_mutual_info_matrix(const torch::Tensor& codes,
                                          const torch::Tensor& factors) {
  TORCH_CHECK(codes.dim() == 2 && factors.dim() == 2 && codes.size(0) == factors.size(0),
              "discrete_mutual_info_matrix: codes [N, M] and factors [N, F]");
  torch::Tensor out = torch::empty({codes.size(1), factors.size(1)}, torch::kFloat64);
  auto o = out.accessor<double, 2>();
  for (int64_t f = 0; f < factors.size(1); ++f) {
    const std::vector<int64_t> y = int_column(factors, f);
    for (int64_t m = 0; m < codes.size(1); ++m) o[m][f] = mutual_info_nats(int_column(codes, m), y);
  }
  return out;
}

MigScore mig(const torch::Tensor& mu, const torch::Tensor& labels, int64_t bins) {
  TORCH_CHECK(mu.dim() == 2 && mu.size(1) >= 2, "mig: needs mu [N, M] with M >= 2");
  const torch::Tensor mi = discrete_mutual_info_matrix(histogram_discretize(mu, bins), labels);
  torch::Tensor entropy = torch::empty({labels.size(1)}, torch::kFloat64);
  for (int64_t f = 0; f < labels.size(1); ++f) {
    const std::vector<int64_t> y = int_column(labels, f);
    entropy[f] = mutual_info_nats(y, y);
  }
  MigScore out;
  out.per_factor = top_two_gap(mi) / entropy;
  out.score = out.per_factor.mean().item<double>();
  return out;
}

SapScore sap_continuous(const torch::Tensor& mu, const torch::Tensor& labels) {
  TORCH_CHECK(mu.dim() == 2 && mu.size(1) >= 2 && labels.size(0) == mu.size(0),
              "sap_continuous: needs mu [N, M] with M >= 2 and labels [N, F]");
  const double n = static_cast<double>(mu.size(0));
  const torch::Tensor x = mu.to(torch::kFloat64) - mu.to(torch::kFloat64).mean(0, true);
  const torch::Tensor y = labels.to(torch::kFloat64) - labels.to(torch::kFloat64).mean(0, true);
  const torch::Tensor cov = x.t().mm(y) / (n - 1);          // [M, F]
  const torch::Tensor var_x = x.square().sum(0) / (n - 1);  // [M]
  const torch::Tensor var_y = y.square().sum(0) / (n - 1);  // [F]
  torch::Tensor matrix = cov.square() / (var_x.unsqueeze(1) * var_y.unsqueeze(0));
  matrix = torch::where((var_x > 1e-12).unsqueeze(1), matrix, torch::zeros_like(matrix));
  return {top_two_gap(matrix).mean().item<double>(), matrix};
}

ModularityScore modularity(const torch::Tensor& mu, const torch::Tensor& labels, int64_t bins) {
  TORCH_CHECK(labels.dim() == 2 && labels.size(1) >= 2, "modularity: needs F >= 2 factors");
  const torch::Tensor squared =
      discrete_mutual_info_matrix(histogram_discretize(mu, bins), labels).square();
  const torch::Tensor top = std::get<0>(squared.max(1));  // [M]
  const torch::Tensor delta =
      (squared.sum(1) - top) / (top * static_cast<double>(labels.size(1) - 1));
  ModularityScore out;
  out.per_code = torch::where(top == 0, torch::zeros_like(top), 1 - delta);
  out.score = out.per_code.mean().item<double>();
  return out;
}

torch::Tensor spearman_abs_correlation(const torch::Tensor& a, const torch::Tensor& b) {
  TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(0) == b.size(0),
              "spearman_abs_correlation: a [N, p] and b [N, q]");
  const auto standardize = [](const torch::Tensor& x) {
    const torch::Tensor r = rank_columns(x);
    const torch::Tensor c = r - r.mean(0, true);
    return c / c.square().sum(0, true).sqrt();  // NaN for a constant column (0/0)
  };
  return standardize(a).t().mm(standardize(b)).abs();
}

double relative_strength(const torch::Tensor& r) {
  if (r.numel() == 0) return kNaN;
  const auto side = [](const torch::Tensor& m, int64_t dim) {
    // torch's max and sum propagate NaN, as NumPy's do.
    const torch::Tensor top = std::get<0>(m.max(dim));
    return torch::nan_to_num(top.square() / m.sum(dim), 0.0, 0.0, 0.0).mean().item<double>();
  };
  return 0.5 * (side(r, 0) + side(r, 1));
}

torch::Tensor lasso_abs_coefficients(const torch::Tensor& x, const torch::Tensor& y, double alpha,
                                     double tolerance, int64_t max_sweeps) {
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(0) == y.size(0) && x.size(0) > 0,
              "lasso_abs_coefficients: x [N, p] and y [N, q]");
  const int64_t n = x.size(0), p = x.size(1), q = y.size(1);
  const torch::Tensor xc = x.to(torch::kFloat64) - x.to(torch::kFloat64).mean(0, true);
  const torch::Tensor yc = y.to(torch::kFloat64) - y.to(torch::kFloat64).mean(0, true);
  const torch::Tensor gram = (xc.t().mm(xc) / static_cast<double>(n)).contiguous();   // [p, p]
  const torch::Tensor cross = (xc.t().mm(yc) / static_cast<double>(n)).contiguous();  // [p, q]
  torch::Tensor w = torch::zeros({p, q}, torch::kFloat64);
  const auto g = gram.accessor<double, 2>();
  const auto c = cross.accessor<double, 2>();
  auto a = w.accessor<double, 2>();
  for (int64_t t = 0; t < q; ++t) {
    for (int64_t sweep = 0; sweep < max_sweeps; ++sweep) {
      double moved = 0;
      for (int64_t k = 0; k < p; ++k) {
        if (g[k][k] <= 0) continue;  // a constant column keeps its 0
        // ρ = (1/N) x_kᵀ (y − Σ_{l≠k} x_l w_l)
        double rho = c[k][t];
        for (int64_t l = 0; l < p; ++l) {
          if (l != k) rho -= g[k][l] * a[l][t];
        }
        const double next = std::copysign(std::max(std::abs(rho) - alpha, 0.0), rho) / g[k][k];
        moved = std::max(moved, std::abs(next - a[k][t]));
        a[k][t] = next;
      }
      if (moved <= tolerance) break;
    }
  }
  return w.abs();
}

UdrScore udr(const std::vector<torch::Tensor>& mus, const std::vector<torch::Tensor>& logvars,
             UdrCorrelation correlation, double kl_threshold, double lasso_alpha) {
  TORCH_CHECK(mus.size() == logvars.size(), "udr: one logvar per mu");
  const int64_t k = static_cast<int64_t>(mus.size());
  std::vector<torch::Tensor> active(mus.size());
  UdrScore out;
  out.active = torch::empty({k}, torch::kInt64);
  for (int64_t i = 0; i < k; ++i) {
    const torch::Tensor mu = mus[i].to(torch::kFloat64), lv = logvars[i].to(torch::kFloat64);
    const torch::Tensor kl = (0.5 * (mu.square() + lv.exp() - lv - 1)).mean(0);  // [d], nats
    const torch::Tensor keep = (kl > kl_threshold).nonzero().reshape({-1});
    active[i] = mu.index_select(1, keep);
    if (correlation == UdrCorrelation::kLasso) {
      // scikit-learn's StandardScaler: population sd, a constant column divided by 1.
      const torch::Tensor centred = active[i] - active[i].mean(0, true);
      const torch::Tensor sd = centred.square().mean(0, true).sqrt();
      active[i] = centred / torch::where(sd > 0, sd, torch::ones_like(sd));
    }
    out.active[i] = keep.numel();
  }
  out.pairwise = torch::zeros({k, k}, torch::kFloat64);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      if (i == j) continue;
      switch (correlation) {
        case UdrCorrelation::kSpearman:
          // |Spearman| of (j, i) is the transpose of (i, j); relative strength is symmetric.
          if (j > i) {
            const double s = relative_strength(spearman_abs_correlation(active[i], active[j]));
            out.pairwise[i][j] = s;
            out.pairwise[j][i] = s;
          }
          break;
        case UdrCorrelation::kLasso:
          // Empty when either member has no active latent: relative_strength gives NaN.
          out.pairwise[i][j] =
              active[i].size(1) == 0 || active[j].size(1) == 0
                  ? kNaN
                  : relative_strength(lasso_abs_coefficients(active[i], active[j], lasso_alpha));
          break;
      }
    }
  }
  out.score = torch::empty({k}, torch::kFloat64);
  for (int64_t i = 0; i < k; ++i) {
    std::vector<double> others;
    for (int64_t j = 0; j < k; ++j) {
      if (j != i) others.push_back(out.pairwise[j][i].item<double>());
    }
    out.score[i] = median(others);
  }
  return out;
}

UdrScore udr_spearman(const std::vector<torch::Tensor>& mus,
                      const std::vector<torch::Tensor>& logvars, double kl_threshold) {
  return udr(mus, logvars, UdrCorrelation::kSpearman, kl_threshold);
}

}  // namespace infofrag::metrics
