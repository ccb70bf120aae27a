#pragma once

#include <torch/torch.h>

#include <functional>
#include <utility>
#include <vector>

#include "infofrag/info/channel_set.hpp"

// The representation-similarity baselines the paper compares its NMI and VI with (Murphy,
// Dillavou & Bassett 2025, Section 4.1). Each name says what it is: a `_similarity` is 1 for
// identical representations and larger means more alike; a `_distance` is 0 for identical
// ones, symmetric, obeys the triangle inequality, and larger means less alike.

namespace infofrag::metrics {

/// Linear CKA similarity (Kornblith et al. 2019, Eq. 3 with linear kernels):
///   CKA(X, Y) = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F), X and Y with centered columns.
/// x: [N, p], y: [N, q], floating point; computed in float64. In [0, 1]; invariant to
/// orthogonal transforms and isotropic scaling of either side. 0 when either side is constant.
double cka_linear_similarity(const torch::Tensor& x, const torch::Tensor& y);

/// Linear CKA between every pair of columns of x [N, M] (one-dimensional channels), float64
/// [M, M]: the squared Pearson correlation; 0 where a column is constant.
torch::Tensor cka_linear_channels_similarity(const torch::Tensor& x);

/// CKA of two Gram matrices (Kornblith et al. 2019, Eq. 3: HSIC with centering H = I − 11ᵀ/N):
///   CKA(K, L) = ⟨HKH, HLH⟩ / (‖HKH‖ ‖HLH‖). k, l: [N, N], symmetric. 0 when either centered
/// Gram matrix is zero.
double cka_kernel_similarity(const torch::Tensor& k, const torch::Tensor& l);

/// The RBF Gram matrix exp(−‖x_i − x_j‖² / (2σ²)) of x [N, p], float64 [N, N], with
/// σ² = threshold² · median of the N² squared distances (Kornblith et al.'s reference code,
/// `gram_rbf`, which takes the median over all pairs, i = j included).
torch::Tensor rbf_gram(const torch::Tensor& x, double threshold);

/// Rows of M symmetric N×N kernel matrices, produced a tile at a time so that no [M, N, N]
/// tensor is held: rows(begin, end) is [T, M, N] with entry [t, m, j] = K_m(x_{begin+t}, x_j).
struct KernelRows {
  int64_t kernels = 0;  ///< M
  int64_t points = 0;   ///< N
  std::function<torch::Tensor(int64_t, int64_t)> rows;
};

/// The Bhattacharyya coefficient matrices BC = exp(−D) of a channel set's channels (Gaussian
/// channels, whole latent spaces as groups, factors), as `ChannelSet::coefficient_rows` makes
/// them for the information pass.
KernelRows coefficient_kernels(const ChannelSet& set);

/// RBF kernels (`rbf_gram`) of every column of mu [N, M], then of every group of columns
/// [begin, end) (a member's whole latent space), each with its own bandwidth.
KernelRows rbf_kernels(const torch::Tensor& mu, const std::vector<ChannelSet::Group>& groups,
                       double threshold);

/// CKA similarity between every pair of kernels, float64 [M, M] (diagonal 1; 0 where a
/// centered kernel is zero). Two passes over the rows, `tile_rows` at a time: row means, then
/// Σ_ij Kc_ij Lc_ij for all pairs as one matrix product per tile (memory ~3·T·M·N).
torch::Tensor cka_kernels_similarity(const KernelRows& kernels, int64_t tile_rows = 16);

/// Options of the Gaussian stochastic shape metric.
struct ShapeMetricOptions {
  /// 0: covariances only; 1: the 2-Wasserstein distance; 2: means only (netrep's `alpha`).
  double alpha = 1.0;
  int64_t iterations = 1000;  ///< alternating-minimization steps at most (netrep's `niter`)
  double tolerance = 1e-8;    ///< stop when the objective falls by less than this (relative)
  bool center = true;         ///< subtract each side's mean of the means first
};

/// Gaussian stochastic shape distance (Duong et al. 2023, "Representational dissimilarity
/// metric spaces for stochastic neural networks"; netrep's GaussianStochasticMetric with
/// group "orth" and init "means") between two diagonal-Gaussian representations of the same
/// N inputs:
///   d² = min_Q (1/N) Σ_i [ α ‖μ_i − Q ν_i‖² + (2 − α) B²(Σ_i, Q Ψ_i Qᵀ) ],
/// Q orthogonal, B the Bures metric B²(A, C) = tr A + tr C − 2 tr (A^½ C A^½)^½. The
/// minimization alternates, as netrep does, between Q (Procrustes) and the rotations of the
/// Bures terms. The side with fewer dimensions is padded with zero means and variances.
/// mu_*, logvar_*: [N, d_*]. A distance (0 for identical posteriors, symmetric, triangle
/// inequality up to the minimization's accuracy).
double shape_distance(const torch::Tensor& mu_a, const torch::Tensor& logvar_a,
                      const torch::Tensor& mu_b, const torch::Tensor& logvar_b,
                      const ShapeMetricOptions& options = {});

/// The shape distance between every pair of one-dimensional channels (columns of
/// mu, logvar [N, M]), float64 [M, M], in closed form: with Q = ±1 and 1-D Bures terms,
///   d² = (1/N) [α (Σμ² + Σν² − 2|Σμν|) + (2 − α) Σ(σ_μ − σ_ν)²]   (means centered).
torch::Tensor shape_channels_distance(const torch::Tensor& mu, const torch::Tensor& logvar,
                                      const ShapeMetricOptions& options = {});

}  // namespace infofrag::metrics
