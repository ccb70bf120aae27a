#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace infofrag {

/// Monte Carlo estimates of the information in whole latent spaces (Murphy, Dillavou &
/// Bassett 2025, Section 4.3). The dataset D is N points x_j; a space's posteriors are
/// diagonal Gaussians p(u|x_j) = N(mu_j, diag(exp(logvar_j))), and the aggregate posterior
/// is the equal-weight mixture p(u) = (1/N) Σ_j p(u|x_j). Then
///   I(U;X) = E_x E_{u~p(u|x)} [ log p(u|x) − log (1/N) Σ_j p(u|x_j) ],
/// and joint spaces (U,U′) and (U,V) have the product of their posteriors at the same x.

/// One latent space's posteriors over D: mu and logvar floating [N, d], on the device the
/// estimate runs on. Log-variances are clamped to [kLogvarMin, kLogvarMax] before use.
struct GaussianSpace {
  torch::Tensor mu;
  torch::Tensor logvar;
};

struct MonteCarloOptions {
  int64_t samples = 2000;    ///< S: draws x ~ uniform(D), then u ~ p(u|x) in every space
  int64_t chunk = 4096;      ///< dataset points per chunk of the log-mean-exp over j
  int64_t sample_batch = 0;  ///< samples per pass over D; 0 = sized for the device (CPU cache)
  uint64_t seed = 0;         ///< the draws; the same seed gives the same terms on one device
  bool progress = true;      ///< progress bar on stderr for passes longer than a few seconds
};

/// The per-sample terms of K spaces, float64 on the CPU, in bits. Sample s draws x_s, then
/// u_k ~ p_k(·|x_s) and a second, independent u′_k ~ p_k(·|x_s) in every space k. The same
/// x_s and u_k serve every quantity (common random numbers), so the terms of one sample are
/// paired, which is what the standard errors of NMI and VI rely on.
///   info_bits [S, K]:     log2 p_k(u_k|x_s) − log2 (1/N) Σ_j p_k(u_k|x_j)
///   pair_bits [S, K, K]:  [s, k, l] = log2 p_k(u_k|x_s) p_l(u_l|x_s)
///                                     − log2 (1/N) Σ_j p_k(u_k|x_j) p_l(u_l|x_j),   k ≠ l
///                         [s, k, k] = the same with (u_k, u′_k): the space read twice
/// Their means over s are unbiased estimates of I(X;U_k), I(X;U_k,U_l) and I(X;U_k,U′_k).
struct MonteCarloTerms {
  torch::Tensor index;      ///< int64 [S]: the sampled data points x_s
  torch::Tensor info_bits;  ///< float64 [S, K]
  torch::Tensor pair_bits;  ///< float64 [S, K, K]
};

/// Draws the samples and computes every term. All spaces must have the same N, dtype and
/// device (CPU or CUDA: the same code runs on both). The draws are made on the CPU from
/// `seed` before anything else, so they depend neither on the device nor on chunk or
/// sample_batch. Computation is float64 whatever the spaces' dtype. The log-mean-exp over
/// the N points runs `chunk` points at a time with per-chunk maxima, combined by logaddexp,
/// so working memory is about sample_batch × chunk × (2K + 1) doubles, never S × N; the
/// sums over pairs of spaces are one batched matrix product per chunk. The log-densities are
/// Σ ((u − mu_j)/sd_j)², elementwise, not a matrix product of expanded squares (which loses
/// all precision when sd is small next to |u|). The terms themselves take S × K × (K + 1)
/// doubles on the CPU.
MonteCarloTerms monte_carlo_terms(const std::vector<GaussianSpace>& spaces,
                                  const MonteCarloOptions& options = {});

/// Means and standard errors, float64 on the CPU, in bits (NMI is unitless).
///   info_bits, info_se_bits            [K]     I(X;U)
///   self_pair_bits, self_pair_se_bits  [K]     I(X;U,U′)
///   pair_bits, pair_se_bits            [K, K]  I(X;U,V), diagonal I(X;U,U′)
///   nmi, nmi_se, vi_bits, vi_se_bits   [K, K]  generalized NMI and VI (see `similarity`)
/// A mean's SE is the sample standard deviation of its terms over sqrt(S). NMI and VI are
/// functions f of the five means (I_U, I_V, I_UV, I_UU′, I_VV′); their SE is the delta
/// method with the sample covariance C of the five paired per-sample terms:
/// SE² = ∇fᵀ C ∇f / S, computed as the sample variance of ∇f · t_s over s. VI is linear, so
/// its SE is exact. NMI is 0 with SE 0 where either side's 2I − I′ is below nmi_floor_bits.
struct MonteCarloEstimate {
  int64_t samples = 0;
  torch::Tensor info_bits, info_se_bits;
  torch::Tensor self_pair_bits, self_pair_se_bits;
  torch::Tensor pair_bits, pair_se_bits;
  torch::Tensor nmi, nmi_se;
  torch::Tensor vi_bits, vi_se_bits;
};
MonteCarloEstimate monte_carlo_estimate(const MonteCarloTerms& terms, double nmi_floor_bits);

}  // namespace infofrag
