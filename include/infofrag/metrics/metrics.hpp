#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/metrics/disentanglement.hpp"
#include "infofrag/metrics/intervention.hpp"
#include "infofrag/metrics/similarity.hpp"
#include "infofrag/metrics/trained.hpp"

namespace infofrag {

/// Options of `infofrag metrics` (config section [metrics]).
struct MetricsConfig {
  std::string embeddings;            ///< input embeddings file
  std::string out;                   ///< output metrics file, written atomically
  std::vector<std::string> members;  ///< member ids, in this order; empty = all
  int64_t fingerprint_size = 0;      ///< use the first K points; 0 = all
  int64_t min_points = 100;          ///< refuse fewer points than this
  bool disentanglement = true;       ///< MIG, SAP, modularity (need /fingerprint/labels)
  int64_t bins = 20;                 ///< histogram bins of the discretized codes (MIG, modularity)
  bool trained = true;               ///< explicitness and DCI (train classifiers)
  double test_fraction = 1.0 / 3;    ///< the last points, held out for explicitness and DCI
  double udr_kl_threshold = 0.01;    ///< UDR's active latents: mean KL above this (nats)
  /// UDR's correlation between members' latents: spearman, or lasso (Duan et al.'s UDR_L)
  metrics::UdrCorrelation udr_correlation = metrics::UdrCorrelation::kSpearman;
  double udr_lasso_alpha = 0.1;     ///< UDR lasso's L1 weight α (disentanglement_lib's 0.1)
  bool channels = true;             ///< also the similarities between all channels [M, M]
  double rbf_threshold = 1.0;       ///< RBF CKA bandwidth: σ² = threshold² · median d²
  double shape_alpha = 1.0;         ///< shape metric: 0 covariances, 1 Wasserstein, 2 means
  int64_t shape_iterations = 1000;  ///< shape metric's alternating steps at most
  double shape_tolerance = 1e-8;    ///< shape metric's relative stopping tolerance
  int64_t tile_rows = 16;           ///< kernel rows per tile of the kernel-CKA pass
  /// ensemble folder: adds the BetaVAE and FactorVAE scores (a dataset with one item per
  /// combination of its factors' classes: dsprites and its variants, shapes3d)
  std::string ensemble;
  metrics::InterventionOptions intervention;  ///< their protocol (the study's defaults)

  /// The stage's options (also `infofrag run`'s [metrics] section).
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(members, "members", "member ids, comma-separated (empty = all)");
    v(fingerprint_size, "fingerprint-size", "metrics over the first K fingerprint points (0 = all)",
      at_least(0));
    v(min_points, "min-points",
      "refuse an embeddings file with fewer points (the 20-bin MI estimates need many)",
      at_least(2));
    v(disentanglement, "disentanglement",
      "MIG, SAP and modularity on each member's means (needs /fingerprint/labels; true/false)");
    v(bins, "bins", "histogram bins of the discretized codes (the study's 20)", at_least(2));
    v(trained, "trained",
      "explicitness and DCI, which train classifiers, with the label-based metrics (true/false)");
    v(test_fraction, "test-fraction",
      "share of the points (the last ones) held out to test explicitness and DCI (the study's "
      "5,000 of 15,000)",
      at_least(0.01), at_most(0.99));
    v(udr_kl_threshold, "udr-kl-threshold",
      "UDR counts latents whose mean KL to the prior exceeds this (nats)", at_least(0), finite());
    v(udr_correlation, "udr-correlation",
      "UDR's correlation between two members' latents: spearman, or lasso (coefficients of a "
      "lasso regression between their standardized latents, Duan et al.'s UDR_L)");
    v(udr_lasso_alpha, "udr-lasso-alpha", "UDR lasso's L1 weight alpha (the study's 0.1)",
      positive(), finite());
    v(channels, "channels", "also the similarities between all channels (true/false)");
    v(rbf_threshold, "rbf-threshold", "RBF CKA bandwidth: sigma^2 = threshold^2 * median d^2",
      positive(), finite());
    v(shape_alpha, "shape-alpha",
      "shape metric: 0 covariances only, 1 the 2-Wasserstein distance, 2 means only", at_least(0),
      at_most(2));
    v(shape_iterations, "shape-iterations", "shape metric's alternating steps at most",
      at_least(1));
    v(shape_tolerance, "shape-tolerance", "shape metric's relative stopping tolerance", at_least(0),
      finite());
    v(intervention.batch_size, "intervention-batch-size",
      "BetaVAE/FactorVAE: observations per point or vote (the study's 64)", at_least(2));
    v(intervention.train_points, "intervention-train",
      "BetaVAE/FactorVAE: training points or votes (the study's 10,000)", at_least(1));
    v(intervention.eval_points, "intervention-eval",
      "BetaVAE/FactorVAE: evaluation points or votes (the study's 5,000)", at_least(1));
    v(intervention.variance_points, "intervention-variance-points",
      "FactorVAE: observations for the global variances (the study's 10,000)", at_least(2));
    v(intervention.prune_threshold, "intervention-prune",
      "FactorVAE: codes whose sd is below this are inactive (the study's 0.05)", at_least(0),
      finite());
    v(intervention.seed, "seed", "seed of the BetaVAE and FactorVAE draws");
    v(tile_rows, "tile-rows", "kernel rows per tile of the kernel CKA pass", at_least(1),
      runtime());
  }
  /// The stand-alone command's files.
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(embeddings, "embeddings", "input embeddings file", required());
    v(out, "out", "output metrics file", required());
    v(ensemble, "ensemble",
      "ensemble folder of the embedded members: adds the BetaVAE and FactorVAE scores, which "
      "draw observations with chosen factors fixed (datasets with one item per combination of "
      "their factors' classes: dsprites and its variants, shapes3d)");
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const MetricsConfig& config, const std::string& prefix = "--");

/// Four similarity baselines between the same things, float64.
struct SimilarityMatrices {
  torch::Tensor cka_linear_similarity;       ///< linear CKA on the means
  torch::Tensor cka_rbf_similarity;          ///< RBF CKA on the means
  torch::Tensor cka_coefficient_similarity;  ///< CKA of the Bhattacharyya coefficient matrices
  torch::Tensor shape_distance;              ///< Gaussian stochastic shape metric
};

/// Wall time per metric, seconds.
struct MetricsSeconds {
  double read = 0, cka_linear = 0, cka_rbf = 0, cka_coefficient = 0, shape = 0, mig = 0, sap = 0,
         modularity = 0, explicitness = 0, dci = 0, beta_vae = 0, factor_vae = 0, udr = 0,
         write = 0;
};

/// Everything `infofrag metrics` finds, float64 on the CPU.
struct Metrics {
  int64_t points = 0;                       ///< N used
  std::vector<std::string> members;         ///< [K]
  std::vector<std::string> channel_member;  ///< [M] member id of each channel
  torch::Tensor channel_dim;                ///< int64 [M]
  SimilarityMatrices spaces;                ///< [K, K] between whole latent spaces
  SimilarityMatrices channels;              ///< [M, M]; undefined when config.channels is off

  std::vector<std::string> factor_names;  ///< [F] factors scored (constant ones left out)
  std::vector<std::string> factors_left_out;
  torch::Tensor mig, mig_per_factor;  ///< [K], [K, F]
  torch::Tensor sap;                  ///< [K]
  torch::Tensor modularity;           ///< [K]; NaN for a member when F < 2
  torch::Tensor sap_discrete;         ///< [K] (config.trained): the study's default SAP
  torch::Tensor explicitness_train, explicitness_test;                ///< [K] (config.trained)
  torch::Tensor dci_disentanglement, dci_completeness;                ///< [K]
  torch::Tensor dci_informativeness_train, dci_informativeness_test;  ///< [K]
  torch::Tensor dci_importance;  ///< [K, d, F] when every member has d codes, else undefined
  torch::Tensor beta_vae_train, beta_vae_eval;      ///< [K] (config.ensemble)
  torch::Tensor factor_vae_train, factor_vae_eval;  ///< [K]
  torch::Tensor factor_vae_active;                  ///< int64 [K]
  std::vector<std::string> intervention_factors;    ///< the factors they fix, in grid order
  metrics::UdrScore udr;                            ///< [K, K], [K], [K]
  MetricsSeconds seconds;
};

/// The science of the metrics stage on the first config.fingerprint_size points (all when 0)
/// of the chosen members. Throws InputError (naming `config.embeddings`) when the
/// disentanglement metrics are on and the file has no labels or no factor with two classes,
/// and when there are fewer points than config.min_points; ConfigError for bad options.
Metrics compute_metrics(const Embeddings& embeddings, const MetricsConfig& config);

/// Writes `metrics` to `path` atomically (README, "The metrics file").
void write_metrics(const std::string& path, const Metrics& metrics, const MetricsConfig& config);

/// What `run_metrics` wrote, for the command layer to print.
struct MetricsReport {
  std::string out;         ///< the metrics file
  size_t members = 0;      ///< members compared
  size_t channels = 0;     ///< their channels
  int64_t points = 0;      ///< points used
  MetricsSeconds seconds;  ///< wall time per metric
};

/// `infofrag metrics`: embeddings file → metrics file. User errors throw infofrag::Error
/// before anything is written.
MetricsReport run_metrics(const MetricsConfig& config);

}  // namespace infofrag
