// Benchmark of training throughput (not part of the test suite; run scripts/bench_train.sh).
// For each K it runs the real trainer (train_sweep: data, batched model, Adam, curves) on
// conv64 / dSprites at the given batch size for `--steps` and for `--steps` + `--extra`
// steps, each `--repeat` times, and divides the difference of the shortest times by
// `--extra`: start-up, initialization and file writing cancel out, and the first, slower
// runs (allocation, page faults) and moments when the machine was busy are discarded.
// Prints member-steps per second, and the time spent producing the data alone, for each
// objective of `--objectives` (the study's families, each at one value of its grid).
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "infofrag/core/lists.hpp"
#include "infofrag/core/tensor_options.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/train/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

/// One whole run of `steps` steps into a fresh folder, in seconds.
double train_seconds(infofrag::train::TrainConfig config, int64_t steps) {
  std::filesystem::remove_all(config.out);
  config.steps = steps;
  const auto start = Clock::now();
  infofrag::train::train_sweep(config);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string device = "cpu", ks = "1,8", dataset = "dsprites", model = "conv64",
              objectives = "beta-vae";
  int64_t batch = 64, steps = 5, extra = 20;
  int repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--device")
      device = value;
    else if (key == "--ks")
      ks = value;
    else if (key == "--batch")
      batch = std::atoll(value.c_str());
    else if (key == "--steps")
      steps = std::atoll(value.c_str());
    else if (key == "--extra")
      extra = std::atoll(value.c_str());
    else if (key == "--repeat")
      repeat = std::atoi(value.c_str());
    else if (key == "--dataset")
      dataset = value;
    else if (key == "--model")
      model = value;
    else if (key == "--objectives")
      objectives = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  infofrag::keep_freed_memory();  // as the infofrag command does
  const auto dir =
      std::filesystem::temp_directory_path() / ("infofrag-bench-train-" + std::to_string(getpid()));
  using infofrag::train::ObjectiveKind;
  for (const auto& objective : infofrag::fields::parse<std::vector<ObjectiveKind>>(objectives)) {
    for (const int64_t k : infofrag::parse_int_list(ks, "--ks")) {
      infofrag::train::TrainConfig c;
      c.data.dataset = infofrag::fields::parse<infofrag::data::DatasetKind>(dataset);
      c.model.kind = infofrag::fields::parse<infofrag::models::ModelKind>(model);
      c.model.latents = 10;
      c.objective.kind = objective;
      switch (objective) {  // one value of each study grid
        case ObjectiveKind::kBetaVae:
        case ObjectiveKind::kBetaTcVae:
          c.objective.beta = {6};
          break;
        case ObjectiveKind::kAnnealedVae:
          c.objective.gamma = {1000};
          c.objective.capacity = {25};
          break;
        case ObjectiveKind::kFactorVae:
          c.objective.gamma = {30};
          break;
        case ObjectiveKind::kDipVaeI:
        case ObjectiveKind::kDipVaeII:
          c.objective.lambda_od = {10};
          break;
      }
      c.seeds = k;
      c.pack_size = k;
      c.batch_size = batch;
      c.lr = {1e-4};
      c.checkpoint_every = 1000000;
      c.curve_window = 1000000;
      c.device = infofrag::fields::parse<infofrag::DeviceChoice>(device);
      c.progress = false;
      c.out = (dir / ("k" + std::to_string(k))).string();
      // Interleaved, so that a busy spell of the machine does not favour one length.
      double shorter = INFINITY, longer = INFINITY;
      for (int r = 0; r < repeat; ++r) {
        shorter = std::min(shorter, train_seconds(c, steps));
        longer = std::min(longer, train_seconds(c, steps + extra));
      }
      const double per_step = (longer - shorter) / static_cast<double>(extra);

      const auto data = infofrag::data::open_dataset(c.data);
      std::vector<int64_t> rows;
      for (int64_t i = 0; i < k * batch; ++i) rows.push_back((i * 7919) % data->size());
      const auto start = Clock::now();
      for (int r = 0; r < 5; ++r) data->items(rows);
      const double data_s = std::chrono::duration<double>(Clock::now() - start).count() / 5.0;
      std::printf(
          "objective=%s K=%lld extra=%lld repeat=%d step_s=%.4f member_steps_per_s=%.2f "
          "data_s_per_step=%.4f\n",
          infofrag::fields::format(objective).c_str(), static_cast<long long>(k),
          static_cast<long long>(extra), repeat, per_step, static_cast<double>(k) / per_step,
          data_s);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
