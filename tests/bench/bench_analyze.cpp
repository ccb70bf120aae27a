// Benchmark of the analysis core (not part of the test suite; run scripts/bench_analyze.sh).
// Times, inside one process and excluding start-up and file reading:
//  - the pass over all channel pairs (fingerprints + batched products), best of --repeat;
//  - the whole `analyze` (adds labels and whole latent spaces);
//  - plain matrix products with the same FLOP count as the pairwise stage: N products of one
//    row's shape [M, N] x [N, M], and one large square product (the machine's best case),
// and prints the pairwise stage's GFLOP/s next to the plain products'.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "best_seconds.hpp"
#include "infofrag/analyze/analyze.hpp"
#include "infofrag/core/device.hpp"
#include "infofrag/core/tensor_options.hpp"
#include "infofrag/io/embeddings.hpp"

using infofrag::bench::best_seconds;

int main(int argc, char** argv) {
  std::string path, device_name = "cpu", dtype_name = "float32";
  int repeat = 3;
  int64_t memory_budget_mb = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--embeddings"))
      path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--device"))
      device_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--dtype"))
      dtype_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--memory-budget-mb"))
      memory_budget_mb = std::atoll(argv[i + 1]);
  }
  if (path.empty()) {
    std::fprintf(
        stderr,
        "usage: %s --embeddings E.h5 [--device cpu|cuda] [--dtype float32|float64] [--repeat R] "
        "[--memory-budget-mb MB]\n",
        argv[0]);
    return 2;
  }
  try {
    torch::NoGradGuard no_grad;
    const torch::Device device = infofrag::parse_device(device_name);
    const torch::Dtype dtype = infofrag::fields::parse_option<torch::Dtype>(dtype_name, "--dtype");
    const auto options = torch::TensorOptions().dtype(dtype).device(device);
    const infofrag::Embeddings e = infofrag::read_embeddings(path);
    std::vector<torch::Tensor> mus, lvs;
    for (const auto& m : e.members) {
      mus.push_back(m.mu);
      lvs.push_back(m.logvar);
    }
    const auto set = infofrag::ChannelSet::gaussian(torch::cat(mus, 1).to(options),
                                                    torch::cat(lvs, 1).to(options));
    const double m = static_cast<double>(set.size()), n = static_cast<double>(set.points());
    const infofrag::TileOptions tiles{memory_budget_mb, 0, false};

    infofrag::pairwise_info(set, tiles);  // warm-up
    infofrag::PassSeconds split;
    const double pass_s = best_seconds(repeat, device, [&] {
      const auto result = infofrag::pairwise_info(set, tiles);
      split = result.seconds;
    });

    infofrag::AnalyzeConfig config;
    config.device = infofrag::fields::parse<infofrag::DeviceChoice>(device_name);
    config.dtype = infofrag::fields::parse<torch::Dtype>(dtype_name);
    config.progress = false;
    config.memory_budget_mb = memory_budget_mb;
    const double analyze_s = best_seconds(repeat, device, [&] { infofrag::analyze(e, config); });

    // Plain products with the FLOPs of the pairwise stage (2 M² N²): N products of one row's
    // shape, [M, N] x [N, M], into one reused output; and one large square product.
    const double flops = 2 * m * m * n * n;
    const torch::Tensor row = torch::rand({set.size(), set.points()}, options);
    torch::Tensor row_out = torch::empty({set.size(), set.size()}, options);
    const double same_shape_s = best_seconds(repeat, device, [&] {
      for (int64_t i = 0; i < set.points(); ++i) torch::mm_out(row_out, row, row.t());
    });
    const int64_t side = static_cast<int64_t>(std::llround(std::cbrt(flops / 2)));
    const torch::Tensor a = torch::randn({side, side}, options);
    const torch::Tensor b = torch::randn({side, side}, options);
    torch::mm(a, b);
    const double mm_s = best_seconds(repeat, device, [&] { torch::mm(a, b); });

    std::printf(
        "cpp M=%d N=%d dtype=%s device=%s threads=%d budget_mb=%lld pass_s=%.4f "
        "fingerprints_s=%.4f pairwise_s=%.4f analyze_s=%.4f pairwise_gflops=%.1f "
        "same_shape_mm_gflops=%.1f square_mm_side=%lld square_mm_gflops=%.1f\n",
        static_cast<int>(m), static_cast<int>(n), dtype_name.c_str(), device_name.c_str(),
        torch::get_num_threads(), static_cast<long long>(memory_budget_mb), pass_s,
        split.fingerprints, split.pairwise, analyze_s, flops / split.pairwise / 1e9,
        flops / same_shape_s / 1e9, static_cast<long long>(side),
        2.0 * side * side * side / mm_s / 1e9);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_analyze: %s\n", e.what());
    return 1;
  }
  return 0;
}
