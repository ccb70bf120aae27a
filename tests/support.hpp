#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace infofrag::test {

/// A fresh folder under the system's temporary folder, removed with everything in it when
/// the object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name = "") const;
  /// Names of the files in the folder (to check that nothing half-written is left).
  std::vector<std::string> files() const;

 private:
  std::string root_;
};

/// What a run of the infofrag executable did.
struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs the infofrag executable built beside the tests with `args`; output is captured.
CliRun run_cli(const std::vector<std::string>& args);

/// Runs the infofrag executable with one environment variable set (a test hook of the
/// trainer's), its output discarded; returns the wait status.
int run_cli_with_env(const std::vector<std::string>& args, const std::string& name,
                     const std::string& value);

/// A full factor grid in 3dshapes.h5's layout (uint8 /images [n, 64, 64, 3], float64 /labels
/// [n, 6] holding factor values that increase with the class), `sizes` values per factor,
/// rows in a random order; `drop` rows short of a grid, or with the first row's labels
/// repeated over the last when `repeat`. Each image holds its combination number (mod 256)
/// in its first byte, the rest 0.
void write_shapes3d_grid(const std::string& path, const std::vector<int64_t>& sizes,
                         int64_t drop = 0, bool repeat = false);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

/// Posteriors of a hard clustering: point i sits at centre 10·labels[i] with a tiny
/// variance, so BC is 1 within a cluster and 0 between clusters. Returns [N, 1] each.
std::pair<torch::Tensor, torch::Tensor> hard_channel(const torch::Tensor& labels,
                                                     torch::Dtype dtype);

/// Plug-in entropy (bits) of integer labels [N], computed from counts.
double entropy_bits(const torch::Tensor& labels);
/// Classic mutual information (bits) of two partitions, from their contingency table.
double mutual_info_bits(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace infofrag::test
