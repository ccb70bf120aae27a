#pragma once

#include <torch/torch.h>

#include <vector>

#include "infofrag/core/fields.hpp"

// The label-based disentanglement scores of the disentanglement_lib study (Locatello et al.
// 2019), on a member's posterior means, with the study's protocol as defaults, and UDR
// (Duan et al. 2020), which compares members pairwise without labels. Every score here is
// deterministic: no classifier, no sampling. Each follows disentanglement_lib's code (cited per
// function), whose conventions (natural logarithms, NumPy's histogram edges) decide the values.
// Inputs: mu [N, M] posterior means (floating point), labels int64 [N, F] factor classes with
// at least two classes each (callers leave constant factors out: they carry no information,
// and the study's dSprites has no colour factor). Outputs float64 on the CPU.

namespace infofrag::metrics {

/// disentanglement_lib's `_histogram_discretize`: per column, np.digitize(x, edges[:-1]) with
/// edges = np.histogram(x, bins)[1], i.e. `bins` equal-width bins between the column's min
/// and max (min − 0.5 and max + 0.5 for a constant column). x: [N, M]; returns int64 [N, M]
/// in 1..bins.
torch::Tensor histogram_discretize(const torch::Tensor& x, int64_t bins);

/// Mutual information in nats between two discrete labelings a, b (int64 [N], any values),
/// from their contingency table: scikit-learn's `mutual_info_score`.
double discrete_mutual_info_nats(const torch::Tensor& a, const torch::Tensor& b);

/// `discrete_mutual_info_nats` between every column of codes [N, M] and of factors [N, F]:
/// float64 [M, F].
torch::Tensor discrete_mutual_info_matrix(const torch::Tensor& codes, const torch::Tensor& factors);

/// Mutual information gap (Chen et al. 2018; disentanglement_lib `_compute_mig`): with
/// I_mf the MI between the discretized code m and factor f and H_f the factor's entropy,
///   MIG_f = (largest I_·f − second largest I_·f) / H_f,  score = mean_f MIG_f.
/// Needs M >= 2 codes.
struct MigScore {
  double score = 0;
  torch::Tensor per_factor;  ///< float64 [F]
};
MigScore mig(const torch::Tensor& mu, const torch::Tensor& labels, int64_t bins = 20);

/// SAP score (Kumar et al. 2018), its continuous-factor case (disentanglement_lib
/// `compute_score_matrix` with continuous_factors=True): S_mf = cov(μ_m, y_f)² /
/// (var μ_m var y_f) (sample covariances; 0 where var μ_m <= 1e-12), and
///   score = mean_f (largest S_·f − second largest S_·f).
/// (The study's default for discrete factors trains a LinearSVC per code and factor instead.)
struct SapScore {
  double score = 0;
  torch::Tensor matrix;  ///< float64 [M, F], S_mf
};
SapScore sap_continuous(const torch::Tensor& mu, const torch::Tensor& labels);

/// Modularity (Ridgeway & Mozer 2018; disentanglement_lib `modularity`): per code m, with
/// θ_m = max_f I_mf² over the discretized code's MI with each factor,
///   modularity_m = 1 − Σ_{f ≠ argmax} I_mf² / (θ_m (F − 1))   (0 where θ_m = 0),
/// score = mean_m. Needs F >= 2 factors.
struct ModularityScore {
  double score = 0;
  torch::Tensor per_code;  ///< float64 [M]
};
ModularityScore modularity(const torch::Tensor& mu, const torch::Tensor& labels, int64_t bins = 20);

/// Spearman rank correlations (ties take their average rank) between every column of
/// a [N, p] and every column of b [N, q], absolute values: float64 [p, q]; NaN where a
/// column is constant (as scipy.stats.spearmanr).
torch::Tensor spearman_abs_correlation(const torch::Tensor& a, const torch::Tensor& b);

/// UDR's relative-strength score of an absolute correlation matrix R [p, q]
/// (disentanglement_lib `relative_strength_disentanglement`):
///   ½ [mean_j (max_i R_ij)² / Σ_i R_ij + mean_i (max_j R_ij)² / Σ_j R_ij],
/// a ratio that is NaN (a NaN entry, or a zero sum) counting as 0. NaN when R is empty.
double relative_strength(const torch::Tensor& correlation);

/// Lasso regression coefficients, absolute: float64 [p, q], column t the w minimizing
/// (1/2N)‖y_t − ȳ_t − (x − x̄)w‖² + α‖w‖₁ for x [N, p] and column t of y [N, q] (scikit-learn's
/// `Lasso(alpha)` with its intercept), by cyclic coordinate descent on the Gram matrix until
/// no coefficient moves by more than `tolerance` in a sweep (at most `max_sweeps`).
torch::Tensor lasso_abs_coefficients(const torch::Tensor& x, const torch::Tensor& y, double alpha,
                                     double tolerance = 1e-13, int64_t max_sweeps = 1000000);

/// UDR's correlation between two members' latents: a runtime choice, a switch.
enum class UdrCorrelation {
  kSpearman,  ///< |Spearman| between every pair of active latents
  kLasso,     ///< |lasso coefficients| regressing b's standardized latents on a's (Duan et al.)
};
inline const std::vector<Choice<UdrCorrelation>>& field_choices(UdrCorrelation) {
  static const std::vector<Choice<UdrCorrelation>> table = {{UdrCorrelation::kSpearman, "spearman"},
                                                            {UdrCorrelation::kLasso, "lasso"}};
  return table;
}

/// Unsupervised disentanglement ranking (Duan et al. 2020) as disentanglement_lib's
/// `compute_udr_sklearn` computes it: for each ordered pair of members (a, b), the relative
/// strength of the correlation matrix [d_a, d_b] between a's and b's active latents (mean KL to
/// the prior N(0, 1) over the points, ½(μ² + σ² − ln σ² − 1), above `kl_threshold` nats):
/// |Spearman|, or for kLasso the |coefficients| of a lasso (α = `lasso_alpha`, the study's 0.1)
/// from a's latents to b's, each standardized (mean 0, population sd 1; a constant one left at
/// 0). A member's score is the median over the other members of the pairs that end in it.
/// mus, logvars: one [N, d_k] pair per member.
struct UdrScore {
  torch::Tensor pairwise;  ///< float64 [K, K]: (a, b); diagonal 0 (as disentanglement_lib)
  torch::Tensor score;     ///< float64 [K], median of column k without the diagonal
  torch::Tensor active;    ///< int64 [K], active latents per member
};
UdrScore udr(const std::vector<torch::Tensor>& mus, const std::vector<torch::Tensor>& logvars,
             UdrCorrelation correlation, double kl_threshold = 0.01, double lasso_alpha = 0.1);
/// `udr` with kSpearman.
UdrScore udr_spearman(const std::vector<torch::Tensor>& mus,
                      const std::vector<torch::Tensor>& logvars, double kl_threshold = 0.01);

}  // namespace infofrag::metrics
