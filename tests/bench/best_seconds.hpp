// Timing for the benchmark programs (not part of the test suite).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>

#include "infofrag/core/device.hpp"

namespace infofrag::bench {

/// The shortest of `repeat` runs of fn(), in seconds, with the device synchronized around
/// each run so that asynchronous CUDA work is counted.
template <typename Fn>
double best_seconds(int repeat, const torch::Device& device, Fn fn) {
  using Clock = std::chrono::steady_clock;
  double best = INFINITY;
  for (int r = 0; r < repeat; ++r) {
    synchronize(device);
    const auto start = Clock::now();
    fn();
    synchronize(device);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace infofrag::bench
