#pragma once

#include <torch/torch.h>

#include <vector>

#include "infofrag/info/fingerprint.hpp"

namespace infofrag {

/// A list of channels whose Bhattacharyya coefficients BC = exp(−D) can be produced a few
/// fingerprint rows at a time, so that no [M, N, N] tensor is ever held. Kinds of channel:
///  - Gaussian: each column of mu/logvar [N, M] is one channel;
///  - Gaussian groups: each group of columns is one channel whose D is the sum of its
///    columns' D (a member's whole latent space, or any subset of its dimensions);
///  - factors: ground-truth classes [N, F] as channels, BC = 1 for equal classes, 0 otherwise.
/// Sets concatenate with `append`, so channels and factors share one pass over the rows.
/// Bhattacharyya coefficients below this are set to exactly 0: the square root of the
/// dtype's smallest normal number, so that no product of two coefficients is subnormal
/// (subnormals make CPU matrix products several times slower). Every row sum the
/// information terms take is >= 1 (the j = i term), so the change is below N times this.
double tiny_coefficient(torch::Dtype dtype);

class ChannelSet {
 public:
  /// mu, logvar: [N, M], floating point; the set computes in their dtype and device.
  static ChannelSet gaussian(const torch::Tensor& mu, const torch::Tensor& logvar);
  /// mu, logvar: [N, M]; group: int64 [M], group[m] in [0, G) is the channel column m
  /// belongs to. Every group must be non-empty.
  static ChannelSet gaussian_groups(const torch::Tensor& mu, const torch::Tensor& logvar,
                                    const torch::Tensor& group);
  /// labels: integer [N, F]; coefficients come out in `options` (dtype, device).
  static ChannelSet factors(const torch::Tensor& labels, const torch::TensorOptions& options);

  /// Appends `other`'s channels after this set's; both must have the same N, dtype, device.
  ChannelSet& append(const ChannelSet& other);

  int64_t size() const;    ///< M, the number of channels
  int64_t points() const;  ///< N, the number of fingerprint points
  torch::TensorOptions options() const;

  /// BC rows: [T, M, N] with T = end − begin, entry [t, m, j] = exp(−D_m(x_{begin+t}, x_j)).
  /// Coefficients below `tiny_coefficient` are set to 0 (see there).
  torch::Tensor coefficient_rows(int64_t begin, int64_t end) const;
  /// Elements of working memory that `coefficient_rows` needs per row (for tiling).
  int64_t work_elements_per_row() const;

 private:
  enum class Kind { kGaussian, kGroups, kFactors };
  struct Part {
    Kind kind;
    int64_t size;              // channels this part contributes
    torch::Tensor mu;          // [N, M'] (groups)
    torch::Tensor logvar;      // [N, M'] clamped (groups)
    torch::Tensor var;         // [N, M'] exp(logvar) (groups)
    CoefficientTerms terms;    // [N, M'] (Gaussian)
    torch::Tensor group;       // int64 [M'] (groups)
    torch::Tensor labels;      // int64 [N, F] (factors)
  };
  torch::Tensor part_rows(const Part& part, int64_t begin, int64_t end) const;

  std::vector<Part> parts_;
  int64_t points_ = 0;
  torch::TensorOptions options_;
};

}  // namespace infofrag
