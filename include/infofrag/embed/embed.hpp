#pragma once

#include <cstdint>
#include <string>

#include "infofrag/core/device.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/io/embeddings.hpp"

namespace infofrag {

/// Options of `infofrag embed`.
struct EmbedConfig {
  std::string ensemble;             ///< ensemble folder written by infofrag train
  std::string out;                  ///< output embeddings file
  int64_t fingerprint_size = 1000;  ///< N, fingerprint points drawn from the dataset
  uint64_t seed = 0;                ///< draws the fingerprint sample (the same for every member)
  DeviceChoice device = DeviceChoice::automatic();  ///< where the encoders run
  int64_t batch_size = 500;                         ///< points encoded at once
  bool progress = true;                             ///< progress bar on stderr
  /// Explicit rows ("0:100000:500", a:b:step) in order instead of a sample; empty = a sample.
  /// Checked against the dataset's size when it is opened.
  IndexList indices;

  /// The stage's options (also `infofrag run`'s [embed] section).
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(fingerprint_size, "fingerprint-size", "fingerprint points N drawn from the dataset",
      at_least(1));
    v(indices, "indices",
      "explicit dataset rows instead of a sample, e.g. 0:100000:500 (a:b:step)");
    v(seed, "seed", "seed of the fingerprint sample");
    device_field(v, device);
    v(batch_size, "batch-size", "points encoded at once", at_least(1), runtime());
    progress_field(v, progress);
  }
  /// The stand-alone command's files.
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(ensemble, "ensemble", "ensemble folder", required());
    v(out, "out", "output embeddings file", required());
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const EmbedConfig& config, const std::string& prefix = "--");

/// The fingerprint sample: `count` distinct rows of a dataset of `size` items, drawn
/// uniformly from `seed` and sorted. ConfigError when count is not in [1, size].
std::vector<int64_t> fingerprint_sample(int64_t size, int64_t count, uint64_t seed);

/// A member of the folder that embed left out, because it did not finish.
struct SkippedMember {
  std::string id;          ///< member id
  std::string status;      ///< its status ("failed", "training", ...)
  int64_t steps_done = 0;  ///< steps it had trained
};

/// What `embed_ensemble` produced.
struct EmbedResult {
  Embeddings embeddings;               ///< the embeddings file's content
  std::vector<SkippedMember> skipped;  ///< members left out, in folder order
};

/// Runs every finished member's encoder over one fingerprint sample of the ensemble's
/// dataset: the embeddings file's content, with /fingerprint/index and, where the dataset
/// has them, labels and factor names. Members that did not finish are skipped and listed.
/// Members' attributes carry their hyperparameters, seed and final losses. InputError when
/// the folder has no finished member or members disagree on the dataset.
EmbedResult embed_ensemble(const EmbedConfig& config);

/// What `run_embed` wrote, for the command layer to print.
struct EmbedReport {
  std::string out;                     ///< the embeddings file
  size_t members = 0;                  ///< members embedded
  int64_t points = 0;                  ///< fingerprint points
  std::vector<SkippedMember> skipped;  ///< members left out
};

/// `infofrag embed`: writes `embed_ensemble(config)` atomically to config.out.
EmbedReport run_embed(const EmbedConfig& config);

}  // namespace infofrag
