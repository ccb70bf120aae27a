#include "infofrag/info/fingerprint.hpp"

#include <cmath>

namespace infofrag {

namespace {

/// ln cosh(x) = |x| + ln(1 + e^{−2|x|}) − ln 2, free of overflow; in place on `x`.
torch::Tensor log_cosh_(const torch::Tensor& x) {
  x.abs_();
  return x.add_(torch::log1p(torch::exp(x * -2.0))).sub_(std::log(2.0));
}

}  // namespace

torch::Tensor bhattacharyya(const torch::Tensor& mu1, const torch::Tensor& logvar1,
                            const torch::Tensor& mu2, const torch::Tensor& logvar2) {
  const torch::Tensor lv1 = logvar1.clamp(kLogvarMin, kLogvarMax);
  const torch::Tensor lv2 = logvar2.clamp(kLogvarMin, kLogvarMax);
  if (torch::GradMode::is_enabled() && (mu1.requires_grad() || logvar1.requires_grad() ||
                                        mu2.requires_grad() || logvar2.requires_grad())) {
    // The same operations out of place, so that autograd can differentiate them (fusion
    // optimizes posteriors through this distance).
    const torch::Tensor x = ((lv1 - lv2) * 0.5).abs();
    const torch::Tensor log_cosh = (x + torch::log1p(torch::exp(x * -2.0))) - std::log(2.0);
    return torch::add((mu1 - mu2).square() / (lv1.exp() + lv2.exp()) * 0.25, log_cosh,
                      /*alpha=*/0.5);
  }
  torch::Tensor distance = (mu1 - mu2).square_().div_(lv1.exp() + lv2.exp()).mul_(0.25);
  return distance.add_(log_cosh_((lv1 - lv2).mul_(0.5)), /*alpha=*/0.5);
}

CoefficientTerms coefficient_terms(const torch::Tensor& mu, const torch::Tensor& logvar) {
  CoefficientTerms terms;
  terms.sd = logvar.clamp(kLogvarMin, kLogvarMax).mul_(0.5).exp_();
  terms.half_var = terms.sd.square().mul_(0.5);  // exact halving: sd·sd = 2·half_var
  terms.mu = mu;
  return terms;
}

torch::Tensor bhattacharyya_coefficient(const CoefficientTerms& a, const CoefficientTerms& b) {
  const torch::Tensor h = a.half_var + b.half_var;
  // (μ1 − μ2) is exact for close means (Sterbenz); scaling before subtracting would not be.
  torch::Tensor coefficient = (a.mu - b.mu).square_().mul_(-0.125).div_(h).exp_();
  return coefficient.mul_((a.sd * b.sd).div_(h).sqrt_());
}

torch::Tensor bhattacharyya_channels(const torch::Tensor& mu, const torch::Tensor& logvar) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(),
              "bhattacharyya_channels: mu and logvar must both be [N, M]");
  const torch::Tensor mu_t = mu.t();  // [M, N]
  const torch::Tensor lv_t = logvar.t();
  return bhattacharyya(mu_t.unsqueeze(2), lv_t.unsqueeze(2), mu_t.unsqueeze(1), lv_t.unsqueeze(1));
}

torch::Tensor bhattacharyya_rows(const torch::Tensor& mu, const torch::Tensor& logvar,
                                 int64_t begin, int64_t end) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(),
              "bhattacharyya_rows: mu and logvar must both be [N, M]");
  TORCH_CHECK(0 <= begin && begin < end && end <= mu.size(0), "bhattacharyya_rows: bad rows");
  const torch::Tensor rows_mu = mu.slice(0, begin, end).unsqueeze(2);  // [T, M, 1]
  const torch::Tensor rows_lv = logvar.slice(0, begin, end).unsqueeze(2);
  return bhattacharyya(rows_mu, rows_lv, mu.t().unsqueeze(0), logvar.t().unsqueeze(0));
}

torch::Tensor bhattacharyya_group(const torch::Tensor& mu, const torch::Tensor& logvar,
                                  const std::vector<int64_t>& dims) {
  TORCH_CHECK(!dims.empty(), "bhattacharyya_group: empty group");
  const torch::Tensor index = torch::tensor(dims, torch::kInt64).to(mu.device());
  return bhattacharyya_channels(mu.index_select(1, index), logvar.index_select(1, index)).sum(0);
}

}  // namespace infofrag
