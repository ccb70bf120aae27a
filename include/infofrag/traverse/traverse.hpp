#pragma once

#include <cstdint>
#include <string>

namespace infofrag {

/// Options of `infofrag traverse`.
struct TraverseConfig {
  std::string analysis;    ///< analysis file with /hotspots
  std::string embeddings;  ///< the embeddings file it was computed from (fingerprint posteriors)
  std::string ensemble;    ///< ensemble folder with the members' weights
  std::string out;         ///< traversals file (HDF5)
  std::string png;         ///< PNG grid of the traversals ("" = none; image data only)
  int64_t steps = 9;       ///< values per traversal
  /// A traversal spans the channel's posterior means over the fingerprint from this quantile
  /// to 1 − quantile.
  double quantile = 0.02;
  std::string device = "cpu";  ///< auto, cpu, cuda or cuda:N
};

/// For each hotspot's medoid channel: decodes `steps` latent vectors in which that channel
/// sweeps its range and every other channel of the member sits at its mean over the
/// fingerprint. Writes (atomically) /traversals/{hotspot, member, dim, values, decoded}:
/// decoded is float32 [H, steps, *item] (images: Bernoulli means in [0, 1]). With config.png
/// and image data, also a grid: a row per hotspot, a column per step. Returns 0.
int run_traverse(const TraverseConfig& config);

}  // namespace infofrag
