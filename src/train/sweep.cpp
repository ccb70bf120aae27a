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

ObjectiveKind parse_objective_kind(const std::string& name, const std::string& option) {
  if (name == "beta-vae") return ObjectiveKind::kBetaVae;
  if (name == "annealed-vae") return ObjectiveKind::kAnnealedVae;
  throw ConfigError(option + " = '" + name + "': unknown objective (beta-vae or annealed-vae)");
}

std::string objective_kind_name(ObjectiveKind kind) {
  switch (kind) {
    case ObjectiveKind::kBetaVae:
      return "beta-vae";
    case ObjectiveKind::kAnnealedVae:
      return "annealed-vae";
  }
  return "?";
}

namespace {

/// "4", "0.03", "0.0001": short and exact enough to tell grid values apart in an id.
std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::vector<double> parse_grid(const std::string& text, const std::string& option, bool positive) {
  const auto values = parse_double_list(text, option);
  if (values.empty()) throw ConfigError(option + " is empty: give at least one value");
  for (double v : values) {
    if (!std::isfinite(v) || v < 0 || (positive && v == 0)) {
      throw ConfigError(option + " = '" + text + "': " + short_number(v) +
                        (positive ? " is not a positive number" : " is not a number >= 0"));
    }
  }
  return values;
}

void require_at_least(int64_t value, int64_t minimum, const std::string& option) {
  if (value < minimum) {
    throw ConfigError(option + " = " + std::to_string(value) + ": must be at least " +
                      std::to_string(minimum));
  }
}

}  // namespace

std::vector<MemberSpec> expand_sweep(const TrainConfig& config) {
  data::parse_dataset_kind(config.data.dataset, "data.dataset");
  models::parse_model_kind(config.model.kind);
  models::parse_activation(config.model.activation);
  require_at_least(config.model.latents, 1, "model.latents");
  if (models::parse_model_kind(config.model.kind) == models::ModelKind::kMlp) {
    parse_int_list(config.model.widths, "model.widths");
  }
  require_at_least(config.steps, 1, "train.steps");
  require_at_least(config.batch_size, 1, "train.batch-size");
  require_at_least(config.seeds, 1, "train.seeds");
  require_at_least(config.first_seed, 0, "train.first-seed");
  require_at_least(config.pack_size, 1, "train.pack-size");
  require_at_least(config.checkpoint_every, 1, "train.checkpoint-every");
  require_at_least(config.curve_window, 1, "train.curve-window");
  require_at_least(config.objective.capacity_steps, 1, "objective.capacity-steps");
  if (config.device != "auto") parse_device(config.device, "train.device");
  if (config.out.empty()) throw ConfigError("--out: the ensemble folder is required");

  const auto kind = parse_objective_kind(config.objective.kind);
  const auto lrs = parse_grid(config.lr, "train.lr", /*positive=*/true);
  // The grid: one list of (name, values) per swept hyperparameter of this objective.
  std::vector<std::pair<std::string, std::vector<double>>> grid;
  switch (kind) {
    case ObjectiveKind::kBetaVae:
      grid.emplace_back("beta", parse_grid(config.objective.beta, "objective.beta", false));
      break;
    case ObjectiveKind::kAnnealedVae:
      grid.emplace_back("gamma", parse_grid(config.objective.gamma, "objective.gamma", false));
      grid.emplace_back("capacity",
                        parse_grid(config.objective.capacity, "objective.capacity", false));
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

std::string sweep_ini(const TrainConfig& c) {
  std::ostringstream s;
  s << "# The sweep as run by infofrag train (infofrag train --config reads this file).\n"
    << "[data]\ndataset = " << c.data.dataset << "\npath = " << c.data.path
    << "\nsplit = " << c.data.split << "\ncircle-points = " << c.data.circle_points
    << "\ncircle-bins = " << c.data.circle_bins << "\n\n[model]\nkind = " << c.model.kind
    << "\nlatents = " << c.model.latents << "\nwidths = " << c.model.widths
    << "\nactivation = " << c.model.activation << "\n\n[objective]\nkind = " << c.objective.kind
    << "\nbeta = " << c.objective.beta << "\ngamma = " << c.objective.gamma
    << "\ncapacity = " << c.objective.capacity
    << "\ncapacity-steps = " << c.objective.capacity_steps << "\n\n[train]\nsteps = " << c.steps
    << "\nbatch-size = " << c.batch_size << "\nlr = " << c.lr << "\nseeds = " << c.seeds
    << "\nfirst-seed = " << c.first_seed << "\npack-size = " << c.pack_size
    << "\ncheckpoint-every = " << c.checkpoint_every << "\ncurve-window = " << c.curve_window
    << "\n";
  return s.str();
}

}  // namespace infofrag::train
