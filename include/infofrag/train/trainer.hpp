#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "infofrag/train/sweep.hpp"

namespace infofrag::train {

/// What one `train_sweep` call did.
struct TrainSummary {
  /// A member whose loss became NaN or inf: marked failed in its file, skipped by embed.
  struct Failure {
    std::string id;    ///< member id
    int64_t step = 0;  ///< the step at which its loss stopped being finite
  };
  int64_t finished = 0;           ///< members trained to the end in this call
  int64_t failed = 0;             ///< members stopped because their loss became NaN or inf
  int64_t skipped = 0;            ///< members already ended by an earlier call
  std::vector<Failure> failures;  ///< the failed members of this call
};

/// Trains every member of the sweep into the ensemble folder `config.out`, K = pack_size
/// members at a time in one batched model, with the same code on CPU and CUDA. Validates
/// the whole config (and that the data fits the model) before training. Resumes: members
/// that already ended are skipped, and a pack with a checkpoint continues from it, ending
/// with the same weights as an uninterrupted run. Throws ConfigError when the folder holds
/// a different sweep. With config.dry_run it only validates, and touches no file.
TrainSummary train_sweep(const TrainConfig& config);

/// Member randomness, a pure function of (seed, step), so that a member's run does not
/// depend on K, on its pack, or on where a run was resumed.
/// The dataset rows of one member's batch at `step`, drawn uniformly with replacement.
std::vector<int64_t> batch_indices(int64_t seed, int64_t step, int64_t batch, int64_t size);
/// Standard normal noise float32 [batch, latents] for the reparameterization at `step`.
torch::Tensor reparameterization_noise(int64_t seed, int64_t step, int64_t batch, int64_t latents);
/// FactorVAE's permutations at `step`: int64 [batch, latents], column l a permutation of
/// 0..batch−1 that moves channel l of the batch's z across its items.
torch::Tensor latent_permutation(int64_t seed, int64_t step, int64_t batch, int64_t latents);

}  // namespace infofrag::train
