#pragma once

#include <torch/torch.h>

#include <vector>

namespace infofrag {

/// Log-variances are clamped to this range before use, so that float32 never sees a
/// variance that underflows to 0 (0/0 = NaN) or overflows. exp(±80) stays normal in float32;
/// posteriors narrower than σ ≈ 4e-18 or wider than σ ≈ 2e17 are treated as at the limit.
inline constexpr double kLogvarMin = -80.0;
inline constexpr double kLogvarMax = 80.0;

/// Bhattacharyya distance between 1-D Gaussians N(mu1, e^logvar1) and N(mu2, e^logvar2),
/// elementwise with broadcasting, in the inputs' dtype:
///   D = (mu1 − mu2)² / (4(σ1² + σ2²)) + ½ ln[(σ1² + σ2²) / (2σ1σ2)].
/// The second term equals ½ ln cosh((logvar1 − logvar2)/2), computed in that stable form,
/// so D(x, x) = 0 exactly. Differentiable: with autograd on and an input that requires
/// gradients, it computes the same operations out of place.
torch::Tensor bhattacharyya(const torch::Tensor& mu1, const torch::Tensor& logvar1,
                            const torch::Tensor& mu2, const torch::Tensor& logvar2);

/// Precomputed per-point terms for `bhattacharyya_coefficient`, all [N, M] like mu:
/// mu, half_var = e^logvar / 2 and sd = e^(logvar/2) (logvar clamped).
struct CoefficientTerms {
  torch::Tensor mu, half_var, sd;
};
CoefficientTerms coefficient_terms(const torch::Tensor& mu, const torch::Tensor& logvar);

/// exp(−D) computed directly, elementwise with broadcasting, from two sets of
/// `coefficient_terms`: with h = (σ1² + σ2²)/2,
///   BC = exp(−(μ1 − μ2)² / (8h)) · sqrt(σ1σ2 / h),
/// about half the passes over memory of exp(−bhattacharyya). sd² is computed so that it
/// equals 2·half_var exactly, which keeps BC(x, x) = 1 exactly.
torch::Tensor bhattacharyya_coefficient(const CoefficientTerms& a, const CoefficientTerms& b);

/// Every channel's fingerprint. mu, logvar: [N, M] (M channels). Returns D: [M, N, N],
/// D[m, i, j] = distance between p(u_m | x_i) and p(u_m | x_j). Memory is M·N², so for large
/// ensembles use `bhattacharyya_rows` (what the analysis does).
torch::Tensor bhattacharyya_channels(const torch::Tensor& mu, const torch::Tensor& logvar);

/// Rows [begin, end) of every channel's fingerprint. mu, logvar: [N, M]. Returns [T, M, N]
/// with T = end − begin: entry [t, m, j] = D_m(x_{begin+t}, x_j).
torch::Tensor bhattacharyya_rows(const torch::Tensor& mu, const torch::Tensor& logvar,
                                 int64_t begin, int64_t end);

/// The fingerprint of a group of channels of one member: the sum of their distances (the
/// Bhattacharyya distance between the diagonal Gaussians restricted to `dims`).
/// mu, logvar: [N, d]; dims: indices into d. Returns [N, N].
torch::Tensor bhattacharyya_group(const torch::Tensor& mu, const torch::Tensor& logvar,
                                  const std::vector<int64_t>& dims);

}  // namespace infofrag
