#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace infofrag::h5 {
class File;
}

namespace infofrag::train {

/// Adam's constants: torch::optim::Adam's defaults (Kingma & Ba 2015), no weight decay.
constexpr double kAdamBeta1 = 0.9;
constexpr double kAdamBeta2 = 0.999;
constexpr double kAdamEps = 1e-8;

/// Adam's constants of one optimizer (the VAE's are torch::optim::Adam's defaults).
struct AdamOptions {
  double beta1 = kAdamBeta1;
  double beta2 = kAdamBeta2;
  double eps = kAdamEps;
};

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
                       const torch::Tensor& lr, const torch::Tensor& alive, int64_t step,
                       const AdamOptions& options = {});

/// The optimizer of one learner of a pack (the VAE, FactorVAE's discriminator): K members'
/// parameters [K, ...], their learning rates and Adam moments. Every optimizer of a pack is
/// one of these, and a checkpoint saves each, so a resumed run continues bit for bit.
class BatchedAdam {
 public:
  /// params: the learner's parameters, named (names are the checkpoint's dataset names);
  /// lr: float [K] on the parameters' device.
  BatchedAdam(std::vector<std::string> names, std::vector<torch::Tensor> params, torch::Tensor lr,
              AdamOptions options = {});

  /// Clears the parameters' gradients before a backward pass.
  void zero_grad();
  /// One step (0-based `step` for the bias corrections); alive: float [K], 0 freezes a member.
  void step(const torch::Tensor& alive, int64_t step);

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<torch::Tensor>& params() const { return params_; }
  const AdamState& state() const { return state_; }
  const AdamOptions& options() const { return options_; }

  /// Writes the parameters to `<params_group>/<name>` and the moments to
  /// `<moments_prefix>_m/<name>` and `<moments_prefix>_v/<name>` (float32, [K, ...]).
  void save(h5::File& file, const std::string& params_group,
            const std::string& moments_prefix) const;
  /// Reads what `save` wrote into the parameters and moments (in place). InputError naming
  /// the file and dataset when one is missing or of another shape.
  void load(const h5::File& file, const std::string& params_group,
            const std::string& moments_prefix);

 private:
  std::vector<std::string> names_;
  std::vector<torch::Tensor> params_;
  torch::Tensor lr_;
  AdamOptions options_;
  AdamState state_;
};

}  // namespace infofrag::train
