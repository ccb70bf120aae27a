#include "infofrag/train/objective.hpp"

#include <algorithm>
#include <cmath>

#include "infofrag/io/h5.hpp"

namespace infofrag::train {

namespace {

/// splitmix64's finalizer: the discriminator's seed, unrelated to the VAE's.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
constexpr uint64_t kDiscriminatorStream = 0xD15C;

/// −log p(x|z) and KL(q(z|x) ‖ N(0, I)), per member [K], means over the batch.
void elbo_terms(const StepBatch& b, Losses& out) {
  const auto per_item =
      b.bernoulli ? torch::binary_cross_entropy_with_logits(b.decoded, b.x, /*weight=*/{},
                                                            /*pos_weight=*/{}, at::Reduction::None)
                  : 0.5 * (b.decoded - b.x).square();
  out.recon = per_item.flatten(2).sum(2).mean(1);
  // KL of N(mu, σ²) from N(0, 1), per channel: ½(μ² + σ² − 1 − ln σ²).
  out.kl = (0.5 * (b.q.mu.square() + b.q.logvar.exp() - 1.0 - b.q.logvar)).sum(2).mean(1);
}

/// DIP-VAE's covariances (Kumar et al. 2018): of the posterior means, Cov_p(x)[μ(x)]
/// = E[μμᵀ] − E[μ]E[μ]ᵀ over the batch (eq. 6, DIP-VAE-I), plus E_p(x)[diag σ²(x)] for the
/// covariance of z under q(z) (eq. 7, DIP-VAE-II). [K, d, d].
torch::Tensor dip_covariance(const models::Posterior& q, bool with_encoder_variance) {
  const auto mean = q.mu.mean(1, /*keepdim=*/true);                              // [K, 1, d]
  const auto second = torch::matmul(q.mu.transpose(1, 2), q.mu) / q.mu.size(1);  // [K, d, d]
  auto cov = second - torch::matmul(mean.transpose(1, 2), mean);
  if (with_encoder_variance) cov = cov + torch::diag_embed(q.logvar.exp().mean(1));
  return cov;
}

}  // namespace

std::vector<std::string> family_terms(ObjectiveKind kind) {
  switch (kind) {
    case ObjectiveKind::kBetaVae:
    case ObjectiveKind::kAnnealedVae:
      return {};
    case ObjectiveKind::kBetaTcVae:
      return {"tc"};
    case ObjectiveKind::kDipVaeI:
    case ObjectiveKind::kDipVaeII:
      return {"offdiag", "diag"};
    case ObjectiveKind::kFactorVae:
      return {"tc", "discriminator"};
  }
  return {};
}

torch::Tensor total_correlation(const torch::Tensor& z, const torch::Tensor& mu,
                                const torch::Tensor& logvar) {
  const double log_2pi = std::log(2.0 * M_PI);
  const int64_t b = z.size(1);
  // ln q(z_jl | x_i), [K, j, i, l]: every sample j under every posterior i of the batch.
  const auto diff = z.unsqueeze(2) - mu.unsqueeze(1);
  const auto log_q =
      -0.5 * (diff.square() * (-logvar).exp().unsqueeze(1) + logvar.unsqueeze(1) + log_2pi);
  // ln q(z_j) ≈ ln mean_i Π_l q(z_jl|x_i); ln Π_l q(z_jl) ≈ Σ_l ln mean_i q(z_jl|x_i).
  const double log_b = std::log(static_cast<double>(b));
  const auto log_qz = torch::logsumexp(log_q.sum(3), /*dim=*/2) - log_b;      // [K, j]
  const auto log_prod = (torch::logsumexp(log_q, /*dim=*/2) - log_b).sum(2);  // [K, j]
  return (log_qz - log_prod).mean(1);
}

Losses vae_losses(const StepBatch& b, const ObjectiveParams& params) {
  Losses out;
  elbo_terms(b, out);
  switch (params.kind) {
    case ObjectiveKind::kBetaVae:
      // Higgins et al. 2017, eq. 4: recon + β·KL.
      out.loss = out.recon + params.beta * out.kl;
      break;
    case ObjectiveKind::kAnnealedVae: {
      // Burgess et al. 2018, eq. 8: recon + γ·|KL − C(t)|, the capacity C rising linearly
      // from 0 to C_max over capacity_steps (disentanglement_lib's anneal()).
      const double ramp =
          std::min(1.0, static_cast<double>(b.step) / static_cast<double>(params.capacity_steps));
      out.loss = out.recon + params.gamma * (out.kl - params.capacity * ramp).abs();
      break;
    }
    case ObjectiveKind::kBetaTcVae: {
      // Chen et al. 2018, eq. 4 with α = γ = 1: recon + KL + (β − 1)·TC, as
      // disentanglement_lib's BetaTCVAE (its TC lacks the constant (d − 1)·ln B of ours,
      // which moves no gradient).
      const auto tc = total_correlation(b.z, b.q.mu, b.q.logvar);
      out.loss = out.recon + out.kl + (params.beta - 1.0) * tc;
      out.terms.emplace_back("tc", tc);
      break;
    }
    case ObjectiveKind::kDipVaeI:
    case ObjectiveKind::kDipVaeII: {
      // Kumar et al. 2018, eqs. 6 and 7: recon + KL + λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)²,
      // with λ_d = 10 λ_od for DIP-VAE-I and λ_d = λ_od for DIP-VAE-II (the study's).
      const bool two = params.kind == ObjectiveKind::kDipVaeII;
      const auto cov = dip_covariance(b.q, two);
      const auto diagonal = cov.diagonal(0, 1, 2);  // [K, d]
      const auto offdiag = cov.square().sum({1, 2}) - diagonal.square().sum(1);
      const auto diag = (diagonal - 1.0).square().sum(1);
      const double factor = two ? 1.0 : 10.0;
      out.loss = out.recon + out.kl + params.lambda_od * offdiag + factor * params.lambda_od * diag;
      out.terms.emplace_back("offdiag", offdiag);
      out.terms.emplace_back("diag", diag);
      break;
    }
    case ObjectiveKind::kFactorVae:
      TORCH_CHECK(false, "vae_losses: factor-vae needs its discriminator (train::Objective)");
  }
  return out;
}

Objective::Objective(ObjectiveParams params, int64_t latents, const std::vector<int64_t>& seeds,
                     const torch::Device& device, int64_t discriminator_width,
                     int64_t discriminator_depth, models::Init init)
    : params_(std::move(params)) {
  if (params_.kind != ObjectiveKind::kFactorVae) return;
  const int64_t k = static_cast<int64_t>(seeds.size());
  discriminator_ =
      models::BatchedDiscriminator(k, latents, discriminator_width, discriminator_depth, init);
  for (int64_t i = 0; i < k; ++i) {
    discriminator_->initialize_member(
        i, mix(static_cast<uint64_t>(seeds[static_cast<size_t>(i)]) ^ kDiscriminatorStream));
  }
  discriminator_->to(device);
  discriminator_adam_.emplace(
      discriminator_->parameter_names(), discriminator_->ordered_parameters(),
      torch::full({k}, kDiscriminatorLr, torch::TensorOptions(device).dtype(torch::kFloat32)),
      kDiscriminatorAdam);
}

std::vector<std::string> Objective::term_names() const {
  std::vector<std::string> names = {"recon", "kl"};
  for (const auto& t : family_terms(params_.kind)) names.push_back(t);
  names.push_back("loss");
  return names;
}

Losses Objective::losses(const StepBatch& b) {
  if (params_.kind != ObjectiveKind::kFactorVae) return vae_losses(b, params_);
  TORCH_CHECK(b.shuffle.defined(),
              "factor-vae needs the batch's permutations (StepBatch::shuffle)");
  Losses out;
  elbo_terms(b, out);
  // Kim & Mnih 2018, eq. 2: recon + KL + γ·TC, TC estimated by the density-ratio trick,
  // E[ln D(z) − ln(1 − D(z))] = E[logit_real − logit_permuted] (disentanglement_lib).
  const auto logits = discriminator_->forward(b.z, /*frozen_weights=*/true);  // [K, B, 2]
  const auto tc = (logits.select(2, 0) - logits.select(2, 1)).mean(1);
  out.loss = out.recon + out.kl + params_.gamma * tc;
  // The discriminator's cross-entropy on the same z (its own learner: z carries no gradient
  // back), real samples labelled 0 and permuted ones 1; probabilities clipped to
  // [1e-6, 1 − 1e-6] as disentanglement_lib's make_discriminator does.
  const auto z = b.z.detach();
  const auto permuted = z.gather(1, b.shuffle);  // Kim & Mnih 2018, algorithm 2
  const auto both = discriminator_->forward(torch::cat({z, permuted}, 1));  // [K, 2B, 2]
  const int64_t n = z.size(1);
  const auto p = torch::softmax(both, 2).clamp(1e-6, 1.0 - 1e-6);
  discriminator_loss_ = -(0.5 * p.narrow(1, 0, n).select(2, 0).log().mean(1) +
                          0.5 * p.narrow(1, n, n).select(2, 1).log().mean(1));
  out.terms.emplace_back("tc", tc);
  out.terms.emplace_back("discriminator", discriminator_loss_);
  return out;
}

void Objective::step_auxiliary(const torch::Tensor& alive, int64_t step) {
  if (!discriminator_adam_) return;
  TORCH_CHECK(discriminator_loss_.defined(), "step_auxiliary before losses");
  discriminator_adam_->zero_grad();
  torch::where(alive > 0, discriminator_loss_, torch::zeros_like(discriminator_loss_))
      .sum()
      .backward();
  discriminator_adam_->step(alive, step);
  discriminator_loss_ = torch::Tensor();
}

void Objective::save(h5::File& file) const {
  if (discriminator_adam_) {
    discriminator_adam_->save(file, "/discriminator/params", "/discriminator/adam");
  }
}

void Objective::load(const h5::File& file) {
  if (discriminator_adam_) {
    discriminator_adam_->load(file, "/discriminator/params", "/discriminator/adam");
  }
}

}  // namespace infofrag::train
