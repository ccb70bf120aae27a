#pragma once

#include <cstdint>
#include <string>

#include "infofrag/core/device.hpp"
#include "infofrag/core/fields.hpp"

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
  DeviceChoice device = DeviceChoice::cpu();  ///< where the decoder runs

  /// The stage's options (also `infofrag run`'s [traverse] section).
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(steps, "steps", "values per traversal", at_least(2));
    v(quantile, "quantile",
      "traverse the channel's posterior means from this quantile to 1 - quantile", at_least(0),
      below(0.5));
    device_field(v, device);
  }
  /// The stand-alone command's files.
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(analysis, "analysis", "analysis file with /hotspots", required());
    v(embeddings, "embeddings", "the embeddings file it was computed from", required());
    v(ensemble, "ensemble", "ensemble folder with the members' weights", required());
    v(out, "out", "output traversals file", required());
    v(png, "png", "also a PNG grid (image data)");
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const TraverseConfig& config, const std::string& prefix = "--");

/// What `run_traverse` wrote, for the command layer to print.
struct TraverseReport {
  std::string out;      ///< the traversals file
  std::string png;      ///< the PNG grid; empty when none was written
  size_t hotspots = 0;  ///< hotspot medoids traversed
};

/// For each hotspot's medoid channel: decodes `steps` latent vectors in which that channel
/// sweeps its range and every other channel of the member sits at its mean over the
/// fingerprint. Writes (atomically) /traversals/{hotspot, member, dim, values, decoded}:
/// decoded is float32 [H, steps, *item] (images: Bernoulli means in [0, 1]). With config.png
/// and image data, also a grid: a row per hotspot, a column per step.
TraverseReport run_traverse(const TraverseConfig& config);

}  // namespace infofrag
