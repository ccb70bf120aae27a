#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "infofrag/data/dataset.hpp"
#include "infofrag/models/vae.hpp"

namespace infofrag::train {

/// The training objectives. A runtime choice: `parse_objective_kind` and a switch.
enum class ObjectiveKind { kBetaVae, kAnnealedVae };

ObjectiveKind parse_objective_kind(const std::string& name,
                                   const std::string& option = "objective.kind");
std::string objective_kind_name(ObjectiveKind kind);

/// Section [objective] of a sweep config. List-valued fields are the sweep's grid.
struct ObjectiveConfig {
  std::string kind = "beta-vae";    ///< beta-vae or annealed-vae
  std::string beta = "4";           ///< beta-vae: β values, comma-separated
  std::string gamma = "1000";       ///< annealed-vae: γ values, comma-separated
  std::string capacity = "25";      ///< annealed-vae: C_max values (nats), comma-separated
  int64_t capacity_steps = 100000;  ///< annealed-vae: steps over which C rises from 0 to C_max
};

/// One sweep: every combination of the objective's grid values, times `seeds` seeds. Each
/// combination with a seed is one member. Sections [data], [model], [objective], [train].
struct TrainConfig {
  data::DataConfig data;      ///< [data]
  models::ModelConfig model;  ///< [model]
  ObjectiveConfig objective;  ///< [objective]
  int64_t steps = 1000;       ///< optimizer steps per member
  int64_t batch_size = 64;    ///< items per member per step
  /// Adam learning rates (β1 = 0.9, β2 = 0.999, ε = 1e-8), comma-separated: a grid
  /// dimension like the objective's values.
  std::string lr = "1e-4";
  int64_t seeds = 1;                ///< seeds per grid point
  int64_t first_seed = 0;           ///< seeds are first_seed, first_seed + 1, ...
  int64_t pack_size = 8;            ///< K: members trained together in one batched model
  int64_t checkpoint_every = 1000;  ///< steps between checkpoints
  int64_t curve_window = 100;       ///< steps averaged into one point of the training curves
  std::string device = "auto";      ///< auto (CUDA when available), cpu, cuda or cuda:N
  bool progress = true;             ///< progress bar with ETA on stderr
  bool dry_run = false;             ///< validate and list the members, train nothing
  std::string out;                  ///< ensemble folder
};

/// One member of a sweep, with its resolved hyperparameters.
struct MemberSpec {
  /// Stable: the objective's values, the learning rate when more than one is swept, and the
  /// seed, e.g. "beta4_seed3", "gamma1000_capacity25_seed0", "beta1_lr0.001_seed2".
  std::string id;
  ObjectiveKind objective = ObjectiveKind::kBetaVae;
  double beta = 0;      ///< beta-vae
  double gamma = 0;     ///< annealed-vae
  double capacity = 0;  ///< annealed-vae C_max (nats)
  double lr = 0;        ///< Adam learning rate
  int64_t seed = 0;
};

/// Validates `config` (every field, before any training starts) and lists its members in a
/// fixed order: grid values in the order given, seeds fastest. Throws ConfigError naming the
/// option and the value.
std::vector<MemberSpec> expand_sweep(const TrainConfig& config);

/// The config as an INI file with every key, in the format `infofrag train --config` reads.
/// Identical configs give identical text; resuming compares it.
std::string sweep_ini(const TrainConfig& config);

}  // namespace infofrag::train
