#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace infofrag::train {

/// Adam's constants: torch::optim::Adam's defaults (Kingma & Ba 2015), no weight decay.
constexpr double kAdamBeta1 = 0.9;
constexpr double kAdamBeta2 = 0.999;
constexpr double kAdamEps = 1e-8;

/// Adam's moments, one pair per parameter, each shaped like it.
struct AdamState {
  std::vector<torch::Tensor> exp_avg;     ///< first moments m
  std::vector<torch::Tensor> exp_avg_sq;  ///< second moments v
};

/// Zero moments for `params`.
AdamState adam_state_like(const std::vector<torch::Tensor>& params);

/// One Adam step over the parameters of K members trained together: every tensor in
/// `params` has the member axis first, [K, ...], and member k's update uses only member k's
/// gradient, learning rate and moments, so it equals torch::optim::Adam run on member k alone.
/// lr: float [K] learning rates; alive: float [K], 1 updates the member and 0 freezes its
/// parameters (its gradient, NaN or not, is read as zero). step: 0-based, for the bias
/// corrections. Parameters without a gradient are left alone.
void batched_adam_step(const std::vector<torch::Tensor>& params, AdamState& state,
                       const torch::Tensor& lr, const torch::Tensor& alive, int64_t step);

}  // namespace infofrag::train
