#pragma once

#include <torch/torch.h>

#include <string>

namespace infofrag {

/// Parses "float32" or "float64". Throws ConfigError naming `option` otherwise.
torch::Dtype parse_dtype(const std::string& name, const std::string& option = "--dtype");

/// Makes glibc keep freed memory instead of returning each large block to the system:
/// LibTorch frees and reallocates the same activation buffers every training step, and the
/// page faults of fresh blocks cost ~15% of a CPU step (tests/bench/bench_train.cpp).
/// Call once at program start; affects the whole process.
void keep_freed_memory();

}  // namespace infofrag
