#pragma once

#include <torch/torch.h>

#include "infofrag/metrics/disentanglement.hpp"

// The disentanglement scores of the disentanglement_lib study that train a classifier on a
// member's posterior means: explicitness and DCI. The classifiers come from Debian's
// well-kept libraries rather than from this code base: liblinear for the logistic regression
// (what scikit-learn's LogisticRegression wrapped by default when the study ran) and XGBoost
// for the gradient-boosted trees (the study used scikit-learn's GradientBoostingClassifier:
// see `DciOptions` for where the two differ). Inputs: mu_* [N_*, M] floating point, y_* int64
// [N_*, F] factor classes (each factor with two classes or more in the training set);
// train and test have the same M and F. Outputs float64 on the CPU.

namespace infofrag::metrics {

/// Explicitness (Ridgeway & Mozer 2018; disentanglement_lib `explicitness_per_factor`): codes
/// standardized with the training set's mean and standard deviation; per factor, an
/// L2-regularized logistic regression (liblinear L2R_LR, C = 1, bias feature 1, one-vs-rest,
/// tolerance 1e-4, probabilities normalized over the classes), scored by the mean over
/// classes of the one-vs-rest ROC AUC of its probabilities (classes present in a set with
/// both labels), on the training and on the test set; averaged over factors.
struct ExplicitnessScore {
  double train = 0, test = 0;
  torch::Tensor per_factor_train, per_factor_test;  ///< float64 [F]
};
ExplicitnessScore explicitness(const torch::Tensor& mu_train, const torch::Tensor& y_train,
                               const torch::Tensor& mu_test, const torch::Tensor& y_test);

/// SAP score (Kumar et al. 2018), the study's default for discrete factors
/// (disentanglement_lib `compute_score_matrix` with continuous_factors=False): S_mf = test
/// accuracy of a linear SVM trained on code m alone to predict factor f (scikit-learn's
/// LinearSVC(C=0.01, class_weight="balanced"), i.e. liblinear L2R_L2LOSS_SVC_DUAL with bias
/// 1, one-vs-rest), score = mean_f (largest S_·f − second largest S_·f). Needs M >= 2.
SapScore sap_discrete(const torch::Tensor& mu_train, const torch::Tensor& y_train,
                      const torch::Tensor& mu_test, const torch::Tensor& y_test);

/// The gradient-boosted trees of DCI. The study's scikit-learn defaults are 100 stages of
/// depth-3 trees with learning rate 0.1 and importances from impurity decrease; XGBoost's
/// trees (exact split search, softmax objective) differ in the loss they split on (second-
/// order gain, L2 penalty `lambda` on leaf values, `min_child_weight` in Hessian units), and
/// the importances here are each feature's total gain, normalized to sum to 1 per factor.
struct DciOptions {
  int64_t rounds = 100;
  int64_t max_depth = 3;
  double learning_rate = 0.1;
  double lambda = 1.0;            ///< XGBoost's default
  double min_child_weight = 1.0;  ///< XGBoost's default
  uint64_t seed = 0;
};

/// Disentanglement, completeness and informativeness (Eastwood & Williams 2018;
/// disentanglement_lib `_compute_dci`): R [M, F] the importance of code m for factor f,
///   disentanglement = Σ_m ρ_m (1 − H_F(R_m· / Σ_f R_mf)),  ρ_m = Σ_f R_mf / Σ R,
///   completeness    = Σ_f ρ_f (1 − H_M(R_·f / Σ_m R_mf)),  ρ_f = Σ_m R_mf / Σ R,
/// with entropies in base F and M (1e-11 added to R as in disentanglement_lib), and
/// informativeness = mean over factors of the classifier's accuracy on train and test.
struct DciScore {
  double disentanglement = 0, completeness = 0;
  double informativeness_train = 0, informativeness_test = 0;
  torch::Tensor importance;  ///< float64 [M, F]
};
DciScore dci(const torch::Tensor& mu_train, const torch::Tensor& y_train,
             const torch::Tensor& mu_test, const torch::Tensor& y_test,
             const DciOptions& options = {});

/// disentanglement and completeness of an importance matrix R [M, F] (the formulas above).
std::pair<double, double> dci_from_importance(const torch::Tensor& importance);

/// ROC AUC of scores for binary labels (1 positive, 0 negative), ties counted half
/// (the Mann–Whitney statistic; scikit-learn's roc_auc_score). NaN when a class is absent.
double roc_auc(const torch::Tensor& labels, const torch::Tensor& scores);

}  // namespace infofrag::metrics
