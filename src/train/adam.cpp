#include "infofrag/train/adam.hpp"

#include <cmath>

#include "infofrag/core/error.hpp"
#include "infofrag/io/h5.hpp"

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
                       const torch::Tensor& lr, const torch::Tensor& alive, int64_t step,
                       const AdamOptions& options) {
  TORCH_CHECK(state.exp_avg.size() == params.size() && state.exp_avg_sq.size() == params.size(),
              "batched_adam_step: ", params.size(), " parameters but moments for ",
              state.exp_avg.size());
  torch::NoGradGuard no_grad;
  const double t = static_cast<double>(step + 1);
  const double bias1 = 1.0 - std::pow(options.beta1, t);
  const double bias2 = 1.0 - std::pow(options.beta2, t);
  for (size_t i = 0; i < params.size(); ++i) {
    torch::Tensor p = params[i];
    if (!p.grad().defined()) continue;
    std::vector<int64_t> member_shape(static_cast<size_t>(p.dim()), 1);
    member_shape[0] = p.size(0);
    const auto mask = alive.view(member_shape);
    const auto g = torch::where(mask > 0, p.grad(), torch::zeros_like(p));
    state.exp_avg[i].mul_(options.beta1).add_(g, 1.0 - options.beta1);
    state.exp_avg_sq[i].mul_(options.beta2).addcmul_(g, g, 1.0 - options.beta2);
    const auto denom = (state.exp_avg_sq[i].sqrt() / std::sqrt(bias2)).add_(options.eps);
    const auto step_size = (lr.view(member_shape) * mask) / bias1;
    p.sub_(step_size * state.exp_avg[i] / denom);
  }
}

BatchedAdam::BatchedAdam(std::vector<std::string> names, std::vector<torch::Tensor> params,
                         torch::Tensor lr, AdamOptions options)
    : names_(std::move(names)),
      params_(std::move(params)),
      lr_(std::move(lr)),
      options_(options),
      state_(adam_state_like(params_)) {
  TORCH_CHECK(names_.size() == params_.size(), "BatchedAdam: ", names_.size(), " names for ",
              params_.size(), " parameters");
  for (const auto& p : params_) {
    TORCH_CHECK(p.dim() >= 1 && p.size(0) == lr_.size(0), "BatchedAdam: a parameter of shape ",
                p.sizes(), " for ", lr_.size(0), " learning rates");
  }
}

void BatchedAdam::zero_grad() {
  for (auto& p : params_) p.mutable_grad() = torch::Tensor();
}

void BatchedAdam::step(const torch::Tensor& alive, int64_t step) {
  batched_adam_step(params_, state_, lr_, alive, step, options_);
}

void BatchedAdam::save(h5::File& file, const std::string& params_group,
                       const std::string& moments_prefix) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    file.write(params_group + "/" + names_[i], params_[i].detach().cpu().contiguous());
    file.write(moments_prefix + "_m/" + names_[i], state_.exp_avg[i].cpu().contiguous());
    file.write(moments_prefix + "_v/" + names_[i], state_.exp_avg_sq[i].cpu().contiguous());
  }
}

void BatchedAdam::load(const h5::File& file, const std::string& params_group,
                       const std::string& moments_prefix) {
  torch::NoGradGuard no_grad;
  const auto read_into = [&](torch::Tensor& target, const std::string& name) {
    if (!file.has(name)) throw InputError(file.where(name) + " is missing from this checkpoint");
    const auto value = file.read(name, torch::kFloat32);
    if (value.sizes() != target.sizes()) {
      throw InputError(file.where(name) + " has shape " + shape_string(value.sizes().vec()) +
                       ", expected " + shape_string(target.sizes().vec()));
    }
    target.copy_(value);
  };
  for (size_t i = 0; i < params_.size(); ++i) {
    read_into(params_[i], params_group + "/" + names_[i]);
    read_into(state_.exp_avg[i], moments_prefix + "_m/" + names_[i]);
    read_into(state_.exp_avg_sq[i], moments_prefix + "_v/" + names_[i]);
  }
}

}  // namespace infofrag::train
