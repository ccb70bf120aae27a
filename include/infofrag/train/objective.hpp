#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "infofrag/models/vae.hpp"
#include "infofrag/train/sweep.hpp"

namespace infofrag::train {

/// Hyperparameters of K members, each a tensor [K] on the training device (beta, gamma,
/// capacity for the loss; lr for Adam).
struct ObjectiveParams : Hyperparameters<torch::Tensor> {
  ObjectiveKind kind = ObjectiveKind::kBetaVae;
  int64_t capacity_steps = 1;  ///< annealed-vae: C(t) = C_max·min(1, t / capacity_steps)
};

/// Per-member losses [K], each a mean over the batch (nats).
struct Losses {
  torch::Tensor recon;  ///< −log p(x|z): Bernoulli for images, unit-variance Gaussian for vectors
  torch::Tensor kl;     ///< KL(q(z|x) ‖ N(0, I)), summed over latent channels
  torch::Tensor loss;   ///< β-VAE: recon + β·KL; AnnealedVAE: recon + γ·|KL − C(t)|
};

/// x: [K, B, *item] data; decoded: [K, B, *item] logits (images) or means (vectors);
/// q: posteriors [K, B, d]; step: the optimizer step t (0-based) for C(t).
Losses vae_losses(const torch::Tensor& x, const torch::Tensor& decoded, const models::Posterior& q,
                  bool bernoulli, const ObjectiveParams& params, int64_t step);

}  // namespace infofrag::train
