#pragma once

#include <torch/torch.h>

#include <vector>

namespace infofrag {

/// A list of channels whose Bhattacharyya coefficients BC = exp(−D) can be produced a few
/// fingerprint rows at a time, so that no [M, N, N] tensor is ever held. Kinds of channel:
///  - Gaussian: each column of mu/logvar [N, M] is one channel;
///  - Gaussian groups: each group of columns is one channel whose D is the sum of its
///    columns' D (a member's whole latent space, or any subset of its dimensions);
///  - factors: ground-truth classes [N, F] as channels, BC = 1 for equal classes, 0 otherwise.
/// Sets concatenate with `append`, so channels and factors share one pass over the rows.
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
  torch::Tensor coefficient_rows(int64_t begin, int64_t end) const;
  /// Elements of working memory that `coefficient_rows` needs per row (for tiling).
  int64_t work_elements_per_row() const;

 private:
  enum class Kind { kGaussian, kGroups, kFactors };
  struct Part {
    Kind kind;
    int64_t size;              // channels this part contributes
    torch::Tensor mu;          // [N, M'] (Gaussian kinds)
    torch::Tensor logvar;      // [N, M'] clamped
    torch::Tensor var;         // [N, M'] exp(logvar)
    torch::Tensor group;       // int64 [M'] (groups)
    torch::Tensor labels;      // int64 [N, F] (factors)
  };
  torch::Tensor part_rows(const Part& part, int64_t begin, int64_t end) const;

  std::vector<Part> parts_;
  int64_t points_ = 0;
  torch::TensorOptions options_;
};

}  // namespace infofrag
