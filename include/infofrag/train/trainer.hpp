#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "infofrag/train/packs.hpp"
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
  int64_t skipped = 0;            ///< members already ended by an earlier call or another process
  std::vector<Failure> failures;  ///< the failed members of this call
  int64_t lost = 0;               ///< packs another process took over while this one trained them
  /// Non-zero when a stop was requested (`request_stop`: SIGTERM or SIGUSR1): the signal.
  /// The pack in training was checkpointed and released; packs of the share are left.
  int stopped_by = 0;
};

/// The exit status of `infofrag train` (and `run`) after a stop request (SIGTERM, SIGUSR1):
/// EX_TEMPFAIL of sysexits.h, "try again later". The generated sbatch script requeues the
/// task on it, and the requeued task resumes from the checkpoint.
constexpr int kExitStoppedToResume = 75;

/// Trains every member of the sweep into the ensemble folder `config.out`, K = pack_size
/// members at a time in one batched model, with the same code on CPU and CUDA. Validates
/// the whole config (and that the data fits the model) before training. Resumes: members
/// that already ended are skipped, and a pack with a checkpoint continues from it, ending
/// with the same weights as an uninterrupted run. Throws ConfigError when the folder holds
/// a different sweep. With config.dry_run it only validates, and touches no file.
///
/// Any number of processes, on machines sharing the folder, may train one sweep at once,
/// each all of it or its `config.shard`: the packs come from `plan_packs`, a process trains a
/// pack only while it holds the pack's lock (`PackLock`), config.ini is created once
/// (`create_file_once`) and then compared, and every file is written whole and renamed into
/// place. Returns when every pack of the share has ended, by this process or another
/// (waiting, polling every second, for packs that others hold), or at a stop request
/// (`stopped_by`).
TrainSummary train_sweep(const TrainConfig& config);

/// Member randomness, a pure function of (seed, step), so that a member's run does not
/// depend on K, on its pack, or on where a run was resumed.
/// The dataset rows of one member's batch at `step`, drawn uniformly with replacement.
std::vector<int64_t> batch_indices(int64_t seed, int64_t step, int64_t batch, int64_t size);
/// The keys of one member's batch at `step` for Dataset::draw_items: the colour or noise of
/// color-dsprites and noisy-dsprites drawn afresh at each sampling, as in the study.
std::vector<uint64_t> nuisance_keys(int64_t seed, int64_t step, int64_t batch);
/// Standard normal noise float32 [batch, latents] for the reparameterization at `step`.
torch::Tensor reparameterization_noise(int64_t seed, int64_t step, int64_t batch, int64_t latents);
/// FactorVAE's permutations at `step`: int64 [batch, latents], column l a permutation of
/// 0..batch−1 that moves channel l of the batch's z across its items.
torch::Tensor latent_permutation(int64_t seed, int64_t step, int64_t batch, int64_t latents);

}  // namespace infofrag::train
