#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "infofrag/core/device.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/info/information.hpp"
#include "infofrag/info/monte_carlo.hpp"
#include "infofrag/io/embeddings.hpp"

namespace infofrag {

/// Options of `infofrag mc` (config section [mc]).
struct MonteCarloConfig {
  std::string embeddings;            ///< input embeddings file: its N points are the dataset D
  std::string out;                   ///< output file, written atomically
  std::vector<std::string> members;  ///< member ids to compare, in this order; empty = all
  int64_t samples = 2000;            ///< S Monte Carlo samples (x ~ D, then u ~ p(u|x))
  int64_t chunk = 4096;              ///< dataset points per chunk of the log-mean-exp
  uint64_t seed = 0;                 ///< seed of the draws
  DeviceChoice device = DeviceChoice::automatic();  ///< where the draws run
  int64_t fingerprint_size = 0;  ///< fingerprint estimate over the first K points; 0 = all
  double nmi_floor_bits = 1e-3;  ///< NMI is 0 where a space's 2I − I′ is below this
  bool progress = true;          ///< progress bar on stderr

  /// The stage's options (also `infofrag run`'s [mc] section).
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(members, "members", "member ids to compare, comma-separated (empty = all)");
    v(samples, "samples", "Monte Carlo samples S", at_least(1));
    v(chunk, "chunk", "dataset points per chunk of the log-mean-exp (bounds memory)", at_least(1));
    v(seed, "seed", "seed of the draws");
    device_field(v, device);
    v(fingerprint_size, "fingerprint-size",
      "fingerprint estimate over the first K points (0 = all)", at_least(0));
    v(nmi_floor_bits, "nmi-floor-bits",
      "NMI is reported as 0 for spaces whose 2I(X;U) - I(X;U,U') is below this", at_least(0),
      finite());
    progress_field(v, progress);
  }
  /// The stand-alone command's files.
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(embeddings, "embeddings", "input embeddings file: its points are the dataset", required());
    v(out, "out", "output file", required());
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const MonteCarloConfig& config, const std::string& prefix = "--");

/// Everything `infofrag mc` finds, float64 on the CPU, in bits.
struct MonteCarloAnalysis {
  std::vector<std::string> members;     ///< [K] member ids, in the order compared
  int64_t points = 0;                   ///< N, the dataset points of the mixture
  int64_t fingerprint_size = 0;         ///< points of the fingerprint estimate
  std::string device;                   ///< where it ran ("cpu", "cuda:0")
  MonteCarloEstimate spaces;            ///< Monte Carlo estimates with standard errors
  ChannelInfo fingerprint;              ///< [K] Bhattacharyya bound of the same whole spaces
  torch::Tensor fingerprint_pair_bits;  ///< [K, K] I(X;U,V), diagonal I(X;U,U′)
  Similarity fingerprint_similarity;    ///< [K, K]
  double mc_seconds = 0, fingerprint_seconds = 0;
};

/// Whole latent spaces of the chosen members (config.members; all when empty), by Monte
/// Carlo with standard errors (`monte_carlo_terms`, `monte_carlo_estimate`), and by the
/// Bhattacharyya fingerprint over the first config.fingerprint_size points (as
/// `infofrag analyze` computes /spaces). Throws ConfigError for bad options or unknown
/// member ids. No file access.
MonteCarloAnalysis monte_carlo(const Embeddings& embeddings, const MonteCarloConfig& config);

/// Writes `analysis` to `path` atomically (README, "The Monte Carlo file").
void write_monte_carlo(const std::string& path, const MonteCarloAnalysis& analysis,
                       const MonteCarloConfig& config);

/// What `run_monte_carlo` wrote, for the command layer to print.
struct MonteCarloReport {
  std::string out;               ///< the Monte Carlo file
  size_t members = 0;            ///< members compared
  int64_t points = 0;            ///< points of the embeddings file
  int64_t samples = 0;           ///< Monte Carlo samples
  int64_t fingerprint_size = 0;  ///< points of the fingerprint estimate
  double read_seconds = 0, monte_carlo_seconds = 0, fingerprint_seconds = 0,
         write_seconds = 0;  ///< wall time of each step
};

/// `infofrag mc`: embeddings file → Monte Carlo file. User errors throw infofrag::Error
/// before anything is written.
MonteCarloReport run_monte_carlo(const MonteCarloConfig& config);

}  // namespace infofrag
