#include "infofrag/synth/synth.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "infofrag/core/error.hpp"
#include "infofrag/core/limits.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/io/atomic_file.hpp"

namespace infofrag {

Embeddings synthesize(const SynthConfig& config) {
  fields::check(config, "--");
  const std::vector<int64_t>& classes = config.discrete;
  const std::vector<double>& noise = config.noise;
  const int64_t n_factors = static_cast<int64_t>(classes.size()) + config.continuous;
  if (config.dims < n_factors || config.dims < 1) {
    throw ConfigError("--dims " + std::to_string(config.dims) + " is fewer than the " +
                      std::to_string(n_factors) + " factors; every factor needs its own channel");
  }
  check_count(static_cast<double>(config.members), kMaxMembers,
              "--members " + std::to_string(config.members), "members");
  // mu and logvar of every member in float64, and as much again while they are written.
  check_memory(static_cast<double>(config.members) * static_cast<double>(config.points) *
                   static_cast<double>(config.dims) * 2 * 8 * 2,
               "--members " + std::to_string(config.members) + " --points " +
                   std::to_string(config.points) + " --dims " + std::to_string(config.dims),
               "members x points x dims x 2 float64 tensors, twice while written");

  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(config.seed);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const int64_t n = config.points;

  // The dataset: factor values g in [-1, 1] (what channels encode) and class labels.
  std::vector<torch::Tensor> g, labels;
  std::vector<std::string> names;
  for (size_t k = 0; k < classes.size(); ++k) {
    const torch::Tensor c = torch::randint(classes[k], {n}, generator, torch::kInt64);
    labels.push_back(c);
    g.push_back(c.to(torch::kFloat64) * (2.0 / static_cast<double>(classes[k] - 1)) - 1.0);
    names.push_back("discrete_" + std::to_string(k));
  }
  for (int64_t k = 0; k < config.continuous; ++k) {
    const torch::Tensor u = torch::rand({n}, generator, f64);
    labels.push_back((u * static_cast<double>(config.bins))
                         .floor()
                         .clamp_max(config.bins - 1)
                         .to(torch::kInt64));
    g.push_back(u * 2.0 - 1.0);
    names.push_back("continuous_" + std::to_string(k));
  }

  Embeddings out;
  out.index = torch::arange(n, torch::kInt64);
  if (n_factors > 0) {
    out.labels = torch::stack(labels, 1);
    out.factor_names = names;
  }
  for (int64_t member = 0; member < config.members; ++member) {
    const double sigma = noise[static_cast<size_t>(member) % noise.size()];
    torch::Tensor mu = torch::randn({n, config.dims}, generator, f64) * 0.01;
    torch::Tensor logvar = torch::zeros({n, config.dims}, f64);
    std::vector<std::string> channel_factors(static_cast<size_t>(config.dims), "none");
    const torch::Tensor slots = torch::randperm(config.dims, generator, torch::kInt64);
    const torch::Tensor draws = torch::rand({n_factors, 3}, generator, f64);
    for (int64_t k = 0; k < n_factors; ++k) {
      if (draws[k][0].item<double>() >= config.encode_prob) continue;
      const int64_t slot = slots[k].item<int64_t>();
      const double scale = (0.5 + 1.5 * draws[k][1].item<double>()) * (k % 2 ? -1.0 : 1.0);
      const double offset = draws[k][2].item<double>() * 2.0 - 1.0;
      mu.select(1, slot).copy_(g[static_cast<size_t>(k)] * scale + offset +
                               torch::randn({n}, generator, f64) *
                                   (0.25 * sigma * std::abs(scale)));
      logvar.select(1, slot).fill_(2.0 * std::log(sigma * std::abs(scale)));
      channel_factors[static_cast<size_t>(slot)] = names[static_cast<size_t>(k)];
    }
    char id[32];
    std::snprintf(id, sizeof id, "member_%02lld", static_cast<long long>(member));
    Member m{id, mu, logvar, {}};
    m.attrs["seed"] = static_cast<int64_t>(config.seed);
    m.attrs["noise"] = sigma;
    m.attrs["channel_factors"] = channel_factors;
    out.members.push_back(std::move(m));
  }
  return out;
}

SynthReport run_synth(const SynthConfig& config) {
  if (config.out.empty()) throw ConfigError("--out is required");
  check_output_path(config.out);
  const Embeddings embeddings = synthesize(config);
  write_embeddings(config.out, embeddings);
  return {config.out, config.members, config.dims, config.points};
}

}  // namespace infofrag
