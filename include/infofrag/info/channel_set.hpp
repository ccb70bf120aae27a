#pragma once

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "infofrag/info/fingerprint.hpp"

namespace infofrag {

/// Bhattacharyya coefficients below this are set to exactly 0: the square root of the
/// dtype's smallest normal number, so that no product of two coefficients is subnormal
/// (subnormals make CPU matrix products several times slower). Every row sum the
/// information terms take is >= 1 (the j = i term), so the change is below N times this.
double tiny_coefficient(torch::Dtype dtype);

/// A list of channels whose Bhattacharyya coefficients BC = exp(−D) can be produced a few
/// fingerprint rows at a time, so that no [M, N, N] tensor is ever held. Kinds of channel:
///  - Gaussian: each column of mu/logvar [N, M] is one channel;
///  - groups of Gaussian columns: one channel per column range, whose D is the sum of its
///    columns' D, i.e. whose BC is the product of theirs (a member's whole latent space);
///  - factors: ground-truth classes [N, F] as channels, BC = 1 for equal classes, 0 otherwise.
/// Sets concatenate with `append`, so all kinds share one pass over the rows.
class ChannelSet {
 public:
  /// A column range [begin, end) of mu/logvar forming one group channel.
  using Group = std::pair<int64_t, int64_t>;

  /// mu, logvar: [N, M], floating point; the set computes in their dtype and device. The
  /// set's channels are the M columns, then one channel per entry of `groups`.
  static ChannelSet gaussian(const torch::Tensor& mu, const torch::Tensor& logvar,
                             const std::vector<Group>& groups = {});
  /// labels: integer [N, F]; coefficients come out in `options` (dtype, device).
  static ChannelSet factors(const torch::Tensor& labels, const torch::TensorOptions& options);

  /// Appends `other`'s channels after this set's; both must have the same N, dtype, device.
  ChannelSet& append(const ChannelSet& other);

  int64_t size() const;    ///< M, the number of channels
  int64_t points() const;  ///< N, the number of fingerprint points
  torch::TensorOptions options() const;

  /// BC rows: [T, M, N] with T = end − begin, entry [t, m, j] = exp(−D_m(x_{begin+t}, x_j)).
  /// Coefficients below `tiny_coefficient` are set to 0.
  torch::Tensor coefficient_rows(int64_t begin, int64_t end) const;
  /// The same, written into `out` ([T, M, N], the set's dtype and device, last dimension
  /// contiguous), so that a pass can reuse one buffer for every tile.
  void coefficient_rows(int64_t begin, int64_t end, torch::Tensor& out) const;
  /// Elements of working memory that `coefficient_rows` needs per row (for tiling).
  int64_t work_elements_per_row() const;

 private:
  enum class Kind { kGaussian, kFactors };
  struct Part {
    Kind kind = Kind::kGaussian;
    int64_t columns = 0;        // Gaussian columns, or factors
    CoefficientTerms rows;      // [N, M] per-point terms (Gaussian)
    CoefficientTerms all;       // the same, transposed to [M, N] and contiguous
    std::vector<Group> groups;  // group channels after the columns (Gaussian)
    int64_t uniform_width = 0;  // > 0 when the groups tile all columns in equal widths
    torch::Tensor labels;       // int64 [N, F] (factors)
    torch::Tensor labels_t;     // int64 [F, N]

    /// Channels this part contributes: its columns, then its groups.
    int64_t channels() const { return columns + static_cast<int64_t>(groups.size()); }
  };
  /// Writes the part's rows into `out`, [T, part's channels, N].
  void part_rows(const Part& part, int64_t begin, int64_t end, const torch::Tensor& out) const;

  std::vector<Part> parts_;
  int64_t points_ = 0;
  torch::TensorOptions options_;
};

}  // namespace infofrag
