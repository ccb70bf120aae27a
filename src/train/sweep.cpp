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

std::string swept_options(ObjectiveKind kind) {
  std::string out;
  const auto uses = family_hyperparameters(kind);
  const auto options = hyperparameter_options();
  each_hyperparameter(
      [&](const char*, bool used, const std::string& option) {
        if (used) out += (out.empty() ? "" : ", ") + option;
      },
      uses, options);
  return out;
}

Hyperparameters<std::vector<double>> listed_values(const TrainConfig& config) {
  Hyperparameters<std::vector<double>> listed;
  listed.beta = config.objective.beta;
  listed.gamma = config.objective.gamma;
  listed.capacity = config.objective.capacity;
  listed.lambda_od = config.objective.lambda_od;
  listed.lr = config.lr;
  return listed;
}

Hyperparameters<std::string> hyperparameter_options() {
  Hyperparameters<std::string> options;
  each_hyperparameter(
      [](const char* name, std::string& option) {
        std::string key = name;
        for (char& c : key) c = c == '_' ? '-' : c;
        option = (key == "lr" ? "train." : "objective.") + key;
      },
      options);
  return options;
}

Hyperparameters<std::vector<double>> sweep_grid(const TrainConfig& config) {
  Hyperparameters<std::vector<double>> grid = listed_values(config);
  const Hyperparameters<bool> uses = family_hyperparameters(config.objective.kind);
  each_hyperparameter(
      [](const char*, std::vector<double>& values, bool used) {
        if (!used) values.clear();
      },
      grid, uses);
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
  // An option of another family is a mistake (a FactorVAE sweep given lambda-od), not a
  // value to ignore: each must keep its default unless the family sweeps it.
  TrainConfig defaults;
  const ObjectiveKind kind = config.objective.kind;
  const std::string family = fields::format(kind);
  const auto given = listed_values(config);
  const auto default_values = listed_values(defaults);
  const auto uses = family_hyperparameters(kind);
  const auto options = hyperparameter_options();
  each_hyperparameter(
      [&](const char*, const std::vector<double>& values, const std::vector<double>& fallback,
          bool used, const std::string& option) {
        if (used || values == fallback) return;
        throw ConfigError(prefix + option + " = " + fields::format(values) + ": " + family +
                          " has no such hyperparameter (" + family + " sweeps " +
                          swept_options(kind) + ")");
      },
      given, default_values, uses, options);
  const auto own_option = [&](bool used, int64_t value, int64_t fallback, const char* option,
                              const char* owner) {
    if (used || value == fallback) return;
    throw ConfigError(prefix + "objective." + option + " = " + std::to_string(value) + ": " +
                      family + " has no such option (" + owner + "'s only)");
  };
  const ObjectiveConfig& o = config.objective;
  const ObjectiveConfig& d = defaults.objective;
  own_option(kind == ObjectiveKind::kAnnealedVae, o.capacity_steps, d.capacity_steps,
             "capacity-steps", "annealed-vae");
  own_option(kind == ObjectiveKind::kFactorVae, o.discriminator_width, d.discriminator_width,
             "discriminator-width", "factor-vae");
  own_option(kind == ObjectiveKind::kFactorVae, o.discriminator_depth, d.discriminator_depth,
             "discriminator-depth", "factor-vae");
}

std::string sweep_ini(const TrainConfig& config) {
  return "# The sweep as run by infofrag train (infofrag train --config reads this file).\n" +
         fields::ini_text(config);
}

}  // namespace infofrag::train
