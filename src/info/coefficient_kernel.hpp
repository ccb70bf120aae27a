#pragma once

#include <torch/torch.h>

#include "infofrag/info/fingerprint.hpp"

namespace infofrag::detail {

/// CPU kernel behind ChannelSet: Bhattacharyya coefficients of rows [begin, end) against
/// every point, in one pass per output element (the torch-op form, `bhattacharyya_coefficient`,
/// makes about ten passes over memory; it remains the path on CUDA).
/// rows: terms [N, M] (point-major); all: the same terms transposed, [M, N], contiguous.
/// Writes [T, M, N] into `out` (any strides with a contiguous last dimension; the terms'
/// dtype, float32 or float64), with coefficients below `tiny` set to 0.
void coefficient_rows_cpu(const CoefficientTerms& rows, const CoefficientTerms& all, int64_t begin,
                          int64_t end, double tiny, torch::Tensor& out);

}  // namespace infofrag::detail
