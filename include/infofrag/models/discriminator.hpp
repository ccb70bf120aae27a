#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "infofrag/models/vae.hpp"

namespace infofrag::models {

/// FactorVAE's discriminator for K members (Kim & Mnih 2018, section 3; disentanglement_lib's
/// fc_discriminator): an MLP of `depth` hidden layers of `width` units with leaky ReLU (slope
/// 0.2, TensorFlow's default) and two logits, column 0 for "z drawn from q(z)" and column 1
/// for "z with its channels permuted across the batch". The study's is 6 × 1000.
/// Parameters have the member axis first, as the VAE's (models/vae.hpp).
class BatchedDiscriminatorImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kStudyWidth = 1000;
  static constexpr int64_t kStudyDepth = 6;
  static constexpr double kLeakySlope = 0.2;

  BatchedDiscriminatorImpl(int64_t members, int64_t latents, int64_t width = kStudyWidth,
                           int64_t depth = kStudyDepth, Init init = Init::kPytorch);

  /// z: float [K, N, d] -> logits [K, N, 2]. With `frozen_weights` the weights take no
  /// gradient (the VAE's use of the discriminator: its gradient reaches z only).
  torch::Tensor forward(const torch::Tensor& z, bool frozen_weights = false);

  /// Re-draws member k's parameters from `seed` by `init` (models/vae.hpp: PyTorch's uniform
  /// ±1/sqrt(fan_in) for weights and biases, or Glorot-uniform weights and zero biases, the
  /// study's), independently of K.
  void initialize_member(int64_t k, uint64_t seed);

  /// Names of the parameters in a fixed order ("dense_0_weight", ...), and the parameters.
  const std::vector<std::string>& parameter_names() const { return names_; }
  std::vector<torch::Tensor> ordered_parameters() const;

 private:
  int64_t members_;
  Init init_;
  std::vector<torch::Tensor> weights_;  ///< [K, in, out]
  std::vector<torch::Tensor> biases_;   ///< [K, out]
  std::vector<std::string> names_;
};
TORCH_MODULE(BatchedDiscriminator);

}  // namespace infofrag::models
