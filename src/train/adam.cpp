#include "infofrag/train/adam.hpp"

#include <cmath>

namespace infofrag::train {

AdamState adam_state_like(const std::vector<torch::Tensor>& params) {
  AdamState state;
  for (const auto& p : params) {
    state.exp_avg.push_back(torch::zeros_like(p));
    state.exp_avg_sq.push_back(torch::zeros_like(p));
  }
  return state;
}

void batched_adam_step(const std::vector<torch::Tensor>& params, AdamState& state,
                       const torch::Tensor& lr, const torch::Tensor& alive, int64_t step) {
  TORCH_CHECK(state.exp_avg.size() == params.size() && state.exp_avg_sq.size() == params.size(),
              "batched_adam_step: ", params.size(), " parameters but moments for ",
              state.exp_avg.size());
  torch::NoGradGuard no_grad;
  const double t = static_cast<double>(step + 1);
  const double bias1 = 1.0 - std::pow(kAdamBeta1, t);
  const double bias2 = 1.0 - std::pow(kAdamBeta2, t);
  for (size_t i = 0; i < params.size(); ++i) {
    torch::Tensor p = params[i];
    if (!p.grad().defined()) continue;
    std::vector<int64_t> member_shape(static_cast<size_t>(p.dim()), 1);
    member_shape[0] = p.size(0);
    const auto mask = alive.view(member_shape);
    const auto g = torch::where(mask > 0, p.grad(), torch::zeros_like(p));
    state.exp_avg[i].mul_(kAdamBeta1).add_(g, 1.0 - kAdamBeta1);
    state.exp_avg_sq[i].mul_(kAdamBeta2).addcmul_(g, g, 1.0 - kAdamBeta2);
    const auto denom = (state.exp_avg_sq[i].sqrt() / std::sqrt(bias2)).add_(kAdamEps);
    const auto step_size = (lr.view(member_shape) * mask) / bias1;
    p.sub_(step_size * state.exp_avg[i] / denom);
  }
}

}  // namespace infofrag::train
