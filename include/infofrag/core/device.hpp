#pragma once

#include <torch/torch.h>

#include <string>

namespace infofrag {

/// Parses a device name ("cpu", "cuda", "cuda:1"). Throws ConfigError naming `option` when
/// the name is invalid or CUDA is requested but not available in this build or machine.
torch::Device parse_device(const std::string& name, const std::string& option = "--device");

/// Like `parse_device`, and "auto" means CUDA when available, else CPU.
torch::Device resolve_device(const std::string& name, const std::string& option = "--device");

/// Blocks until queued work on `device` is done, so wall-clock timings are honest on CUDA.
void synchronize(const torch::Device& device);

}  // namespace infofrag
