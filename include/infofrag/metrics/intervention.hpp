#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

// The disentanglement scores that need observations with chosen factors held fixed, so they
// draw from a generator of the dataset instead of reading a fixed sample: the BetaVAE score
// (Higgins et al. 2017) and the FactorVAE score (Kim & Mnih 2018), as disentanglement_lib
// computes them, with the study's protocol as defaults. The draws come from a seeded torch
// generator, so the numbers repeat for a seed but are not NumPy's draws.

namespace infofrag::metrics {

/// A generator of ground truth: `classes[f]` classes per factor, and `represent`, which maps
/// factor classes int64 [B, F] to a representation float [B, d] (for a trained member: render
/// the observations, encode them, take the posterior means).
struct FactorGenerator {
  std::vector<int64_t> classes;
  std::function<torch::Tensor(const torch::Tensor&)> represent;
};

/// The study's protocol (disentanglement_lib's beta_vae_sklearn.gin and factor_vae_metric.gin).
struct InterventionOptions {
  int64_t batch_size = 64;          ///< observations per training point or vote
  int64_t train_points = 10000;     ///< training points (BetaVAE) or votes (FactorVAE)
  int64_t eval_points = 5000;       ///< evaluation points or votes
  int64_t variance_points = 10000;  ///< FactorVAE: observations for the global variances
  double prune_threshold = 0.05;    ///< FactorVAE: codes with sd below this are inactive
  uint64_t seed = 0;
};

/// Accuracies of a score's classifier on its training and evaluation points.
struct InterventionScore {
  double train_accuracy = 0, eval_accuracy = 0;
  int64_t active_dims = 0;  ///< FactorVAE: codes that pass the pruning (BetaVAE: all)
};

/// BetaVAE score (disentanglement_lib `compute_beta_vae_sklearn`): each point picks a factor k
/// uniformly, draws two batches of factors that agree on k, and takes the mean over the batch
/// of |z₁ − z₂| as features, labelled k; a logistic regression (liblinear L2R_LR, C = 1,
/// one-vs-rest: the study's scikit-learn default of the time) is trained on the training
/// points and scored by accuracy on both sets.
InterventionScore beta_vae_score(const FactorGenerator& generator,
                                 const InterventionOptions& options = {});

/// FactorVAE score (disentanglement_lib `compute_factor_vae`): global variances of each code
/// over `variance_points` observations (ddof 1); codes with sd < prune_threshold are
/// inactive (none active: both accuracies 0); each vote picks a factor k, draws a batch with
/// k fixed, and votes for the active code with the least variance relative to its global
/// variance; the classifier maps each code to the factor it got most votes for (ties to the
/// lowest factor index), and the accuracy is the share of votes it gets right.
InterventionScore factor_vae_score(const FactorGenerator& generator,
                                   const InterventionOptions& options = {});

}  // namespace infofrag::metrics
