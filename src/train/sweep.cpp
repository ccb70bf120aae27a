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

Hyperparameters<std::vector<double>> sweep_grid(const TrainConfig& config) {
  Hyperparameters<std::vector<double>> grid;
  switch (config.objective.kind) {
    case ObjectiveKind::kBetaVae:
      grid.beta = config.objective.beta;
      break;
    case ObjectiveKind::kAnnealedVae:
      grid.gamma = config.objective.gamma;
      grid.capacity = config.objective.capacity;
      break;
  }
  grid.lr = config.lr;
  return grid;
}

std::vector<MemberSpec> expand_sweep(const TrainConfig& config) {
  validate(config);
  if (config.out.empty()) throw ConfigError("--out: the ensemble folder is required");
  const Hyperparameters<std::vector<double>> grid = sweep_grid(config);
  // Sizes before anything is built (README, "Limits").
  double sweep_size = static_cast<double>(config.seeds);
  each_hyperparameter(
      [&](const char*, const std::vector<double>& values) {
        if (!values.empty()) sweep_size *= static_cast<double>(values.size());
      },
      grid);
  check_count(sweep_size, kMaxMembers, "train.seeds " + std::to_string(config.seeds),
              "members in the sweep (grid points x seeds)");
  check_count(static_cast<double>(config.model.latents), kMaxLatents,
              "model.latents " + std::to_string(config.model.latents), "latent channels");
  check_count(static_cast<double>(config.steps), kMaxSteps,
              "train.steps " + std::to_string(config.steps), "steps");

  std::vector<MemberSpec> members;
  std::set<std::string> ids;
  // The grid position: an index per hyperparameter, the last one swept turning fastest.
  Hyperparameters<size_t> at;
  while (true) {
    for (int64_t s = 0; s < config.seeds; ++s) {
      MemberSpec m;
      m.objective = config.objective.kind;
      m.seed = config.first_seed + s;
      each_hyperparameter(
          [&](const char* name, double& value, const std::vector<double>& values, size_t i) {
            if (values.empty()) return;
            value = values[i];
            // The learning rate is in the id only when it is swept.
            if (std::string(name) != "lr" || values.size() > 1) {
              m.id += name + short_number(value) + "_";
            }
          },
          m, grid, at);
      m.id += "seed" + std::to_string(m.seed);
      if (!ids.insert(m.id).second) {
        throw ConfigError("the sweep lists member " + m.id + " twice: a grid value is repeated");
      }
      members.push_back(m);
    }
    // Advance the odometer from the last hyperparameter: true while a position remains.
    std::vector<std::pair<size_t*, size_t>> wheels;  // (index, size) of each swept one
    each_hyperparameter(
        [&](const char*, const std::vector<double>& values, size_t& i) {
          if (!values.empty()) wheels.emplace_back(&i, values.size());
        },
        grid, at);
    size_t g = wheels.size();
    while (g > 0 && ++*wheels[g - 1].first == wheels[g - 1].second) *wheels[--g].first = 0;
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
