#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"
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
  std::string out;                          ///< output embeddings file
  int64_t points = 1000;                    ///< N, fingerprint points
  int64_t members = 8;                      ///< ensemble members
  int64_t dims = 8;                         ///< latent channels per member
  std::vector<int64_t> discrete = {3, 6};   ///< classes of each discrete factor
  int64_t continuous = 2;                   ///< number of continuous factors
  int64_t bins = 8;                         ///< label classes of a continuous factor
  std::vector<double> noise = {0.05, 0.2};  ///< posterior std of encoding channels, cycled
  double encode_prob = 1.0;                 ///< chance that a member encodes a given factor
  uint64_t seed = 0;                        ///< random seed; the same seed gives the same file

  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(points, "points", "fingerprint points N", at_least(1));
    v(members, "members", "ensemble members", at_least(1));
    v(dims, "dims", "latent channels per member", at_least(1));
    v(discrete, "discrete", "classes of each discrete factor, comma-separated (empty for none)",
      at_least(2));
    v(continuous, "continuous", "number of continuous factors (uniform on [0, 1])", at_least(0));
    v(bins, "bins", "label classes of each continuous factor", at_least(2));
    v(noise, "noise", "posterior std of encoding channels, cycled over members", required(),
      positive(), finite());
    v(encode_prob, "encode-prob", "chance that a member encodes a given factor", at_least(0),
      at_most(1));
    v(seed, "seed", "random seed");
  }
  template <class V>
  void files(V& v) {
    v(out, "out", "output embeddings file", infofrag::fields::required());
  }
};

/// The synthetic ensemble, in memory. Members are "member_00", "member_01", ...; each has
/// attributes seed, noise and channel_factors (the factor each channel encodes, or "none").
Embeddings synthesize(const SynthConfig& config);

/// What `run_synth` wrote, for the command layer to print.
struct SynthReport {
  std::string out;       ///< the embeddings file
  int64_t members = 0;   ///< members written
  int64_t channels = 0;  ///< channels per member
  int64_t points = 0;    ///< points
};

/// `infofrag synth`: writes `synthesize(config)` to config.out.
SynthReport run_synth(const SynthConfig& config);

}  // namespace infofrag
