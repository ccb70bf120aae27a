#include "infofrag/train/trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/core/limits.hpp"
#include "infofrag/core/progress.hpp"
#include "infofrag/core/stop.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/train/adam.hpp"
#include "infofrag/train/objective.hpp"

namespace fs = std::filesystem;

namespace infofrag::train {

namespace {

/// splitmix64's finalizer: a bijection that scrambles every input bit.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

enum Stream : uint64_t {
  kDataStream = 1,
  kNoiseStream = 2,
  kShuffleStream = 3,
  kNuisanceStream = 4
};

uint64_t stream_seed(int64_t seed, int64_t step, Stream stream) {
  return mix(mix(mix(static_cast<uint64_t>(seed)) ^ static_cast<uint64_t>(step)) ^ stream);
}

/// `count` values of one stream at (seed, step); a longer count extends a shorter one.
std::vector<uint64_t> stream_values(int64_t seed, int64_t step, Stream stream, int64_t count) {
  const uint64_t base = stream_seed(seed, step, stream);
  std::vector<uint64_t> values(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    values[static_cast<size_t>(i)] = mix(base + static_cast<uint64_t>(i));
  }
  return values;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ha = static_cast<bool>(std::getline(sa, la));
    const bool hb = static_cast<bool>(std::getline(sb, lb));
    if (!ha && !hb) return "";
    if (la != lb || ha != hb) return "'" + (ha ? la : "") + "' there, '" + (hb ? lb : "") + "' now";
  }
}

/// TEST HOOKS, for tests/train/ only. With INFOFRAG_TEST_ABORT_AFTER_CHECKPOINT=N in the
/// environment, the process kills itself (SIGKILL: no cleanup, as a crash or an
/// out-of-memory kill) right after writing its N-th checkpoint, so that the resume test
/// interrupts training at a known step instead of racing a timer. With
/// INFOFRAG_TEST_SIGNAL_AT_STEP=N:SIG it sends itself signal SIG when its pack has done N
/// steps (as Slurm does before preempting), so that the preemption test stops at a known step.
void test_hook_after_checkpoint() {
  static const char* const abort_after = std::getenv("INFOFRAG_TEST_ABORT_AFTER_CHECKPOINT");
  static long long written = 0;
  ++written;
  if (abort_after != nullptr && std::atoll(abort_after) == written) std::raise(SIGKILL);
}

void test_hook_after_step(int64_t done) {
  static const char* const signal_at = std::getenv("INFOFRAG_TEST_SIGNAL_AT_STEP");
  if (signal_at == nullptr || std::atoll(signal_at) != done) return;
  const char* colon = std::strchr(signal_at, ':');
  std::raise(colon != nullptr ? std::atoi(colon + 1) : SIGTERM);
}

/// Creates the ensemble folder, or checks that it holds this very sweep. Several processes
/// may start at once: config.ini is created by exactly one of them (`create_file_once`),
/// and every other compares it.
void prepare_folder(const TrainConfig& config) {
  const fs::path root(config.out);
  if (fs::exists(root) && !fs::is_directory(root)) {
    throw ConfigError("--out " + config.out + ": exists and is not a folder");
  }
  const bool fresh = !fs::exists(root);
  fs::create_directories(ensemble::members_dir(config.out));
  fs::create_directories(ensemble::checkpoints_dir(config.out));
  const std::string ini = sweep_ini(config);
  const fs::path path = ensemble::config_file(config.out);
  try {
    if (create_file_once(path.string(), ini)) return;
  } catch (const InputError&) {
    std::error_code ec;
    if (fresh && !fs::exists(path, ec)) fs::remove_all(root, ec);  // leave no empty ensemble
    throw;
  }
  // The sweep the folder holds, read back and written again: folders whose config.ini
  // spells a value differently ("1e-4" for 0.0001) still resume.
  TrainConfig held;
  fields::read_ini(held, read_file(path.string()), path.string());
  const std::string before = sweep_ini(held);
  if (before != ini) {
    throw ConfigError("--out " + config.out + " holds an ensemble of a different sweep (" +
                      path.string() + " against the sweep given: " + first_difference(before, ini) +
                      "); use another folder, or the same config to resume");
  }
}

/// Each hyperparameter of `members` as a tensor [K] on `device`, member k's value at k.
ObjectiveParams objective_params(const TrainConfig& config, const std::vector<MemberSpec>& members,
                                 const torch::Device& device) {
  ObjectiveParams params;
  Hyperparameters<std::vector<double>> columns;
  for (const auto& m : members) {
    each_hyperparameter(
        [](const char*, std::vector<double>& column, double value) { column.push_back(value); },
        columns, m);
  }
  each_hyperparameter(
      [&](const char*, torch::Tensor& tensor, const std::vector<double>& column) {
        tensor = torch::tensor(column, torch::kFloat64).to(device, torch::kFloat32);
      },
      params, columns);
  params.kind = members.front().objective;
  params.capacity_steps = config.objective.capacity_steps;
  return params;
}

std::vector<int64_t> seeds_of(const std::vector<MemberSpec>& members) {
  std::vector<int64_t> seeds;
  for (const auto& m : members) seeds.push_back(m.seed);
  return seeds;
}

/// The VAE's parameters in the order of their names.
std::vector<torch::Tensor> ordered_parameters(const models::BatchedVae& model) {
  std::vector<torch::Tensor> params;
  const auto named = model->named_parameters(/*recurse=*/false);
  for (const auto& name : model->parameter_names()) params.push_back(named[name]);
  return params;
}

/// One pack of K members in training: the batched model, its objective (with the
/// objective's own learners), their optimizers, and the curves.
class Pack {
 public:
  Pack(const TrainConfig& config, std::vector<MemberSpec> members, std::string checkpoint,
       const data::Dataset& dataset, const models::ModelSpec& spec, const torch::Device& device)
      : config_(config),
        members_(std::move(members)),
        checkpoint_(std::move(checkpoint)),
        dataset_(dataset),
        device_(device),
        model_(initialized_model(spec, members_, device)),
        objective_(objective_params(config, members_, device), spec.latents, seeds_of(members_),
                   device, config.objective.discriminator_width,
                   config.objective.discriminator_depth, config.model.init),
        adam_(model_->parameter_names(), ordered_parameters(model_), objective_.params().lr,
              AdamOptions{kAdamBeta1, kAdamBeta2, config.adam_eps}),
        terms_(objective_.term_names()) {
    const int64_t k = static_cast<int64_t>(members_.size());
    failed_step_.assign(static_cast<size_t>(k), -1);
    window_sum_ = torch::zeros({static_cast<int64_t>(terms_.size()), k}, torch::kFloat64);
    window_count_ = torch::zeros({k}, torch::kFloat64);
    if (fs::exists(checkpoint_)) load_checkpoint();
  }

  int64_t step() const { return step_; }

  static models::BatchedVae initialized_model(const models::ModelSpec& spec,
                                              const std::vector<MemberSpec>& members,
                                              const torch::Device& device) {
    models::BatchedVae model(spec, static_cast<int64_t>(members.size()));
    for (size_t i = 0; i < members.size(); ++i) {
      model->initialize_member(static_cast<int64_t>(i), static_cast<uint64_t>(members[i].seed));
    }
    model->to(device);
    return model;
  }

  /// Trains up to config.steps, checkpointing on the way and renewing `lock`'s lease;
  /// `progress` advances by K per step. Returns false when a stop was requested
  /// (`stop_requested`): the state after the last step is then checkpointed. Throws
  /// LeaseLost when another process took the pack over.
  bool run(Progress& progress, PackLock& lock) {
    const int64_t k = static_cast<int64_t>(members_.size());
    for (; step_ < config_.steps; ++step_) {
      if (alive_count() == 0) break;
      if (stop_requested() != 0) {
        if (step_ > 0) {
          lock.check();
          save_checkpoint(step_);
        }
        return false;
      }
      train_step();
      progress.advance(k);
      const int64_t done = step_ + 1;
      test_hook_after_step(done);
      if (done % config_.curve_window == 0 || done == config_.steps) close_window(done);
      if (done % config_.checkpoint_every == 0 && done < config_.steps) {
        lock.check();  // a process whose lease lapsed must not overwrite the new holder's
        save_checkpoint(done);
        lock.renew(done);
      } else if (lock.renewal_due()) {
        lock.renew(done);
      }
    }
    return true;
  }

  /// Writes every member's file (finished or failed) that is not there yet, and removes
  /// the checkpoint. A file already there was written by a holder of this pack that was
  /// killed before it wrote the rest: it is complete (renamed into place) and the same.
  void write_members(TrainSummary& summary) {
    const data::DataConfig data = config_.data;
    for (size_t i = 0; i < members_.size(); ++i) {
      if (fs::exists(ensemble::member_file(config_.out, members_[i].id))) {
        ++summary.skipped;
        continue;
      }
      ensemble::MemberRecord r;
      r.spec = members_[i];
      r.data = data;
      r.model = config_.model;
      r.item_shape = dataset_.item_shape();
      const bool failed = failed_step_[i] >= 0;
      r.status = failed ? "failed" : "finished";
      r.steps = config_.steps;
      r.steps_done = failed ? failed_step_[i] : config_.steps;
      r.batch_size = config_.batch_size;
      std::vector<int64_t> steps;
      std::vector<std::vector<double>> curves(terms_.size());  // per term
      for (size_t w = 0; w < curve_step_.size(); ++w) {
        const auto& row = curve_values_[w];  // [T, K]
        if (!std::isfinite(row[0][static_cast<int64_t>(i)].item<double>())) continue;
        steps.push_back(curve_step_[w]);
        for (size_t t = 0; t < terms_.size(); ++t) {
          curves[t].push_back(row[static_cast<int64_t>(t)][static_cast<int64_t>(i)].item<double>());
        }
      }
      r.curve_step = torch::tensor(steps, torch::kInt64);
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (size_t t = 0; t < terms_.size(); ++t) {
        const auto curve = torch::tensor(curves[t], torch::kFloat64);
        const double last = curves[t].empty() ? nan : curves[t].back();
        if (terms_[t] == "recon") {
          r.curve_recon = curve;
          r.final_recon = last;
        } else if (terms_[t] == "kl") {
          r.curve_kl = curve;
          r.final_kl = last;
        } else if (terms_[t] == "loss") {
          r.curve_loss = curve;
          r.final_loss = last;
        } else {
          r.curve_terms[terms_[t]] = curve;
        }
      }
      ensemble::write_member(ensemble::member_file(config_.out, r.spec.id), r,
                             model_->member_parameters(static_cast<int64_t>(i)));
      if (failed) {
        summary.failures.push_back({r.spec.id, failed_step_[i]});
        ++summary.failed;
      } else {
        ++summary.finished;
      }
    }
    fs::remove(checkpoint_);
  }

 private:
  int64_t alive_count() const {
    int64_t n = 0;
    for (int64_t s : failed_step_) n += s < 0;
    return n;
  }

  void train_step() {
    const int64_t k = static_cast<int64_t>(members_.size());
    const int64_t b = config_.batch_size;
    const int64_t d = model_->spec().latents;
    std::vector<int64_t> rows;
    std::vector<uint64_t> keys;
    rows.reserve(static_cast<size_t>(k * b));
    std::vector<torch::Tensor> noise;
    for (const auto& m : members_) {
      const auto idx = batch_indices(m.seed, step_, b, dataset_.size());
      rows.insert(rows.end(), idx.begin(), idx.end());
      const auto drawn = nuisance_keys(m.seed, step_, b);
      keys.insert(keys.end(), drawn.begin(), drawn.end());
      noise.push_back(reparameterization_noise(m.seed, step_, b, d));
    }
    std::vector<int64_t> shape = {k, b};
    for (int64_t s : dataset_.item_shape()) shape.push_back(s);
    const auto x = dataset_.draw_items(rows, keys).view(shape).to(device_);
    const auto eps = torch::stack(noise).to(device_);

    StepBatch batch;
    batch.x = x;
    batch.q = model_->encode(x);
    batch.z = batch.q.mu + (0.5 * batch.q.logvar).exp() * eps;
    batch.decoded = model_->decode(batch.z);
    batch.step = step_;
    batch.bernoulli = dataset_.is_image();
    if (objective_.params().kind == ObjectiveKind::kFactorVae) {
      std::vector<torch::Tensor> shuffles;
      for (const auto& m : members_) shuffles.push_back(latent_permutation(m.seed, step_, b, d));
      batch.shuffle = torch::stack(shuffles).to(device_);
    }
    const Losses losses = objective_.losses(batch);
    std::vector<torch::Tensor> rows_of_stats = {losses.recon, losses.kl};
    for (const auto& [name, value] : losses.terms) rows_of_stats.push_back(value);
    rows_of_stats.push_back(losses.loss);
    const auto stats =
        torch::stack(rows_of_stats).detach().to(torch::kCPU, torch::kFloat64);  // [T, K]
    const auto finite = torch::isfinite(stats).all(0);
    for (int64_t i = 0; i < k; ++i) {
      if (failed_step_[static_cast<size_t>(i)] < 0 && !finite[i].item<bool>()) {
        failed_step_[static_cast<size_t>(i)] = step_;
      }
    }
    std::vector<float> alive(static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i)
      alive[static_cast<size_t>(i)] = failed_step_[static_cast<size_t>(i)] < 0;
    const auto alive_cpu = torch::tensor(alive);
    if (alive_cpu.sum().item<double>() == 0) return;
    const auto alive_t = alive_cpu.to(device_);

    // A failed member's NaN must not reach the others: its loss is left out of the sum, and
    // its gradients and updates are masked below.
    const auto total = torch::where(alive_t > 0, losses.loss, torch::zeros_like(losses.loss)).sum();
    adam_.zero_grad();
    total.backward();
    objective_.step_auxiliary(alive_t, step_);
    adam_.step(alive_t, step_);

    const auto alive64 = alive_cpu.to(torch::kFloat64);
    window_sum_ += torch::where(alive64.unsqueeze(0) > 0, stats, torch::zeros_like(stats));
    window_count_ += alive64;
  }

  void close_window(int64_t done) {
    curve_step_.push_back(done);
    curve_values_.push_back(window_sum_ / window_count_.unsqueeze(0));  // NaN where count = 0
    window_sum_.zero_();
    window_count_.zero_();
  }

  /// Saves the state after `done` steps.
  void save_checkpoint(int64_t done) const {
    AtomicFile out(checkpoint_);
    {
      h5::File file = h5::File::create(out.temp_path());
      std::vector<std::string> ids;
      for (const auto& m : members_) ids.push_back(m.id);
      file.set_attr("/", "members", ids);
      file.set_attr("/", "step", done);
      adam_.save(file, "/params", "/adam");
      objective_.save(file);
      file.write("/failed_step", torch::tensor(failed_step_, torch::kInt64));
      file.write("/window_sum", window_sum_);
      file.write("/window_count", window_count_);
      if (!curve_step_.empty()) {
        file.write("/curve_step", torch::tensor(curve_step_, torch::kInt64));
        file.write("/curve_values", torch::stack(curve_values_));
      }
    }
    out.commit();
    test_hook_after_checkpoint();
  }

  void load_checkpoint() {
    const h5::File file = h5::File::open(checkpoint_);
    std::vector<std::string> ids;
    for (const auto& m : members_) ids.push_back(m.id);
    if (!file.has_attr("/", "members") || file.read_string_attr("/", "members") != ids) {
      throw InputError(checkpoint_ +
                       ": this checkpoint belongs to other members; remove it "
                       "to retrain this pack from the start");
    }
    step_ = static_cast<int64_t>(file.read_number_attr("/", "step"));
    adam_.load(file, "/params", "/adam");
    objective_.load(file);
    const auto failed = file.read("/failed_step", torch::kInt64);
    for (size_t i = 0; i < failed_step_.size(); ++i) {
      failed_step_[i] = failed[static_cast<int64_t>(i)].item<int64_t>();
    }
    window_sum_ = file.read("/window_sum", torch::kFloat64);
    window_count_ = file.read("/window_count", torch::kFloat64);
    if (file.has("/curve_step")) {
      const auto steps = file.read("/curve_step", torch::kInt64);
      const auto values = file.read("/curve_values", torch::kFloat64);
      for (int64_t w = 0; w < steps.size(0); ++w) {
        curve_step_.push_back(steps[w].item<int64_t>());
        curve_values_.push_back(values[w].clone());
      }
    }
  }

  const TrainConfig& config_;
  std::vector<MemberSpec> members_;
  std::string checkpoint_;
  const data::Dataset& dataset_;
  torch::Device device_;
  models::BatchedVae model_;
  Objective objective_;
  BatchedAdam adam_;                  ///< the VAE's optimizer
  std::vector<std::string> terms_;    ///< the curves' names, objective_.term_names()
  int64_t step_ = 0;                  ///< the next step to train
  std::vector<int64_t> failed_step_;  ///< −1 while alive
  torch::Tensor window_sum_;          ///< float64 [T, K]: each term summed this window
  torch::Tensor window_count_;        ///< float64 [K]: steps summed per member
  std::vector<int64_t> curve_step_;
  std::vector<torch::Tensor> curve_values_;  ///< float64 [T, K] per window
};

}  // namespace

std::vector<int64_t> batch_indices(int64_t seed, int64_t step, int64_t batch, int64_t size) {
  TORCH_CHECK(size > 0, "batch_indices: empty dataset");
  std::vector<int64_t> rows;
  for (const uint64_t value : stream_values(seed, step, kDataStream, batch)) {
    rows.push_back(static_cast<int64_t>(value % static_cast<uint64_t>(size)));
  }
  return rows;
}

std::vector<uint64_t> nuisance_keys(int64_t seed, int64_t step, int64_t batch) {
  return stream_values(seed, step, kNuisanceStream, batch);
}

torch::Tensor reparameterization_noise(int64_t seed, int64_t step, int64_t batch, int64_t latents) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(stream_seed(seed, step, kNoiseStream));
  return torch::randn({batch, latents}, generator, torch::kFloat32);
}

torch::Tensor latent_permutation(int64_t seed, int64_t step, int64_t batch, int64_t latents) {
  auto generator =
      at::make_generator<at::CPUGeneratorImpl>(stream_seed(seed, step, kShuffleStream));
  std::vector<torch::Tensor> columns;
  for (int64_t l = 0; l < latents; ++l) {
    columns.push_back(torch::randperm(batch, generator, torch::kInt64));
  }
  return torch::stack(columns, 1);
}

TrainSummary train_sweep(const TrainConfig& config) {
  const auto members = expand_sweep(config);
  const auto dataset = data::open_dataset(config.data);
  const auto spec = models::resolve_model(config.model, dataset->item_shape());
  const auto device = resolve_device(config.device, "train.device");
  {
    // One step holds a batch of every member of a pack: its items (float32) with their
    // reconstructions and gradients, and its row indices.
    double item = 1;
    for (int64_t s : dataset->item_shape()) item *= static_cast<double>(s);
    const double k = static_cast<double>(
        std::min<int64_t>(config.pack_size, static_cast<int64_t>(members.size())));
    check_memory(k * static_cast<double>(config.batch_size) * (8 + item * 4 * 4),
                 "train.batch-size " + std::to_string(config.batch_size),
                 "members per pack x batch x (items, reconstructions and gradients in float32)");
  }
  if (config.dry_run) return {};
  check_output_folder(config.out, {"config.ini", "members", "checkpoints"},
                      {{"data.path", config.data.path}}, "--out");
  prepare_folder(config);

  TrainSummary summary;
  const auto ended = [&](const PackPlan& plan) {
    for (const auto& m : plan.members) {
      if (!fs::exists(ensemble::member_file(config.out, m.id))) return false;
    }
    return true;
  };
  // An ended pack whose holder was killed after its last member file, before it removed
  // its lock: the lock (and temporaries) go, unless another process holds it now.
  const auto tidy = [&](const PackPlan& plan) {
    if (lock_files(config.out, plan.index).empty()) return;
    try {
      if (auto lock = PackLock::acquire(config.out, plan.index, config.lease_seconds, 0)) {
        lock->finish();
      }
    } catch (const InputError&) {  // a garbage lock of an ended pack harms nothing
    }
  };
  std::vector<PackPlan> pending;
  int64_t work = 0;
  for (auto& plan : plan_packs(members, config.pack_size)) {
    if (!in_shard(plan.index, config.shard)) continue;
    if (ended(plan)) {
      tidy(plan);
      summary.skipped += static_cast<int64_t>(plan.members.size());
      continue;
    }
    work += static_cast<int64_t>(plan.members.size()) * config.steps;
    pending.push_back(std::move(plan));
  }

  Progress progress("train", work, config.progress);
  while (!pending.empty()) {
    bool progressed = false;
    for (auto it = pending.begin(); it != pending.end();) {
      if ((summary.stopped_by = stop_requested()) != 0) return summary;
      const PackPlan& plan = *it;
      const int64_t k = static_cast<int64_t>(plan.members.size());
      const std::string checkpoint = ensemble::checkpoint_file(config.out, plan.index);
      if (ended(plan)) {  // by another process
        tidy(plan);
        summary.skipped += k;
        progress.advance(k * config.steps);
        it = pending.erase(it);
        continue;
      }
      auto lock = PackLock::acquire(config.out, plan.index, config.lease_seconds, 0);
      if (!lock) {  // another process trains it
        ++it;
        continue;
      }
      progressed = true;
      if (ended(plan)) {  // it ended between the look and the lock
        lock->finish();
        summary.skipped += k;
        progress.advance(k * config.steps);
        it = pending.erase(it);
        continue;
      }
      try {
        Pack pack(config, plan.members, checkpoint, *dataset, spec, device);
        progress.advance(pack.step() * k);
        lock->renew(pack.step());
        if (!pack.run(progress, *lock)) {
          lock->release(pack.step());
          summary.stopped_by = stop_requested();
          return summary;
        }
        lock->check();
        pack.write_members(summary);
        lock->finish();
      } catch (const LeaseLost&) {
        ++summary.lost;  // its new holder ends it; this one looks again below
        ++it;
        continue;
      }
      it = pending.erase(it);
    }
    if (!pending.empty() && !progressed) {
      // Every pack left is someone else's for now: look again in a second (a holder that
      // dies is seen at once on its own machine, after its lease elsewhere).
      for (int i = 0; i < 10 && stop_requested() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  progress.finish();
  return summary;
}

}  // namespace infofrag::train
