#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "infofrag/core/device.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/models/vae.hpp"

namespace infofrag::train {

/// `--shard i/n`: the share of process i of n, numbered from 0 as Slurm numbers array tasks
/// (`--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`). Pack j belongs to shard j mod n.
/// The default 0/1 is the whole sweep. Parsed once, at the boundary (`fields::Traits`).
struct Shard {
  int64_t index = 0;
  int64_t count = 1;
  bool operator==(const Shard& other) const { return index == other.index && count == other.count; }
};

}  // namespace infofrag::train

namespace infofrag::fields {
template <>
struct Traits<train::Shard> {
  static train::Shard parse(const std::string& text);
  static std::string format(const train::Shard& shard);
};
}  // namespace infofrag::fields

namespace infofrag::train {

/// The training objectives: the model families of the disentanglement_lib study (Locatello et
/// al. 2019). A runtime choice: a switch.
enum class ObjectiveKind {
  kBetaVae,      ///< Higgins et al. 2017
  kAnnealedVae,  ///< Burgess et al. 2018
  kFactorVae,    ///< Kim & Mnih 2018
  kBetaTcVae,    ///< Chen et al. 2018
  kDipVaeI,      ///< Kumar et al. 2018, DIP-VAE-I
  kDipVaeII,     ///< Kumar et al. 2018, DIP-VAE-II
};
inline const std::vector<Choice<ObjectiveKind>>& field_choices(ObjectiveKind) {
  static const std::vector<Choice<ObjectiveKind>> table = {
      {ObjectiveKind::kBetaVae, "beta-vae"},     {ObjectiveKind::kAnnealedVae, "annealed-vae"},
      {ObjectiveKind::kFactorVae, "factor-vae"}, {ObjectiveKind::kBetaTcVae, "beta-tcvae"},
      {ObjectiveKind::kDipVaeI, "dip-vae-i"},    {ObjectiveKind::kDipVaeII, "dip-vae-ii"}};
  return table;
}

/// Section [objective] of a sweep config. List-valued fields are the sweep's grid.
struct ObjectiveConfig {
  ObjectiveKind kind = ObjectiveKind::kBetaVae;  ///< the model family
  std::vector<double> beta = {4};                ///< beta-vae, beta-tcvae: β values
  std::vector<double> gamma = {1000};            ///< annealed-vae, factor-vae: γ values
  std::vector<double> capacity = {25};           ///< annealed-vae: C_max values (nats)
  int64_t capacity_steps = 100000;       ///< annealed-vae: steps over which C rises from 0 to C_max
  std::vector<double> lambda_od = {10};  ///< dip-vae-i, dip-vae-ii: λ_od values
  int64_t discriminator_width = 1000;    ///< factor-vae: units per hidden layer (the study's)
  int64_t discriminator_depth = 6;       ///< factor-vae: hidden layers (the study's)

  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(kind, "kind",
      "beta-vae, annealed-vae, factor-vae, beta-tcvae, dip-vae-i or dip-vae-ii (the model "
      "family)");
    v(beta, "beta", "beta-vae, beta-tcvae: beta values (a grid dimension), comma-separated",
      required(), at_least(0), finite());
    v(gamma, "gamma", "annealed-vae, factor-vae: gamma values, comma-separated", required(),
      at_least(0), finite());
    v(capacity, "capacity", "annealed-vae: C_max values (nats), comma-separated", required(),
      at_least(0), finite());
    v(capacity_steps, "capacity-steps", "annealed-vae: steps over which C rises linearly to C_max",
      at_least(1));
    v(lambda_od, "lambda-od",
      "dip-vae-i, dip-vae-ii: lambda_od values, comma-separated (lambda_d is 10 lambda_od for "
      "dip-vae-i and lambda_od for dip-vae-ii)",
      required(), at_least(0), finite());
    v(discriminator_width, "discriminator-width",
      "factor-vae: units per hidden layer of the discriminator", at_least(1));
    v(discriminator_depth, "discriminator-depth", "factor-vae: hidden layers of the discriminator",
      at_least(1));
  }
};

/// One sweep: every combination of the objective's grid values, times `seeds` seeds. Each
/// combination with a seed is one member. Sections [data], [model], [objective], [train].
struct TrainConfig {
  data::DataConfig data;      ///< [data]
  models::ModelConfig model;  ///< [model]
  ObjectiveConfig objective;  ///< [objective]
  int64_t steps = 1000;       ///< optimizer steps per member
  int64_t batch_size = 64;    ///< items per member per step
  /// Adam learning rates (β1 = 0.9, β2 = 0.999): a grid dimension like the objective's values.
  std::vector<double> lr = {1e-4};
  /// Adam's ε: PyTorch's and TF1's 1e-8 (the study's tf.train.AdamOptimizer), Keras's 1e-7
  /// (the paper's circle notebook).
  double adam_eps = 1e-8;
  int64_t seeds = 1;                ///< seeds per grid point
  int64_t first_seed = 0;           ///< seeds are first_seed, first_seed + 1, ...
  int64_t pack_size = 8;            ///< K: members trained together in one batched model
  int64_t checkpoint_every = 1000;  ///< steps between checkpoints
  int64_t curve_window = 100;       ///< steps averaged into one point of the training curves
  DeviceChoice device = DeviceChoice::automatic();  ///< where training runs
  bool progress = true;                             ///< progress bar with ETA on stderr
  /// A pack's lock lapses this long after its holder last renewed it (README, "Running a
  /// sweep on a cluster"); its holder renews it at each checkpoint and every quarter of it.
  double lease_seconds = 600;
  Shard shard;           ///< train only the packs of this share (i/n); 0/1 is all of them
  bool dry_run = false;  ///< validate and list the members, train nothing
  std::string out;       ///< ensemble folder

  /// The sweep: sections [data], [model], [objective] and [train] (also in `infofrag run`).
  /// Runtime fields aside, this is the ensemble's config.ini.
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v.section("data", data);
    v.section("model", model);
    v.section("objective", objective);
    v.group("train", [&](auto& g) {
      g(steps, "steps", "optimizer steps per member", at_least(1));
      g(batch_size, "batch-size", "items per member per step", at_least(1));
      g(lr, "lr", "Adam learning rates (a grid dimension), comma-separated", required(), positive(),
        finite());
      g(adam_eps, "adam-eps", "Adam's epsilon (PyTorch's 1e-8, as TensorFlow 1's; Keras uses 1e-7)",
        positive(), finite());
      g(seeds, "seeds", "seeds per grid point", at_least(1));
      g(first_seed, "first-seed", "first seed", at_least(0));
      g(pack_size, "pack-size", "K: members trained together in one batched model", at_least(1));
      g(checkpoint_every, "checkpoint-every", "steps between checkpoints", at_least(1));
      g(curve_window, "curve-window", "steps averaged into one point of the training curves",
        at_least(1));
      device_field(g, device);
      progress_field(g, progress);
      g(lease_seconds, "lease-seconds",
        "a pack's lock lapses this long (s) after its holder last renewed it; others may then "
        "take the pack over",
        runtime(), positive(), finite());
    });
  }
  /// The stand-alone command's own options.
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(out, "out", "ensemble folder", required());
    v(shard, "shard",
      "train only this share of the packs, i/n: pack j when j mod n = i (counted from 0, as "
      "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)");
    v(dry_run, "dry-run", "validate the sweep and list its members only", flag());
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const TrainConfig& config, const std::string& prefix = "");

/// The hyperparameters a sweep varies, declared once. Each is a grid dimension of a sweep
/// (`sweep_grid`), a value of every member (MemberSpec; its id, member-file and embeddings
/// attributes take the name given in `each_hyperparameter`) and a tensor [K] of a pack in
/// training (ObjectiveParams). A new one is a field here, a line in `each_hyperparameter`,
/// its option (ObjectiveConfig and `listed_values`), the families that sweep it
/// (`family_hyperparameters`), and its use in the loss.
template <class T>
struct Hyperparameters {
  T beta{};       ///< beta-vae, beta-tcvae: β
  T gamma{};      ///< annealed-vae, factor-vae: γ
  T capacity{};   ///< annealed-vae: C_max (nats)
  T lambda_od{};  ///< dip-vae-i, dip-vae-ii: λ_od
  T lr{};         ///< Adam learning rate (every objective)
};

/// Calls f(name, h.x...) for each hyperparameter x of the Hyperparameters `h...` (any value
/// types, visited together), in the order of member ids. The name is the member attribute
/// and the id prefix.
template <class F, class... H>
void each_hyperparameter(F&& f, H&... h) {
  f("beta", h.beta...);
  f("gamma", h.gamma...);
  f("capacity", h.capacity...);
  f("lambda_od", h.lambda_od...);
  f("lr", h.lr...);
}

/// The hyperparameters each family sweeps: the one place where a family declares its grid
/// (the options of [objective] it reads; the others must keep their defaults).
inline Hyperparameters<bool> family_hyperparameters(ObjectiveKind kind) {
  Hyperparameters<bool> uses;
  uses.lr = true;
  switch (kind) {
    case ObjectiveKind::kBetaVae:
    case ObjectiveKind::kBetaTcVae:
      uses.beta = true;
      break;
    case ObjectiveKind::kAnnealedVae:
      uses.gamma = uses.capacity = true;
      break;
    case ObjectiveKind::kFactorVae:
      uses.gamma = true;
      break;
    case ObjectiveKind::kDipVaeI:
    case ObjectiveKind::kDipVaeII:
      uses.lambda_od = true;
      break;
  }
  return uses;
}

/// Per hyperparameter, the values its option lists, whether its family uses it or not.
Hyperparameters<std::vector<double>> listed_values(const TrainConfig& config);
/// Per hyperparameter, its option's name ("objective.lambda-od", "train.lr").
Hyperparameters<std::string> hyperparameter_options();
/// The options family `kind` sweeps, comma-separated ("objective.beta, train.lr").
std::string swept_options(ObjectiveKind kind);

/// The grid of a sweep: per hyperparameter, the values the config lists for it when its
/// objective uses it; empty otherwise (members then hold 0 for it).
Hyperparameters<std::vector<double>> sweep_grid(const TrainConfig& config);

/// One member of a sweep, with its resolved hyperparameters.
struct MemberSpec : Hyperparameters<double> {
  /// Stable: the objective's values, the learning rate when more than one is swept, and the
  /// seed, e.g. "beta4_seed3", "gamma1000_capacity25_seed0", "beta1_lr0.001_seed2".
  std::string id;
  ObjectiveKind objective = ObjectiveKind::kBetaVae;
  int64_t seed = 0;
};

/// Validates `config` (every field, before any training starts) and lists its members in a
/// fixed order: grid values in the order given, seeds fastest. Throws ConfigError naming the
/// option and the value.
std::vector<MemberSpec> expand_sweep(const TrainConfig& config);

/// The config as an INI file with every key but the runtime ones, in the format
/// `infofrag train --config` reads. Identical sweeps give identical text; resuming compares
/// it (after reading the folder's config.ini back, so that files written before read too).
std::string sweep_ini(const TrainConfig& config);

}  // namespace infofrag::train
