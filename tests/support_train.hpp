#pragma once

#include <string>

#include "infofrag/train/trainer.hpp"

namespace infofrag::test {

/// The circle with a small MLP (2 latents, tanh 32-32, β = 0.03, lr 1e-3; 2 seeds of 600
/// steps at batch 128, on the CPU, quiet): fast enough for hundreds of steps in a test.
/// Callers change what their test needs (seeds, steps, device).
train::TrainConfig circle_mlp_sweep(const std::string& out);

}  // namespace infofrag::test
