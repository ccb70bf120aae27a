#include "infofrag/train/sweep.hpp"

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/limits.hpp"
#include "infofrag/core/lists.hpp"

namespace infofrag::train {

namespace {

/// "4", "0.03", "0.0001": short and exact enough to tell grid values apart in an id.
std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

std::vector<MemberSpec> expand_sweep(const TrainConfig& config) {
  validate(config);
  if (config.out.empty()) throw ConfigError("--out: the ensemble folder is required");
  const ObjectiveKind kind = config.objective.kind;
  const std::vector<double>& lrs = config.lr;
  // The grid: one list of (name, values) per swept hyperparameter of this objective.
  std::vector<std::pair<std::string, std::vector<double>>> grid;
  switch (kind) {
    case ObjectiveKind::kBetaVae:
      grid.emplace_back("beta", config.objective.beta);
      break;
    case ObjectiveKind::kAnnealedVae:
      grid.emplace_back("gamma", config.objective.gamma);
      grid.emplace_back("capacity", config.objective.capacity);
      break;
  }
  grid.emplace_back("lr", lrs);
  // Sizes before anything is built (README, "Limits").
  double sweep_size = static_cast<double>(config.seeds);
  for (const auto& dimension : grid) sweep_size *= static_cast<double>(dimension.second.size());
  check_count(sweep_size, kMaxMembers, "train.seeds " + std::to_string(config.seeds),
              "members in the sweep (grid points x seeds)");
  check_count(static_cast<double>(config.model.latents), kMaxLatents,
              "model.latents " + std::to_string(config.model.latents), "latent channels");
  check_count(static_cast<double>(config.steps), kMaxSteps,
              "train.steps " + std::to_string(config.steps), "steps");

  std::vector<MemberSpec> members;
  std::set<std::string> ids;
  std::vector<size_t> at(grid.size(), 0);
  while (true) {
    for (int64_t s = 0; s < config.seeds; ++s) {
      MemberSpec m;
      m.objective = kind;
      m.seed = config.first_seed + s;
      for (size_t g = 0; g < grid.size(); ++g) {
        const auto& [name, values] = grid[g];
        const double v = values[at[g]];
        if (name == "beta") m.beta = v;
        if (name == "gamma") m.gamma = v;
        if (name == "capacity") m.capacity = v;
        if (name == "lr") m.lr = v;
        if (name != "lr" || values.size() > 1) m.id += name + short_number(v) + "_";
      }
      m.id += "seed" + std::to_string(m.seed);
      if (!ids.insert(m.id).second) {
        throw ConfigError("the sweep lists member " + m.id + " twice: a grid value is repeated");
      }
      members.push_back(m);
    }
    size_t g = grid.size();
    while (g > 0 && ++at[g - 1] == grid[g - 1].second.size()) at[--g] = 0;
    if (g == 0) break;
  }
  return members;
}

void validate(const TrainConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
}

std::string sweep_ini(const TrainConfig& config) {
  return "# The sweep as run by infofrag train (infofrag train --config reads this file).\n" +
         fields::ini_text(config);
}

}  // namespace infofrag::train
