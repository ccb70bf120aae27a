#pragma once

#include <cstdint>
#include <string>

#include "infofrag/io/embeddings.hpp"

namespace infofrag {

/// Options of `infofrag embed`.
struct EmbedConfig {
  std::string ensemble;             ///< ensemble folder written by infofrag train
  std::string out;                  ///< output embeddings file
  int64_t fingerprint_size = 1000;  ///< N, fingerprint points drawn from the dataset
  uint64_t seed = 0;                ///< draws the fingerprint sample (the same for every member)
  std::string device = "auto";      ///< auto (CUDA when available), cpu, cuda or cuda:N
  int64_t batch_size = 500;         ///< points encoded at once
  bool progress = true;             ///< progress bar on stderr
  std::string indices;              ///< explicit rows ("0:100000:500") in order; empty = a sample
};

/// The fingerprint sample: `count` distinct rows of a dataset of `size` items, drawn
/// uniformly from `seed` and sorted. ConfigError when count is not in [1, size].
std::vector<int64_t> fingerprint_sample(int64_t size, int64_t count, uint64_t seed);

/// Runs every finished member's encoder over one fingerprint sample of the ensemble's
/// dataset: the embeddings file's content, with /fingerprint/index and, where the dataset
/// has them, labels and factor names. Failed members are skipped (with a note on stderr).
/// Members' attributes carry their hyperparameters, seed and final losses. InputError when
/// the folder has no finished member or members disagree on the dataset.
Embeddings embed_ensemble(const EmbedConfig& config);

/// `infofrag embed`: writes `embed_ensemble(config)` atomically to config.out. Returns 0.
int run_embed(const EmbedConfig& config);

}  // namespace infofrag
