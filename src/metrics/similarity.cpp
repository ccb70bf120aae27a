#include "infofrag/metrics/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace infofrag::metrics {

namespace {

torch::Tensor centered(const torch::Tensor& x) {
  const torch::Tensor d = x.to(torch::kFloat64);
  return d - d.mean(0, /*keepdim=*/true);
}

/// a / sqrt(b c), 0 where the denominator is 0 (a constant representation).
double ratio_or_zero(double a, double b, double c) {
  const double denominator = std::sqrt(b * c);
  return denominator > 0 ? a / denominator : 0.0;
}

/// The median as NumPy takes it (the mean of the two middle values for an even count), by
/// selection rather than sorting (kthvalue on a million values takes ~50 ms; this ~10 ms).
double numpy_median(const torch::Tensor& values) {
  const torch::Tensor flat = values.reshape({-1}).to(torch::kFloat64).contiguous();
  std::vector<double> v(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
  const size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  const double upper = v[h];
  if (v.size() % 2 == 1) return upper;
  return 0.5 * (upper + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h)));
}

torch::Tensor squared_distances(const torch::Tensor& x) {
  // Differences rather than ‖a‖² + ‖b‖² − 2ab, so that the diagonal is exactly 0.
  return (x.unsqueeze(1) - x.unsqueeze(0)).square().sum(-1);
}

}  // namespace

double cka_linear_similarity(const torch::Tensor& x, const torch::Tensor& y) {
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(0) == y.size(0),
              "cka_linear_similarity: x and y must be [N, p] and [N, q]");
  const torch::Tensor xc = centered(x), yc = centered(y);
  const double cross = yc.t().mm(xc).square().sum().item<double>();
  const double xx = xc.t().mm(xc).square().sum().item<double>();
  const double yy = yc.t().mm(yc).square().sum().item<double>();
  return ratio_or_zero(cross, xx, yy);
}

torch::Tensor cka_linear_channels_similarity(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "cka_linear_channels_similarity: x must be [N, M]");
  const torch::Tensor xc = centered(x);
  const torch::Tensor norms = xc.square().sum(0);  // [M]
  const torch::Tensor dot = xc.t().mm(xc);
  const torch::Tensor denominator = norms.unsqueeze(1) * norms.unsqueeze(0);
  return torch::where(denominator > 0, dot.square() / denominator, torch::zeros_like(denominator));
}

double cka_kernel_similarity(const torch::Tensor& k, const torch::Tensor& l) {
  TORCH_CHECK(k.dim() == 2 && k.sizes() == l.sizes() && k.size(0) == k.size(1),
              "cka_kernel_similarity: k and l must be [N, N]");
  const auto center = [](const torch::Tensor& g) {
    const torch::Tensor d = g.to(torch::kFloat64);
    return d - d.mean(0, true) - d.mean(1, true) + d.mean();
  };
  const torch::Tensor kc = center(k), lc = center(l);
  return ratio_or_zero((kc * lc).sum().item<double>(), kc.square().sum().item<double>(),
                       lc.square().sum().item<double>());
}

torch::Tensor rbf_gram(const torch::Tensor& x, double threshold) {
  TORCH_CHECK(x.dim() == 2, "rbf_gram: x must be [N, p]");
  const torch::Tensor d2 = squared_distances(x.to(torch::kFloat64));
  const double median = numpy_median(d2);
  if (!(median > 0)) return torch::ones_like(d2);  // more than half the pairs coincide
  return torch::exp(-d2 / (2 * threshold * threshold * median));
}

KernelRows coefficient_kernels(const ChannelSet& set) {
  return {set.size(), set.points(), [set](int64_t begin, int64_t end) {
            return set.coefficient_rows(begin, end).to(torch::kFloat64);
          }};
}

KernelRows rbf_kernels(const torch::Tensor& mu, const std::vector<ChannelSet::Group>& groups,
                       double threshold) {
  TORCH_CHECK(mu.dim() == 2, "rbf_kernels: mu must be [N, M]");
  const torch::Tensor x = mu.to(torch::kFloat64).contiguous();
  const int64_t n = x.size(0), m = x.size(1);
  // Each kernel's scale 1/(2σ²), from the median over its N² squared distances.
  std::vector<double> scale;
  const auto add_scale = [&](const torch::Tensor& columns) {
    const double median = numpy_median(squared_distances(columns));
    scale.push_back(median > 0 ? 1.0 / (2 * threshold * threshold * median) : 0.0);
  };
  for (int64_t c = 0; c < m; ++c) add_scale(x.slice(1, c, c + 1));
  for (const auto& [b, e] : groups) add_scale(x.slice(1, b, e));
  const torch::Tensor scales = torch::tensor(scale, torch::kFloat64);
  const int64_t kernels = m + static_cast<int64_t>(groups.size());
  return {kernels, n, [x, groups, scales](int64_t begin, int64_t end) {
            // Squared differences per column: [T, M, N].
            const torch::Tensor per_column =
                (x.slice(0, begin, end).unsqueeze(2) - x.t().unsqueeze(0)).square();
            std::vector<torch::Tensor> parts{per_column};
            for (const auto& [b, e] : groups) {
              parts.push_back(per_column.slice(1, b, e).sum(1, /*keepdim=*/true));
            }
            const torch::Tensor d2 = groups.empty() ? per_column : torch::cat(parts, 1);
            return torch::exp(-d2 * scales.view({1, -1, 1}));
          }};
}

torch::Tensor cka_kernels_similarity(const KernelRows& kernels, int64_t tile_rows) {
  const int64_t n = kernels.points, m = kernels.kernels;
  const int64_t tile = std::max<int64_t>(1, tile_rows);
  // Pass 1: every kernel's row means r [M, N] (a symmetric kernel's column means too).
  torch::Tensor r = torch::empty({m, n}, torch::kFloat64);
  for (int64_t begin = 0; begin < n; begin += tile) {
    const int64_t end = std::min(n, begin + tile);
    r.slice(1, begin, end).copy_(kernels.rows(begin, end).mean(2).t());
  }
  const torch::Tensor grand = r.mean(1);  // [M]
  // Pass 2: Kc_ij = K_ij − r_i − r_j + g, and Σ_ij Kc_ij Lc_ij for all pairs (K, L).
  torch::Tensor products = torch::zeros({m, m}, torch::kFloat64);
  for (int64_t begin = 0; begin < n; begin += tile) {
    const int64_t end = std::min(n, begin + tile);
    torch::Tensor kc = kernels.rows(begin, end);  // [T, M, N]
    kc -= r.slice(1, begin, end).t().unsqueeze(2);
    kc -= (r - grand.unsqueeze(1)).unsqueeze(0);
    const torch::Tensor flat = kc.permute({1, 0, 2}).reshape({m, -1});
    products.addmm_(flat, flat.t());
  }
  const torch::Tensor norms = products.diagonal().clamp_min(0).sqrt();
  const torch::Tensor denominator = norms.unsqueeze(1) * norms.unsqueeze(0);
  return torch::where(denominator > 0, products / denominator, torch::zeros_like(products));
}

namespace {

struct Padded {
  torch::Tensor mu, sd;  // [N, d], float64
};

Padded padded(const torch::Tensor& mu, const torch::Tensor& logvar, int64_t d, bool center) {
  torch::Tensor m = mu.to(torch::kFloat64);
  if (center) m = m - m.mean(0, true);
  torch::Tensor s = (0.5 * logvar.to(torch::kFloat64).clamp(kLogvarMin, kLogvarMax)).exp();
  const int64_t extra = d - m.size(1);
  if (extra > 0) {
    m = torch::cat({m, torch::zeros({m.size(0), extra}, m.options())}, 1);
    s = torch::cat({s, torch::zeros({s.size(0), extra}, s.options())}, 1);
  }
  return {m, s};
}

/// The orthogonal Q minimizing ‖A − B Q‖_F given c = BᵀA: Q = U Wᵀ from c = U S Wᵀ.
torch::Tensor procrustes(const torch::Tensor& c) {
  const auto [u, s, vh] = torch::linalg_svd(c, /*full_matrices=*/false);
  return u.matmul(vh);
}

}  // namespace

double shape_distance(const torch::Tensor& mu_a, const torch::Tensor& logvar_a,
                      const torch::Tensor& mu_b, const torch::Tensor& logvar_b,
                      const ShapeMetricOptions& options) {
  TORCH_CHECK(mu_a.dim() == 2 && mu_b.dim() == 2 && mu_a.size(0) == mu_b.size(0) &&
                  mu_a.sizes() == logvar_a.sizes() && mu_b.sizes() == logvar_b.sizes(),
              "shape_distance: mu and logvar must be [N, d] on both sides, same N");
  TORCH_CHECK(options.alpha >= 0 && options.alpha <= 2, "shape_distance: alpha in [0, 2]");
  torch::NoGradGuard no_grad;
  const int64_t n = mu_a.size(0);
  const int64_t d = std::max(mu_a.size(1), mu_b.size(1));
  const Padded a = padded(mu_a, logvar_a, d, options.center);
  const Padded b = padded(mu_b, logvar_b, d, options.center);
  const double alpha = options.alpha, beta = 2 - options.alpha;
  const torch::Tensor means_cross = b.mu.t().mm(a.mu);  // [d, d]
  const double trace_terms = (a.sd.square().sum() + b.sd.square().sum()).item<double>();

  // Objective f(Q) = α‖A − BQ‖² + (2 − α) Σ_i B²(Σ_i, QᵀΨ_iQ) in the row convention
  // (rows of B times Q). With diagonal covariances, Σ_i^½ = diag(σ_i), (QᵀΨ_iQ)^½ =
  // Qᵀdiag(ψ_i)Q, and B² = Σσ² + Σψ² − 2‖diag(ψ_i) Q diag(σ_i)‖_* (nuclear norm); the
  // polar factor V_i of C_i = diag(ψ_i) Q diag(σ_i) is the rotation at which the Bures
  // term's Procrustes form ‖diag(σ_i) − V_iᵀ diag(ψ_i) Q‖² attains it.
  torch::Tensor q = procrustes(means_cross);  // netrep's init "means"
  double previous = std::numeric_limits<double>::infinity();
  double objective = previous;
  for (int64_t step = 0; step < options.iterations; ++step) {
    const torch::Tensor c = b.sd.unsqueeze(2) * q.unsqueeze(0) * a.sd.unsqueeze(1);  // [N,d,d]
    const auto [u, s, vh] = torch::linalg_svd(c, /*full_matrices=*/false);
    const double mean_term =
        (a.mu.square().sum() + b.mu.square().sum() - 2 * (means_cross * q).sum()).item<double>();
    objective = alpha * mean_term + beta * (trace_terms - 2 * s.sum().item<double>());
    if (step > 0 && previous - objective <= options.tolerance * std::fabs(previous)) break;
    previous = objective;
    // Q step: Procrustes of the stacked rows [√α B; √(2−α) V_iᵀ diag(ψ_i)] onto
    // [√α A; √(2−α) diag(σ_i)], whose cross product is α BᵀA + (2−α) Σ_i diag(ψ_i) V_i diag(σ_i).
    const torch::Tensor v = u.matmul(vh);  // [N, d, d]
    const torch::Tensor bures_cross = (b.sd.unsqueeze(2) * v * a.sd.unsqueeze(1)).sum(0);
    const torch::Tensor next = procrustes(alpha * means_cross + beta * bures_cross);
    q = next;
  }
  return std::sqrt(std::max(objective, 0.0) / static_cast<double>(n));
}

torch::Tensor shape_channels_distance(const torch::Tensor& mu, const torch::Tensor& logvar,
                                      const ShapeMetricOptions& options) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(),
              "shape_channels_distance: mu and logvar must be [N, M]");
  torch::Tensor m = mu.to(torch::kFloat64);
  if (options.center) m = m - m.mean(0, true);
  const torch::Tensor s = (0.5 * logvar.to(torch::kFloat64).clamp(kLogvarMin, kLogvarMax)).exp();
  const double n = static_cast<double>(m.size(0));
  const torch::Tensor sq = m.square().sum(0), ss = s.square().sum(0);
  const torch::Tensor means = sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * m.t().mm(m).abs();
  const torch::Tensor bures = ss.unsqueeze(1) + ss.unsqueeze(0) - 2 * s.t().mm(s);
  torch::Tensor d2 = (options.alpha * means + (2 - options.alpha) * bures) / n;
  d2.diagonal().zero_();  // exactly 0, not rounding
  return d2.clamp_min(0).sqrt();
}

}  // namespace infofrag::metrics
