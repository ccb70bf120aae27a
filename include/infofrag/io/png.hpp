#pragma once

#include <torch/torch.h>

#include <string>

namespace infofrag {

/// Writes an 8-bit PNG atomically. image: uint8 [H, W] (grey) or [H, W, 3] (RGB), on CPU.
void write_png(const std::string& path, const torch::Tensor& image);

}  // namespace infofrag
