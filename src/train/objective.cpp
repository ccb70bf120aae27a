#include "infofrag/train/objective.hpp"

#include <algorithm>

namespace infofrag::train {

Losses vae_losses(const torch::Tensor& x, const torch::Tensor& decoded, const models::Posterior& q,
                  bool bernoulli, const ObjectiveParams& params, int64_t step) {
  Losses out;
  const auto per_item =
      bernoulli ? torch::binary_cross_entropy_with_logits(decoded, x, /*weight=*/{},
                                                          /*pos_weight=*/{}, at::Reduction::None)
                : 0.5 * (decoded - x).square();
  out.recon = per_item.flatten(2).sum(2).mean(1);
  // KL of N(mu, σ²) from N(0, 1), per channel: ½(μ² + σ² − 1 − ln σ²).
  out.kl = (0.5 * (q.mu.square() + q.logvar.exp() - 1.0 - q.logvar)).sum(2).mean(1);
  switch (params.kind) {
    case ObjectiveKind::kBetaVae:
      out.loss = out.recon + params.beta * out.kl;
      break;
    case ObjectiveKind::kAnnealedVae: {
      // Burgess et al. 2018: the capacity C rises linearly from 0 to C_max.
      const double ramp =
          std::min(1.0, static_cast<double>(step) / static_cast<double>(params.capacity_steps));
      out.loss = out.recon + params.gamma * (out.kl - params.capacity * ramp).abs();
      break;
    }
  }
  return out;
}

}  // namespace infofrag::train
