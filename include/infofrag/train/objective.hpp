#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "infofrag/models/discriminator.hpp"
#include "infofrag/models/vae.hpp"
#include "infofrag/train/adam.hpp"
#include "infofrag/train/sweep.hpp"

namespace infofrag::h5 {
class File;
}

namespace infofrag::train {

/// Hyperparameters of K members, each a tensor [K] on the training device (beta, gamma,
/// capacity, lambda_od for the loss; lr for Adam).
struct ObjectiveParams : Hyperparameters<torch::Tensor> {
  ObjectiveKind kind = ObjectiveKind::kBetaVae;
  int64_t capacity_steps = 1;  ///< annealed-vae: C(t) = C_max·min(1, t / capacity_steps)
};

/// What an objective sees of one training step of K members.
struct StepBatch {
  torch::Tensor x;        ///< [K, B, *item] data
  torch::Tensor decoded;  ///< [K, B, *item] logits (images) or means (vectors)
  models::Posterior q;    ///< posteriors, mu and logvar [K, B, d]
  torch::Tensor z;        ///< [K, B, d] the sampled z = mu + exp(logvar / 2)·ε
  /// int64 [K, B, d]: per member and channel, a permutation of the batch (FactorVAE's
  /// "permute dims"); undefined for the other families.
  torch::Tensor shuffle;
  int64_t step = 0;       ///< the optimizer step t (0-based)
  bool bernoulli = true;  ///< Bernoulli likelihood (images) or unit-variance Gaussian
};

/// Per-member losses [K], each a mean over the batch (nats).
struct Losses {
  torch::Tensor recon;  ///< −log p(x|z): Bernoulli for images, unit-variance Gaussian for vectors
  torch::Tensor kl;     ///< KL(q(z|x) ‖ N(0, I)), summed over latent channels
  torch::Tensor loss;   ///< what the VAE minimizes (see `family_terms`)
  /// The family's own terms, named as `family_terms` lists them; with recon, kl and loss
  /// they become the member's training curves.
  std::vector<std::pair<std::string, torch::Tensor>> terms;
};

/// The names of the terms family `kind` reports besides recon, kl and loss:
///   beta-vae, annealed-vae: none
///   beta-tcvae: tc, the minibatch estimate of the total correlation of q(z)
///   dip-vae-i, dip-vae-ii: offdiag, diag, the squared deviations of the covariance from I
///   factor-vae: tc, the discriminator's estimate; discriminator, its loss
std::vector<std::string> family_terms(ObjectiveKind kind);

/// The losses of the families without learners of their own (all but factor-vae).
Losses vae_losses(const StepBatch& batch, const ObjectiveParams& params);

/// The minibatch estimate of the total correlation KL(q(z) ‖ Π_l q(z_l)) of the aggregate
/// posterior q(z) = mean_i q(z|x_i) over the batch, per member: float [K] from z, mu, logvar
/// [K, B, d]. Chen et al. 2018, eq. 4 and section 3's minibatch-weighted sampling with the
/// batch as the sample of q(z): mean_j [ln mean_i q(z_j|x_i) − Σ_l ln mean_i q(z_jl|x_i)].
/// disentanglement_lib's total_correlation is this less the constant (d − 1)·ln B.
torch::Tensor total_correlation(const torch::Tensor& z, const torch::Tensor& mu,
                                const torch::Tensor& logvar);

/// The objective of a pack: its hyperparameters and, for FactorVAE, the discriminator with
/// its own optimizer. Member k's losses and updates depend only on member k.
class Objective {
 public:
  /// seeds: each member's seed (the discriminator's initialization); device: where the pack
  /// trains. `discriminator_width` and `discriminator_depth`: the study's unless a test
  /// asks for a smaller one; `init`: the discriminator's initialization (the VAE's).
  Objective(ObjectiveParams params, int64_t latents, const std::vector<int64_t>& seeds,
            const torch::Device& device,
            int64_t discriminator_width = models::BatchedDiscriminatorImpl::kStudyWidth,
            int64_t discriminator_depth = models::BatchedDiscriminatorImpl::kStudyDepth,
            models::Init init = models::Init::kPytorch);

  const ObjectiveParams& params() const { return params_; }
  /// Every curve's name: recon, kl, the family's terms, loss.
  std::vector<std::string> term_names() const;

  /// The losses of one step. For FactorVAE it also keeps the discriminator's loss on the
  /// same batch (on z detached from the VAE) for `step_auxiliary`.
  Losses losses(const StepBatch& batch);
  /// After the VAE's backward pass: steps the objective's own learners on the batch of the
  /// last `losses` call, with the same weights that batch saw (FactorVAE's discriminator,
  /// minimizing its cross-entropy). alive: float [K], 0 freezes a member. No-op otherwise.
  void step_auxiliary(const torch::Tensor& alive, int64_t step);

  /// The auxiliary learners' parameters and optimizer state in a checkpoint.
  void save(h5::File& file) const;
  void load(const h5::File& file);

  /// FactorVAE's discriminator (null for the other families).
  models::BatchedDiscriminator discriminator() const { return discriminator_; }

  /// FactorVAE's discriminator optimizer (Kim & Mnih 2018; disentanglement_lib's study):
  /// Adam with lr 1e-4, β1 0.5, β2 0.9.
  static constexpr double kDiscriminatorLr = 1e-4;
  static constexpr AdamOptions kDiscriminatorAdam{0.5, 0.9, 1e-8};

 private:
  ObjectiveParams params_;
  models::BatchedDiscriminator discriminator_{nullptr};
  std::optional<BatchedAdam> discriminator_adam_;
  torch::Tensor discriminator_loss_;  ///< [K] of the last `losses` call
};

}  // namespace infofrag::train
