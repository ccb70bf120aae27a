// Benchmark of the Monte Carlo estimator (not part of the test suite; run
// scripts/bench_monte_carlo.sh). On random diagonal-Gaussian spaces of N points, times, in
// one process and excluding start-up:
//  - monte_carlo_terms for K spaces (I, I(U,U′) and all pairs), best of --repeat;
//  - a plain implementation of I(X;U) alone that takes one sample at a time (log-densities
//    of all N points by broadcasting, then logsumexp), on --naive-samples samples,
// and prints samples × points per second for both (for K spaces, the rate counts one
// sample as one draw x with its u and u′ in every space).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "best_seconds.hpp"
#include "infofrag/core/device.hpp"
#include "infofrag/info/monte_carlo.hpp"

namespace {

using infofrag::bench::best_seconds;

/// I(X;U) one sample at a time: the whole [N, d] broadcast and a logsumexp per sample.
double naive_info_bits(const infofrag::GaussianSpace& space, int64_t samples) {
  const int64_t n = space.mu.size(0);
  const torch::Tensor sd = (space.logvar * 0.5).exp();
  const torch::Tensor half_logdet = space.logvar.sum(1) * 0.5;
  const torch::Tensor x = torch::randint(n, {samples}, torch::kInt64);
  double total = 0;
  for (int64_t s = 0; s < samples; ++s) {
    const int64_t i = x[s].item<int64_t>();
    const torch::Tensor u = space.mu[i] + sd[i] * torch::randn_like(sd[i]);
    const torch::Tensor logp = ((u - space.mu) / sd).square().sum(1) * -0.5 - half_logdet;
    total += (logp[i] - torch::logsumexp(logp, 0)).item<double>() + std::log(double(n));
  }
  return total / static_cast<double>(samples) / std::log(2.0);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t points = 10000, dims = 10, members = 1, samples = 2000, chunk = 4096, naive = 200;
  int64_t batch = 0;
  std::string device_name = "cpu";
  int repeat = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--points")
      points = std::atoll(value);
    else if (key == "--dims")
      dims = std::atoll(value);
    else if (key == "--members")
      members = std::atoll(value);
    else if (key == "--samples")
      samples = std::atoll(value);
    else if (key == "--chunk")
      chunk = std::atoll(value);
    else if (key == "--batch")
      batch = std::atoll(value);
    else if (key == "--naive-samples")
      naive = std::atoll(value);
    else if (key == "--device")
      device_name = value;
    else if (key == "--repeat")
      repeat = std::atoi(value);
    else {
      std::fprintf(stderr,
                   "usage: %s [--points N] [--dims d] [--members K] [--samples S] [--chunk C] "
                   "[--naive-samples S0] [--device cpu|cuda] [--repeat R]\n",
                   argv[0]);
      return 2;
    }
  }
  try {
    torch::NoGradGuard no_grad;
    const torch::Device device = infofrag::parse_device(device_name);
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
    torch::manual_seed(1);
    std::vector<infofrag::GaussianSpace> spaces;
    for (int64_t k = 0; k < members; ++k) {
      spaces.push_back({(torch::randn({points, dims}, torch::kFloat64) * 2).to(f64),
                        (torch::randn({points, dims}, torch::kFloat64) * 0.5 - 1).to(f64)});
    }
    infofrag::MonteCarloOptions options;
    options.samples = samples;
    options.chunk = chunk;
    options.sample_batch = batch;
    options.progress = false;

    infofrag::MonteCarloOptions warm = options;
    warm.samples = std::min<int64_t>(samples, 64);
    infofrag::monte_carlo_terms(spaces, warm);
    double info = 0;
    const double mc_s = best_seconds(repeat, device, [&] {
      const auto terms = infofrag::monte_carlo_terms(spaces, options);
      info = terms.info_bits.select(1, 0).mean().item<double>();
    });
    double naive_info = 0;
    const double naive_s =
        naive > 0
            ? best_seconds(1, device, [&] { naive_info = naive_info_bits(spaces.front(), naive); })
            : NAN;
    const double mc_rate = static_cast<double>(samples) * static_cast<double>(points) / mc_s;
    const double naive_rate = static_cast<double>(naive) * static_cast<double>(points) / naive_s;
    std::printf(
        "device=%s points=%lld dims=%lld members=%lld samples=%lld chunk=%lld mc_s=%.3f "
        "mc_sample_points_per_s=%.3e naive_info_only_sample_points_per_s=%.3e "
        "ratio=%.1f info_bits=%.3f naive_info_bits=%.3f\n",
        device_name.c_str(), static_cast<long long>(points), static_cast<long long>(dims),
        static_cast<long long>(members), static_cast<long long>(samples),
        static_cast<long long>(chunk), mc_s, mc_rate, naive_rate, mc_rate / naive_rate, info,
        naive_info);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_monte_carlo: %s\n", e.what());
    return 1;
  }
  return 0;
}
