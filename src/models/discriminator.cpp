#include "infofrag/models/discriminator.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "infofrag/models/vae.hpp"

namespace infofrag::models {

BatchedDiscriminatorImpl::BatchedDiscriminatorImpl(int64_t members, int64_t latents, int64_t width,
                                                   int64_t depth, Init init)
    : members_(members), init_(init) {
  TORCH_CHECK(members >= 1 && latents >= 1 && width >= 1 && depth >= 0,
              "BatchedDiscriminator: members ", members, ", latents ", latents, ", width ", width,
              ", depth ", depth);
  int64_t in = latents;
  for (int64_t i = 0; i <= depth; ++i) {
    const int64_t out = i == depth ? 2 : width;
    const std::string name = "dense_" + std::to_string(i);
    weights_.push_back(register_parameter(name + "_weight", torch::zeros({members, in, out})));
    biases_.push_back(register_parameter(name + "_bias", torch::zeros({members, out})));
    names_.push_back(name + "_weight");
    names_.push_back(name + "_bias");
    in = out;
  }
  for (int64_t k = 0; k < members_; ++k) initialize_member(k, static_cast<uint64_t>(k));
}

torch::Tensor BatchedDiscriminatorImpl::forward(const torch::Tensor& z, bool frozen_weights) {
  TORCH_CHECK(z.dim() == 3 && z.size(0) == members_ && z.size(2) == weights_[0].size(1),
              "the discriminator expects [K, N, d], got ", z.sizes());
  torch::Tensor x = z;
  for (size_t i = 0; i < weights_.size(); ++i) {
    const auto w = frozen_weights ? weights_[i].detach() : weights_[i];
    const auto b = frozen_weights ? biases_[i].detach() : biases_[i];
    x = batched_dense(x, w, b);
    if (i + 1 < weights_.size()) x = torch::leaky_relu(x, kLeakySlope);
  }
  return x;
}

void BatchedDiscriminatorImpl::initialize_member(int64_t k, uint64_t seed) {
  TORCH_CHECK(k >= 0 && k < members_, "member ", k, " out of range");
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (size_t i = 0; i < weights_.size(); ++i) {
    const auto fan_in = static_cast<double>(weights_[i].size(1));
    const auto fan_out = static_cast<double>(weights_[i].size(2));
    double weight_bound = 0;
    double bias_bound = 0;
    switch (init_) {
      case Init::kPytorch:
        weight_bound = bias_bound = 1.0 / std::sqrt(fan_in);
        break;
      case Init::kGlorot:
        weight_bound = std::sqrt(6.0 / (fan_in + fan_out));
        break;
    }
    for (const auto& [param, bound] :
         {std::pair{weights_[i], weight_bound}, std::pair{biases_[i], bias_bound}}) {
      auto values = torch::zeros(param[k].sizes(), torch::kFloat32);
      if (bound > 0) values.uniform_(-bound, bound, generator);
      param[k].copy_(values);
    }
  }
}

std::vector<torch::Tensor> BatchedDiscriminatorImpl::ordered_parameters() const {
  std::vector<torch::Tensor> out;
  for (size_t i = 0; i < weights_.size(); ++i) {
    out.push_back(weights_[i]);
    out.push_back(biases_[i]);
  }
  return out;
}

}  // namespace infofrag::models
