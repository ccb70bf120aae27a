#include "infofrag/info/monte_carlo.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "infofrag/core/progress.hpp"
#include "infofrag/info/fingerprint.hpp"

namespace infofrag {

namespace {

/// Samples × points of one step when sample_batch is 0. On CPU each space's [B, C] block of
/// log-densities then stays in L2 cache while its d passes run (64K doubles measured 2x
/// faster than 2M at N = 10,000, d = 10; 32K to 128K are alike). On CUDA, large steps keep
/// the GPU busy: 32M elements (256 MiB) over all spaces and draws.
constexpr int64_t kCpuStepElements = int64_t{1} << 16;
constexpr int64_t kCudaStepElements = int64_t{1} << 25;

/// A space's posteriors, prepared once on the device, float64.
struct Prepared {
  torch::Tensor mu;           // [N, d]
  torch::Tensor sd;           // [N, d]
  torch::Tensor inv_sd;       // [N, d]
  torch::Tensor inv_sd_t;     // [d, N]
  torch::Tensor mu_t;         // [d, N]
  torch::Tensor half_logdet;  // [N]: ½ Σ logvar
};

Prepared prepare(const GaussianSpace& space, const torch::TensorOptions& options) {
  const torch::Tensor mu = space.mu.to(options).contiguous();
  const torch::Tensor logvar = space.logvar.to(options).clamp(kLogvarMin, kLogvarMax);
  const torch::Tensor inv_sd = (logvar * -0.5).exp();
  return {mu,
          (logvar * 0.5).exp(),
          inv_sd,
          inv_sd.t().contiguous(),
          mu.t().contiguous(),
          logvar.sum(1) * 0.5};
}

/// log p(u_s|x_j) up to the constant −(d/2) log 2π (it cancels in every term), for a batch
/// of draws u [B, d] against points [begin, begin + C): written into out [B, C].
/// Computed as Σ ((u − mu_j)/sd_j)², never as a matrix product: the expanded form loses
/// everything to cancellation when sd is small next to |u|.
void log_density(const Prepared& p, const torch::Tensor& u, int64_t begin, int64_t count,
                 torch::Tensor out, torch::Tensor& z) {
  out.zero_();
  for (int64_t i = 0; i < u.size(1); ++i) {
    torch::sub_out(z, u.select(1, i).unsqueeze(1), p.mu_t[i].narrow(0, begin, count).unsqueeze(0));
    z.mul_(p.inv_sd_t[i].narrow(0, begin, count).unsqueeze(0));
    out.addcmul_(z, z);
  }
  out.mul_(-0.5).sub_(p.half_logdet.narrow(0, begin, count).unsqueeze(0));
}

/// log p(u_s|x_s) with the same formula, [B].
torch::Tensor own_log_density(const Prepared& p, const torch::Tensor& u, const torch::Tensor& x) {
  const torch::Tensor z = (u - p.mu.index_select(0, x)) * p.inv_sd.index_select(0, x);
  return z.square().sum(1) * -0.5 - p.half_logdet.index_select(0, x);
}

/// Sample standard deviation over dim 0, divided by sqrt(S): the standard error of a mean.
torch::Tensor standard_error(const torch::Tensor& terms) {
  const int64_t s = terms.size(0);
  if (s < 2) return torch::full(terms.sizes().slice(1), std::nan(""), terms.options());
  return terms.std(0, /*unbiased=*/true) / std::sqrt(static_cast<double>(s));
}

}  // namespace

MonteCarloTerms monte_carlo_terms(const std::vector<GaussianSpace>& spaces,
                                  const MonteCarloOptions& options) {
  TORCH_CHECK(!spaces.empty(), "monte_carlo_terms: no spaces");
  TORCH_CHECK(options.samples >= 1, "monte_carlo_terms: samples must be >= 1");
  TORCH_CHECK(options.chunk >= 1, "monte_carlo_terms: chunk must be >= 1");
  TORCH_CHECK(options.sample_batch >= 0, "monte_carlo_terms: sample_batch must be >= 0");
  const int64_t n = spaces.front().mu.size(0);
  const torch::Device device = spaces.front().mu.device();
  for (const GaussianSpace& space : spaces) {
    TORCH_CHECK(space.mu.dim() == 2 && space.mu.sizes() == space.logvar.sizes(),
                "monte_carlo_terms: mu and logvar must both be [N, d]");
    TORCH_CHECK(space.mu.size(0) == n && n > 0, "monte_carlo_terms: spaces differ in N");
    TORCH_CHECK(space.mu.device() == device && space.logvar.device() == device,
                "monte_carlo_terms: spaces on different devices");
  }
  torch::NoGradGuard no_grad;
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  const int64_t k = static_cast<int64_t>(spaces.size());
  const int64_t s_total = options.samples;

  // Every draw first, on the CPU: x ~ uniform(D), then per space ε and ε′ ~ N(0, I).
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  const torch::Tensor x_all = torch::randint(n, {s_total}, generator, torch::kInt64);
  std::vector<Prepared> prepared;
  std::vector<torch::Tensor> eps, eps2;  // [S, d] each
  for (const GaussianSpace& space : spaces) {
    prepared.push_back(prepare(space, f64));
    const int64_t d = space.mu.size(1);
    eps.push_back(torch::randn({s_total, d}, generator, torch::kFloat64));
    eps2.push_back(torch::randn({s_total, d}, generator, torch::kFloat64));
  }

  const int64_t chunk = std::min(options.chunk, n);
  int64_t batch = options.sample_batch;
  if (batch == 0) {
    batch = device.is_cuda() ? kCudaStepElements / (chunk * (2 * k + 2)) : kCpuStepElements / chunk;
  }
  batch = std::clamp<int64_t>(batch, 1, s_total);
  const int64_t chunks = (n + chunk - 1) / chunk;
  const int64_t batches = (s_total + batch - 1) / batch;
  const double log_n = std::log(static_cast<double>(n));

  torch::Tensor info_bits = torch::empty({s_total, k}, torch::kFloat64);
  torch::Tensor pair_bits = torch::empty({s_total, k, k}, torch::kFloat64);
  torch::Tensor log_density_buffer = torch::empty({batch, 2 * k, chunk}, f64);
  torch::Tensor z = torch::empty({batch, chunk}, f64);
  Progress progress("mc", batches * chunks, options.progress);

  for (int64_t s0 = 0; s0 < s_total; s0 += batch) {
    const int64_t b = std::min(batch, s_total - s0);
    const torch::Tensor x = x_all.narrow(0, s0, b).to(device);
    // u and u′ of every space, and their log densities at their own x_s: [B, K] each.
    std::vector<torch::Tensor> u(2 * k);
    torch::Tensor own = torch::empty({b, 2 * k}, f64);
    for (int64_t m = 0; m < k; ++m) {
      const Prepared& p = prepared[m];
      const torch::Tensor mu_x = p.mu.index_select(0, x), sd_x = p.sd.index_select(0, x);
      u[m] = mu_x + sd_x * eps[m].narrow(0, s0, b).to(device);
      u[k + m] = mu_x + sd_x * eps2[m].narrow(0, s0, b).to(device);
      own.select(1, m).copy_(own_log_density(p, u[m], x));
      own.select(1, k + m).copy_(own_log_density(p, u[k + m], x));
    }

    // Running log Σ_j over chunks, [B, K] and [B, K, K].
    const double neg_inf = -std::numeric_limits<double>::infinity();
    torch::Tensor info_lse = torch::full({b, k}, neg_inf, f64);
    torch::Tensor self_lse = torch::full({b, k}, neg_inf, f64);
    torch::Tensor pair_lse = torch::full({b, k, k}, neg_inf, f64);
    for (int64_t j0 = 0; j0 < n; j0 += chunk) {
      const int64_t c = std::min(chunk, n - j0);
      torch::Tensor logp = log_density_buffer.narrow(0, 0, b).narrow(2, 0, c);  // [B, 2K, C]
      torch::Tensor zc = z.narrow(0, 0, b).narrow(1, 0, c);
      for (int64_t m = 0; m < 2 * k; ++m) {
        log_density(prepared[m % k], u[m], j0, c, logp.select(1, m), zc);
      }
      // exp relative to each row's maximum over the chunk, so nothing overflows and every
      // row sums to >= 1; a product of two rows underflows to 0 only where its terms are
      // below e^-745 of the chunk's maxima, which is then negligible beside x_s's own term.
      const torch::Tensor top = std::get<0>(logp.max(2, /*keepdim=*/true));  // [B, 2K, 1]
      const torch::Tensor e = logp.sub_(top).exp_();
      const torch::Tensor e1 = e.narrow(1, 0, k), e2 = e.narrow(1, k, k);
      const torch::Tensor top1 = top.narrow(1, 0, k).squeeze(2),
                          top2 = top.narrow(1, k, k).squeeze(2);
      info_lse = torch::logaddexp(info_lse, e1.sum(2).log_() + top1);
      self_lse = torch::logaddexp(self_lse, (e1 * e2).sum(2).log_() + top1 + top2);
      // Σ_j p_k p_l for all pairs at once: [B, K, C] × [B, C, K].
      const torch::Tensor pairs = torch::bmm(e1, e1.transpose(1, 2)).log_();
      pair_lse = torch::logaddexp(pair_lse, pairs + top1.unsqueeze(2) + top1.unsqueeze(1));
      progress.advance();
    }

    const torch::Tensor own1 = own.narrow(1, 0, k), own2 = own.narrow(1, k, k);
    const torch::Tensor info = own1 - info_lse + log_n;
    torch::Tensor pair = own1.unsqueeze(2) + own1.unsqueeze(1) - pair_lse + log_n;
    pair.diagonal(0, 1, 2).copy_(own1 + own2 - self_lse + log_n);
    info_bits.narrow(0, s0, b).copy_(info / std::log(2.0));
    pair_bits.narrow(0, s0, b).copy_(pair / std::log(2.0));
  }
  progress.finish();
  return {x_all, info_bits, pair_bits};
}

MonteCarloEstimate monte_carlo_estimate(const MonteCarloTerms& terms, double nmi_floor_bits) {
  const torch::Tensor info = terms.info_bits.to(torch::kFloat64);  // [S, K]
  const torch::Tensor pair = terms.pair_bits.to(torch::kFloat64);  // [S, K, K]
  TORCH_CHECK(info.dim() == 2 && pair.dim() == 3 && pair.size(0) == info.size(0) &&
                  pair.size(1) == info.size(1) && pair.size(2) == info.size(1),
              "monte_carlo_estimate: terms must be [S, K] and [S, K, K]");
  const int64_t s = info.size(0);
  const torch::Tensor self = pair.diagonal(0, 1, 2);  // [S, K]

  MonteCarloEstimate out;
  out.samples = s;
  out.info_bits = info.mean(0);
  out.info_se_bits = standard_error(info);
  out.self_pair_bits = self.mean(0);
  out.self_pair_se_bits = standard_error(self);
  out.pair_bits = pair.mean(0);
  out.pair_se_bits = standard_error(pair);

  // Per-sample terms of I_U, I_V, I_UU′, I_VV′ broadcast to [S, K, K].
  const torch::Tensor t_u = info.unsqueeze(2), t_v = info.unsqueeze(1);
  const torch::Tensor t_uu = self.unsqueeze(2), t_vv = self.unsqueeze(1);

  // VI = 2 I_UV − I_UU′ − I_VV′ is linear in the means: its terms are the same combination.
  const torch::Tensor vi_terms = pair * 2 - t_uu - t_vv;
  out.vi_bits = vi_terms.mean(0);
  out.vi_se_bits = standard_error(vi_terms);

  // NMI = (a + b − c) / sqrt(h_u h_v), h = 2I − I′, with a = I_U, b = I_V, c = I_UV.
  const torch::Tensor a = out.info_bits.unsqueeze(1), b = out.info_bits.unsqueeze(0);
  const torch::Tensor h_u = a * 2 - out.self_pair_bits.unsqueeze(1);
  const torch::Tensor h_v = b * 2 - out.self_pair_bits.unsqueeze(0);
  const torch::Tensor defined = (h_u >= nmi_floor_bits).logical_and(h_v >= nmi_floor_bits);
  const torch::Tensor root = (h_u * h_v).clamp_min(0).sqrt();
  const torch::Tensor safe_root = torch::where(defined, root, torch::ones_like(root));
  const torch::Tensor nmi = (a + b - out.pair_bits) / safe_root;
  out.nmi = torch::where(defined, nmi, torch::zeros_like(nmi));

  // Delta method: the gradient of NMI in (a, b, c, I_UU′, I_VV′), dotted with each sample's
  // paired terms; the sample variance of that is ∇ᵀ C ∇ (C the terms' sample covariance).
  const torch::Tensor safe_hu = torch::where(defined, h_u, torch::ones_like(h_u));
  const torch::Tensor safe_hv = torch::where(defined, h_v, torch::ones_like(h_v));
  const torch::Tensor d_a = 1 / safe_root - out.nmi / safe_hu;
  const torch::Tensor d_b = 1 / safe_root - out.nmi / safe_hv;
  const torch::Tensor d_c = -1 / safe_root;
  const torch::Tensor d_uu = out.nmi / (2 * safe_hu);
  const torch::Tensor d_vv = out.nmi / (2 * safe_hv);
  const torch::Tensor linear = d_a * t_u + d_b * t_v + d_c * pair + d_uu * t_uu + d_vv * t_vv;
  out.nmi_se = torch::where(defined, standard_error(linear), torch::zeros_like(out.nmi));
  return out;
}

}  // namespace infofrag
