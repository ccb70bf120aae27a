#pragma once

#include <torch/torch.h>

#include <string>

#include "infofrag/core/fields.hpp"

namespace infofrag {

/// Makes glibc keep freed memory instead of returning each large block to the system:
/// LibTorch frees and reallocates the same activation buffers every training step, and the
/// page faults of fresh blocks cost ~15% of a CPU step (tests/bench/bench_train.cpp).
/// Call once at program start; affects the whole process.
void keep_freed_memory();

namespace fields {
/// Dtype options: float32 or float64.
template <>
struct Traits<torch::Dtype> {
  static torch::Dtype parse(const std::string& text);
  static std::string format(torch::Dtype dtype);
};
}  // namespace fields

}  // namespace infofrag
