#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infofrag/io/embeddings.hpp"

namespace infofrag {

/// Options of `infofrag synth`: a synthetic ensemble with known structure. The dataset has
/// discrete factors (uniform classes) and continuous factors (uniform on [0, 1], binned into
/// `bins` classes for the labels). Each member encodes each factor, with probability
/// `encode_prob`, in one channel of its own: mean = a·g(factor) + b plus Gaussian jitter,
/// with a random scale a (either sign) and offset b per member and channel, and posterior
/// standard deviation `noise` (cycling through the list over members, like a β sweep).
/// Its other channels are uninformative: mean ≈ 0, variance 1, like the prior.
struct SynthConfig {
  std::string out;                 ///< output embeddings file
  int64_t points = 1000;           ///< N, fingerprint points
  int64_t members = 8;             ///< ensemble members
  int64_t dims = 8;                ///< latent channels per member
  std::string discrete = "3,6";    ///< classes of each discrete factor, comma-separated
  int64_t continuous = 2;          ///< number of continuous factors
  int64_t bins = 8;                ///< label classes of a continuous factor
  std::string noise = "0.05,0.2";  ///< posterior std of encoding channels, cycled over members
  double encode_prob = 1.0;        ///< chance that a member encodes a given factor
  uint64_t seed = 0;               ///< random seed; the same seed gives the same file
};

/// The synthetic ensemble, in memory. Members are "member_00", "member_01", ...; each has
/// attributes seed, noise and channel_factors (the factor each channel encodes, or "none").
Embeddings synthesize(const SynthConfig& config);

/// `infofrag synth`: writes `synthesize(config)` to config.out. Returns the exit code (0).
int run_synth(const SynthConfig& config);

}  // namespace infofrag
