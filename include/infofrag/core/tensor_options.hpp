#pragma once

#include <torch/torch.h>

#include <string>

namespace infofrag {

/// Parses a device name ("cpu", "cuda", "cuda:1"). Throws ConfigError naming `option` when
/// the name is invalid or CUDA is requested but not available in this build or machine.
torch::Device parse_device(const std::string& name, const std::string& option = "--device");

/// Parses "float32" or "float64". Throws ConfigError naming `option` otherwise.
torch::Dtype parse_dtype(const std::string& name, const std::string& option = "--dtype");

/// Blocks until queued work on `device` is done, so wall-clock timings are honest on CUDA.
void synchronize(const torch::Device& device);

/// Makes glibc keep freed memory instead of returning each large block to the system:
/// LibTorch frees and reallocates the same activation buffers every training step, and the
/// page faults of fresh blocks cost ~15% of a CPU step (tests/bench/bench_train.cpp).
/// Call once at program start; affects the whole process.
void keep_freed_memory();

}  // namespace infofrag
