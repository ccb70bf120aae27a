#include "infofrag/fuse/fuse.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/limits.hpp"
#include "infofrag/core/progress.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/info/channel_set.hpp"
#include "infofrag/info/fingerprint.hpp"
#include "infofrag/info/information.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/version.hpp"

namespace fs = std::filesystem;

namespace infofrag {

namespace {

using Clock = std::chrono::steady_clock;

/// The fused posteriors start nearly on top of each other (means ~ N(0, 0.05²), unit
/// variances): a representation that carries almost nothing, which the optimization refines
/// coarse to fine, as in the paper's fusion experiment. From a spread-out start the points
/// lock into a fragmented arrangement early.
constexpr double kInitMeanSd = 0.05;
constexpr double kInitLogvar = 0.0;
/// Keeps NMI's denominator away from 0 while the fused representation carries nothing.
constexpr double kNmiDenominatorFloorBits = 1e-9;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string join_ints(const std::vector<int64_t>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out;
}

void check_config(const FuseConfig& c) {
  fields::check(c, "--");
  check_count(static_cast<double>(c.steps), kMaxSteps, "--steps " + std::to_string(c.steps),
              "steps");
  if (c.amortize.empty()) return;
  if (c.ensemble.empty()) {
    throw ConfigError("--amortize " + c.amortize +
                      " needs --ensemble: the folder the members came from (their model and "
                      "dataset)");
  }
  check_count(static_cast<double>(c.amortize_steps), kMaxSteps,
              "--amortize-steps " + std::to_string(c.amortize_steps), "steps");
  if (fs::exists(c.amortize) && !fs::is_directory(c.amortize)) {
    throw ConfigError("--amortize " + c.amortize + ": exists and is not a folder");
  }
}

/// Points fused: the first fingerprint_size (0 = all). ConfigError when there are fewer.
int64_t fused_points(const Embeddings& embeddings, const FuseConfig& config) {
  const int64_t n = embeddings.points();
  if (config.fingerprint_size > n) {
    throw ConfigError(
        "--fingerprint-size " + std::to_string(config.fingerprint_size) + " exceeds the " +
        std::to_string(n) + " points in " +
        (config.embeddings.empty() ? std::string("the embeddings") : config.embeddings));
  }
  return config.fingerprint_size > 0 ? config.fingerprint_size : n;
}

/// Similarities with targets whose own terms I_V and I_VV′ ([K]) are known.
torch::Tensor similarities_given(const torch::Tensor& fused, const torch::Tensor& targets,
                                 const torch::Tensor& target_info,
                                 const torch::Tensor& target_self_pair, FuseSimilarity kind) {
  const torch::Tensor i_u = info_bits_from_distances(fused);
  const torch::Tensor i_uu = info_bits_from_distances(fused * 2);
  const torch::Tensor i_uv = info_bits_from_distances(fused.unsqueeze(0) + targets);  // [K]
  switch (kind) {
    case FuseSimilarity::kInfo:
      return info_shared_bits(i_u, target_info, i_uv);
    case FuseSimilarity::kVi:
      return -info_vi_bits(i_uv, i_uu, target_self_pair);
    case FuseSimilarity::kNmi: {
      // The fused side's 2I − I′ is floored at the member's own (README, "Fusion"): the
      // fingerprint NMI is not bounded by 1 for nearly uninformative representations, and
      // unfloored it is maximized by a fused representation that carries almost nothing.
      const torch::Tensor h_v =
          info_self_mi_bits(target_info, target_self_pair).clamp_min(kNmiDenominatorFloorBits);
      const torch::Tensor h_u = torch::maximum(info_self_mi_bits(i_u, i_uu), h_v);
      return info_nmi(info_shared_bits(i_u, target_info, i_uv), h_u, h_v);
    }
  }
  TORCH_CHECK(false, "similarities_given: unknown similarity");
}

/// NMI and VI between two D-dimensional representations over the same points, each taken
/// as one group of channels, by the library's estimator. mu, logvar: [N, d].
Similarity whole_space_similarity(const torch::Tensor& mu_a, const torch::Tensor& lv_a,
                                  const torch::Tensor& mu_b, const torch::Tensor& lv_b,
                                  double nmi_floor_bits) {
  const int64_t da = mu_a.size(1), db = mu_b.size(1);
  const ChannelSet a = ChannelSet::gaussian(mu_a, lv_a, {{0, da}});
  const ChannelSet b = ChannelSet::gaussian(mu_b, lv_b, {{0, db}});
  const CrossInfo pass = cross_info(a, b, {1024, 0, /*progress=*/false});
  const Similarity s = similarity(pass.a, pass.b, pass.pair_bits, nmi_floor_bits);
  return {s.nmi.slice(0, da, da + 1).slice(1, db, db + 1).reshape({1}),
          s.vi_bits.slice(0, da, da + 1).slice(1, db, db + 1).reshape({1})};
}

/// What --amortize needs, checked before any work.
struct AmortizeSetup {
  std::string member_path;  ///< the member file whose model and data config are used
  ensemble::MemberRecord source;
  std::unique_ptr<data::Dataset> dataset;
  std::vector<int64_t> rows;  ///< dataset rows of the fused points
  models::ModelSpec spec;     ///< the members' family with config.dims latents
  models::ModelConfig model;
};

AmortizeSetup prepare_amortize(const Embeddings& embeddings, const FuseConfig& config,
                               const std::vector<FuseTarget>& targets) {
  const std::string file = config.embeddings.empty() ? "the embeddings" : config.embeddings;
  if (!embeddings.index.defined()) {
    throw InputError(file +
                     ": /fingerprint/index is missing; --amortize needs the dataset row of "
                     "every fingerprint point to train an encoder on the data");
  }
  const auto paths = ensemble::list_member_files(config.ensemble);
  AmortizeSetup s;
  // The first fused member's own file when the ensemble has it, else its first finished one.
  std::vector<std::string> ordered;
  for (const auto& path : paths) {
    if (fs::path(path).stem().string() == targets.front().member)
      ordered.insert(ordered.begin(), path);
    else
      ordered.push_back(path);
  }
  for (const auto& path : ordered) {
    ensemble::MemberRecord record = ensemble::read_member(path);
    if (record.status != "finished") continue;
    s.member_path = path;
    s.source = std::move(record);
    break;
  }
  if (s.member_path.empty()) {
    throw InputError("--ensemble " + config.ensemble + ": no finished member file (" +
                     std::to_string(paths.size()) + " member files)");
  }
  s.dataset = data::open_dataset(s.source.data);
  if (s.source.item_shape != s.dataset->item_shape()) {
    throw InputError(s.member_path + ": trained on items of shape " +
                     shape_string(s.source.item_shape) + ", but the dataset now gives " +
                     shape_string(s.dataset->item_shape()));
  }
  s.model = s.source.model;
  s.model.latents = config.dims;
  s.spec = models::resolve_model(s.model, s.source.item_shape);

  const int64_t n = fused_points(embeddings, config);
  const torch::Tensor index = embeddings.index.narrow(0, 0, n).contiguous();
  const auto rows = index.accessor<int64_t, 1>();
  const int64_t size = s.dataset->size();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = rows[i];
    if (row < 0 || row >= size) {
      throw InputError(file + ": /fingerprint/index[" + std::to_string(i) +
                       "] = " + std::to_string(row) + " is not a row of dataset '" +
                       fields::format(s.source.data.dataset) + "' (" + std::to_string(size) +
                       " items, from " + s.member_path + ")");
    }
    s.rows.push_back(row);
  }
  const auto held = static_cast<int64_t>(std::llround(config.holdout * static_cast<double>(n)));
  if (n - std::max<int64_t>(held, config.holdout > 0 ? 1 : 0) < 1) {
    throw ConfigError("--holdout " + value_string(config.holdout) +
                      " leaves no training point of " + std::to_string(n));
  }
  return s;
}

AmortizedEncoder train_encoder(AmortizeSetup& s, const Fusion& fusion, const FuseConfig& config) {
  const torch::Device device = resolve_device(config.device, "--device");
  const int64_t n = static_cast<int64_t>(s.rows.size());
  AmortizedEncoder out;
  out.source_member = s.member_path;

  // Held-out points: a seeded random subset, at least one when holdout > 0.
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(config.seed ^ 0x5EEDF05EULL);
  std::shuffle(order.begin(), order.end(), rng);
  int64_t held = static_cast<int64_t>(std::llround(config.holdout * static_cast<double>(n)));
  if (config.holdout > 0) held = std::max<int64_t>(held, 1);
  std::vector<int64_t> holdout(order.begin(), order.begin() + held);
  std::vector<int64_t> training(order.begin() + held, order.end());
  std::sort(holdout.begin(), holdout.end());
  std::sort(training.begin(), training.end());
  out.holdout_points = torch::tensor(holdout, torch::kInt64);
  out.train_points = torch::tensor(training, torch::kInt64);

  models::BatchedVae model(s.spec, /*members=*/1);
  model->initialize_member(0, config.seed);
  model->to(device);
  std::vector<torch::Tensor> encoder_params;
  for (const auto& item : model->named_parameters(/*recurse=*/false)) {
    if (item.key().rfind("encoder_", 0) == 0) encoder_params.push_back(item.value());
  }
  torch::optim::Adam optimizer(encoder_params, torch::optim::AdamOptions(config.amortize_lr));

  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const torch::Tensor x = s.dataset->items(s.rows).to(device).unsqueeze(0);  // [1, N, *item]
  const torch::Tensor target_mu = fusion.mu.to(f32);                         // [N, D]
  const torch::Tensor target_lv = fusion.logvar.to(f32);
  const torch::Tensor train_index = out.train_points.to(device);
  const int64_t n_train = static_cast<int64_t>(training.size());
  const int64_t batch =
      config.amortize_batch_size > 0 ? std::min(config.amortize_batch_size, n_train) : n_train;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(config.seed + 1);
  torch::Tensor losses = torch::empty({config.amortize_steps}, f32);
  Progress progress("fuse: amortize", config.amortize_steps, config.progress);
  model->train();
  for (int64_t step = 0; step < config.amortize_steps; ++step) {
    torch::Tensor rows = train_index;
    if (batch < n_train) {
      const torch::Tensor pick =
          torch::randperm(n_train, generator, torch::kInt64).narrow(0, 0, batch);
      rows = train_index.index_select(0, pick.to(device));
    }
    const models::Posterior q = model->encode(x.index_select(1, rows));
    const torch::Tensor distance = bhattacharyya(
        q.mu[0], q.logvar[0], target_mu.index_select(0, rows), target_lv.index_select(0, rows));
    const torch::Tensor loss = distance.sum(1).mean();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    losses[step] = loss.detach();
    progress.advance();
  }
  progress.finish();
  out.loss = losses.to(torch::kCPU, torch::kFloat64);

  torch::NoGradGuard no_grad;
  model->eval();
  const models::Posterior q = model->encode(x);
  out.mu = q.mu[0].to(torch::kCPU, torch::kFloat64);
  out.logvar = q.logvar[0].to(torch::kCPU, torch::kFloat64);
  const auto subset_nmi = [&](const torch::Tensor& points) {
    if (points.numel() < 2) return std::numeric_limits<double>::quiet_NaN();
    return whole_space_similarity(out.mu.index_select(0, points),
                                  out.logvar.index_select(0, points),
                                  fusion.mu.index_select(0, points),
                                  fusion.logvar.index_select(0, points), config.nmi_floor_bits)
        .nmi.item<double>();
  };
  out.train_nmi = subset_nmi(out.train_points);
  out.holdout_nmi = subset_nmi(out.holdout_points);

  ensemble::MemberRecord& r = out.record;
  r.spec = s.source.spec;
  r.spec.id = "fused";
  r.spec.lr = config.amortize_lr;
  r.spec.seed = static_cast<int64_t>(config.seed);
  r.data = s.source.data;
  r.model = s.model;
  r.item_shape = s.source.item_shape;
  r.status = "finished";
  r.steps = config.amortize_steps;
  r.steps_done = config.amortize_steps;
  r.batch_size = batch;
  // Not a VAE's losses: the decoder was never trained.
  r.final_recon = std::numeric_limits<double>::quiet_NaN();
  r.final_kl = std::numeric_limits<double>::quiet_NaN();
  r.final_loss = out.loss[config.amortize_steps - 1].item<double>();
  for (const auto& [name, value] : model->member_parameters(0)) {
    out.weights[name] = value.detach().to(torch::kCPU, torch::kFloat32).clone();
  }
  return out;
}

void write_amortized_member(const std::string& path, const AmortizedEncoder& encoder,
                            const FuseConfig& config) {
  AtomicFile output(path);
  ensemble::write_member(output.temp_path(), encoder.record, encoder.weights);
  {
    h5::File file = h5::File::open_for_update(output.temp_path());
    file.set_attr("/", "amortized",
                  std::string("encoder trained by infofrag fuse --amortize to reproduce fused "
                              "posteriors (minimizing their Bhattacharyya distance); decoder "
                              "weights are untrained, as initialized from the seed"));
    file.set_attr("/", "decoder_trained", int64_t{0});
    file.set_attr("/", "fusion_file", config.out);
    file.set_attr("/", "fusion_input", config.embeddings);
    file.set_attr("/", "similarity", fields::format(config.similarity));
    file.set_attr("/", "source_member", encoder.source_member);
    file.set_attr("/", "train_nmi", encoder.train_nmi);
    file.set_attr("/", "holdout_nmi", encoder.holdout_nmi);
  }
  output.commit();
}

}  // namespace

void validate(const FuseConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
}

std::vector<FuseTarget> fuse_targets(const Embeddings& embeddings, const FuseConfig& config) {
  const std::string file = config.embeddings.empty() ? "the embeddings" : config.embeddings;
  std::string known;
  for (const Member& m : embeddings.members) known += (known.empty() ? "" : ", ") + m.id;
  const auto find = [&](const std::string& id, const std::string& option) -> const Member& {
    for (const Member& m : embeddings.members) {
      if (m.id == id) return m;
    }
    throw ConfigError(option + ": no member '" + id + "' in " + file + " (members: " + known + ")");
  };

  const std::string members_text = fields::format(config.members);
  std::vector<std::string> listed;  // --members, in order
  for (const int64_t i :
       select_members(embeddings, config.members, "--members", config.embeddings)) {
    if (!config.members.empty()) listed.push_back(embeddings.members[static_cast<size_t>(i)].id);
  }

  std::vector<FuseTarget> targets;
  if (config.channels.empty()) {
    if (listed.empty()) {
      for (const Member& m : embeddings.members) listed.push_back(m.id);
    }
    for (const std::string& id : listed) {
      FuseTarget t{id, {}};
      t.dims.resize(static_cast<size_t>(find(id, "--members").mu.size(1)));
      std::iota(t.dims.begin(), t.dims.end(), 0);
      targets.push_back(std::move(t));
    }
    return targets;
  }

  const std::string context = "--channels '" + fields::format(config.channels) + "'";
  for (const ChannelRef& channel : config.channels) {
    const std::string& id = channel.member;
    const int64_t dim = channel.dim;
    const std::string dim_text = std::to_string(dim);
    const Member& member = find(id, "--channels");
    if (dim >= member.mu.size(1)) {
      throw ConfigError(context + ": member '" + id + "' has " + std::to_string(member.mu.size(1)) +
                        " channels (0.." + std::to_string(member.mu.size(1) - 1) + "), not " +
                        dim_text);
    }
    if (!listed.empty() && std::find(listed.begin(), listed.end(), id) == listed.end()) {
      throw ConfigError(context + ": member '" + id + "' is not among --members '" + members_text +
                        "'");
    }
    auto t = std::find_if(targets.begin(), targets.end(),
                          [&](const FuseTarget& x) { return x.member == id; });
    if (t == targets.end()) {
      targets.push_back({id, {}});
      t = targets.end() - 1;
    }
    if (std::find(t->dims.begin(), t->dims.end(), dim) != t->dims.end()) {
      throw ConfigError(context + ": names " + id + ":" + dim_text + " twice");
    }
    t->dims.push_back(dim);
  }
  for (const std::string& id : listed) {
    if (std::none_of(targets.begin(), targets.end(),
                     [&](const FuseTarget& x) { return x.member == id; })) {
      throw ConfigError("--members '" + members_text + "' lists '" + id +
                        "', which has no channel in " + context);
    }
  }
  return targets;
}

torch::Tensor pairwise_bhattacharyya(const torch::Tensor& mu, const torch::Tensor& logvar) {
  TORCH_CHECK(mu.dim() == 2 && mu.sizes() == logvar.sizes(),
              "pairwise_bhattacharyya: mu and logvar must both be [N, d]");
  return bhattacharyya(mu.unsqueeze(1), logvar.unsqueeze(1), mu.unsqueeze(0), logvar.unsqueeze(0))
      .sum(-1);
}

torch::Tensor fuse_similarities(const torch::Tensor& fused_distances,
                                const torch::Tensor& target_distances, FuseSimilarity similarity) {
  TORCH_CHECK(fused_distances.dim() == 2 && target_distances.dim() == 3 &&
                  target_distances.size(1) == fused_distances.size(0) &&
                  target_distances.size(2) == fused_distances.size(1),
              "fuse_similarities: expected [N, N] and [K, N, N]");
  return similarities_given(fused_distances, target_distances,
                            info_bits_from_distances(target_distances),
                            info_bits_from_distances(target_distances * 2), similarity);
}

Fusion fuse(const Embeddings& embeddings, const FuseConfig& config) {
  check_config(config);
  const FuseSimilarity kind = config.similarity;
  const int64_t n = fused_points(embeddings, config);
  const std::vector<FuseTarget> targets = fuse_targets(embeddings, config);
  const torch::Device device = resolve_device(config.device, "--device");
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);

  Fusion out;
  out.targets = targets;
  out.device = device.str();
  std::vector<torch::Tensor> target_mu, target_lv, target_distances;
  std::vector<ChannelSet::Group> groups;
  int64_t columns = 0;
  {
    torch::NoGradGuard no_grad;
    for (const FuseTarget& t : targets) {
      const Member* member = nullptr;
      for (const Member& m : embeddings.members) {
        if (m.id == t.member) member = &m;
      }
      TORCH_CHECK(member != nullptr, "fuse: target member vanished");
      const torch::Tensor dims = torch::tensor(t.dims, torch::kInt64);
      target_mu.push_back(member->mu.narrow(0, 0, n).index_select(1, dims).to(f64));
      target_lv.push_back(member->logvar.narrow(0, 0, n).index_select(1, dims).to(f64));
      target_distances.push_back(bhattacharyya_channels(target_mu.back(), target_lv.back()).sum(0));
      groups.emplace_back(columns, columns + static_cast<int64_t>(t.dims.size()));
      columns += static_cast<int64_t>(t.dims.size());
    }
  }
  const torch::Tensor distances = torch::stack(target_distances);  // [K, N, N]
  const torch::Tensor target_info = info_bits_from_distances(distances);
  const torch::Tensor target_self_pair = info_bits_from_distances(distances * 2);

  auto generator = at::make_generator<at::CPUGeneratorImpl>(config.seed);
  torch::Tensor mu = (torch::randn({n, config.dims}, generator, torch::kFloat64) * kInitMeanSd)
                         .to(f64)
                         .requires_grad_();
  torch::Tensor logvar = torch::full({n, config.dims}, kInitLogvar, f64).requires_grad_();
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (config.optimizer == FuseOptimizer::kSgd) {
    optimizer = std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{mu, logvar},
                                                    torch::optim::SGDOptions(config.lr));
  } else {
    optimizer = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{mu, logvar},
                                                     torch::optim::AdamOptions(config.lr));
  }
  torch::Tensor losses = torch::empty({config.steps}, f64);

  const auto start = Clock::now();
  Progress progress("fuse", config.steps, config.progress);
  for (int64_t step = 0; step < config.steps; ++step) {
    const torch::Tensor similarities = similarities_given(
        pairwise_bhattacharyya(mu, logvar), distances, target_info, target_self_pair, kind);
    const torch::Tensor loss = -similarities.mean();
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    losses[step] = loss.detach();
    progress.advance();
  }
  progress.finish();
  synchronize(device);
  out.seconds = seconds_since(start);
  out.loss = losses.cpu();

  torch::NoGradGuard no_grad;
  out.mu = mu.detach().clone();
  out.logvar = logvar.detach().clamp(kLogvarMin, kLogvarMax);
  out.fingerprint = torch::exp(-bhattacharyya_channels(out.mu, out.logvar).sum(0)).cpu();

  // The reported similarities come from the library's tiled estimator: the fused space as
  // one group, against every target's group and the ground-truth factors.
  const int64_t d = config.dims;
  const int64_t k = static_cast<int64_t>(targets.size());
  const ChannelSet fused_set = ChannelSet::gaussian(out.mu, out.logvar, {{0, d}});
  ChannelSet target_set =
      ChannelSet::gaussian(torch::cat(target_mu, 1), torch::cat(target_lv, 1), groups);
  const bool labels = embeddings.labels.defined();
  if (labels) {
    target_set.append(ChannelSet::factors(embeddings.labels.narrow(0, 0, n).to(device), f64));
  }
  const CrossInfo pass = cross_info(fused_set, target_set, {1024, 0, /*progress=*/false});
  const Similarity s = similarity(pass.a, pass.b, pass.pair_bits, config.nmi_floor_bits);
  out.info_bits = pass.a.info_bits[d].item<double>();
  out.member_nmi = s.nmi[d].slice(0, columns, columns + k).contiguous();
  out.member_vi_bits = s.vi_bits[d].slice(0, columns, columns + k).contiguous();
  if (labels) out.factor_nmi = s.nmi[d].slice(0, columns + k).contiguous();
  out.mu = out.mu.cpu();
  out.logvar = out.logvar.cpu();
  return out;
}

AmortizedEncoder amortize_fusion(const Embeddings& embeddings, const Fusion& fusion,
                                 const FuseConfig& config) {
  check_config(config);
  if (config.ensemble.empty()) {
    throw ConfigError("--ensemble: the members' ensemble folder is required to amortize");
  }
  AmortizeSetup setup = prepare_amortize(embeddings, config, fusion.targets);
  TORCH_CHECK(static_cast<int64_t>(setup.rows.size()) == fusion.mu.size(0),
              "amortize_fusion: the fusion has ", fusion.mu.size(0), " points, the config ",
              setup.rows.size());
  return train_encoder(setup, fusion, config);
}

void write_fusion(const std::string& path, const Embeddings& embeddings, const Fusion& fusion,
                  const FuseConfig& config, const AmortizedEncoder* encoder) {
  const int64_t n = fusion.mu.size(0);
  AtomicFile output(path);
  {
    h5::File file = h5::File::create(output.temp_path());
    file.write("/members/fused/mu", fusion.mu);
    file.write("/members/fused/logvar", fusion.logvar);
    file.set_attr("/members/fused", "similarity", fields::format(config.similarity));
    file.set_attr("/members/fused", "dims", config.dims);
    file.set_attr("/members/fused", "fused_members", static_cast<int64_t>(fusion.targets.size()));
    if (embeddings.index.defined()) {
      file.write("/fingerprint/index", embeddings.index.narrow(0, 0, n).contiguous());
    }
    if (embeddings.labels.defined()) {
      file.write("/fingerprint/labels", embeddings.labels.narrow(0, 0, n).contiguous());
      file.set_attr("/fingerprint/labels", "factor_names", embeddings.factor_names);
    }

    std::vector<std::string> ids, dims;
    for (const FuseTarget& t : fusion.targets) {
      ids.push_back(t.member);
      dims.push_back(join_ints(t.dims));
    }
    file.write("/fusion/fingerprint", fusion.fingerprint);
    file.write("/fusion/loss", fusion.loss);
    file.write("/fusion/info_bits", torch::tensor({fusion.info_bits}, torch::kFloat64));
    file.write_strings("/fusion/member_ids", ids);
    file.write_strings("/fusion/member_dims", dims);
    file.write("/fusion/member_nmi", fusion.member_nmi.cpu());
    file.write("/fusion/member_vi_bits", fusion.member_vi_bits.cpu());
    if (fusion.factor_nmi.defined()) {
      file.write("/fusion/factor_nmi", fusion.factor_nmi.cpu());
      file.write_strings("/fusion/factor_names", embeddings.factor_names);
    }
    file.set_attr("/", "dims", config.dims);
    file.set_attr("/", "similarity", fields::format(config.similarity));
    file.set_attr("/", "steps", config.steps);
    file.set_attr("/", "lr", config.lr);
    file.set_attr("/", "seed", static_cast<int64_t>(config.seed));
    file.set_attr("/", "fingerprint_size", n);
    file.set_attr("/", "device", fusion.device);
    file.set_attr("/", "input_file", config.embeddings);
    file.set_attr("/", "units", std::string("bits"));
    file.set_attr("/", "infofrag_version", std::string(kVersion));
    file.set_attr("/", "loss",
                  std::string("-(mean similarity over the fused members) before each Adam step"));

    if (encoder) {
      file.write("/fusion/amortized/mu", encoder->mu);
      file.write("/fusion/amortized/logvar", encoder->logvar);
      file.write("/fusion/amortized/loss", encoder->loss);
      file.write("/fusion/amortized/train_points", encoder->train_points);
      file.write("/fusion/amortized/holdout_points", encoder->holdout_points);
      file.write("/fusion/amortized/train_nmi",
                 torch::tensor({encoder->train_nmi}, torch::kFloat64));
      file.write("/fusion/amortized/holdout_nmi",
                 torch::tensor({encoder->holdout_nmi}, torch::kFloat64));
      file.set_attr("/fusion/amortized", "member_file",
                    ensemble::member_file(config.amortize, "fused"));
      file.set_attr("/fusion/amortized", "source_member", encoder->source_member);
      file.set_attr("/fusion/amortized", "holdout", config.holdout);
      file.set_attr("/fusion/amortized", "steps", config.amortize_steps);
      file.set_attr("/fusion/amortized", "lr", config.amortize_lr);
      file.set_attr("/fusion/amortized", "loss",
                    std::string("mean over training points of the Bhattacharyya distance "
                                "between the encoder's and the fused posterior"));
    }
  }
  output.commit();
}

FuseReport run_fuse(const FuseConfig& config) {
  check_config(config);
  if (config.embeddings.empty()) throw ConfigError("--embeddings is required");
  if (config.out.empty()) throw ConfigError("--out is required");
  resolve_device(config.device, "--device");
  const std::vector<StageInput> inputs = {
      {"--embeddings", config.embeddings},
      {"--ensemble", config.ensemble.empty() ? "" : config.ensemble + "/members", true},
      {"--ensemble", config.ensemble.empty() ? "" : config.ensemble + "/config.ini"}};
  check_output_path(config.out, inputs);
  if (!config.amortize.empty() && fs::is_directory(fs::path(config.amortize) / "members")) {
    check_output_path(ensemble::member_file(config.amortize, "fused"), inputs, "--amortize");
  }

  const Embeddings embeddings = read_embeddings(config.embeddings);
  fused_points(embeddings, config);
  const std::vector<FuseTarget> targets = fuse_targets(embeddings, config);
  std::unique_ptr<AmortizeSetup> setup;
  if (!config.amortize.empty()) {
    setup = std::make_unique<AmortizeSetup>(prepare_amortize(embeddings, config, targets));
  }

  const Fusion fusion = fuse(embeddings, config);
  FuseReport report;
  report.targets = static_cast<int64_t>(targets.size());
  report.dims = config.dims;
  report.points = fusion.mu.size(0);
  report.similarity = config.similarity;
  report.seconds = fusion.seconds;
  report.info_bits = fusion.info_bits;
  report.mean_nmi = fusion.member_nmi.mean().item<double>();
  report.mean_vi_bits = fusion.member_vi_bits.mean().item<double>();
  if (fusion.factor_nmi.defined()) {
    report.factor_names = embeddings.factor_names;
    for (int64_t f = 0; f < fusion.factor_nmi.size(0); ++f) {
      report.factor_nmi.push_back(fusion.factor_nmi[f].item<double>());
    }
  }
  report.out = config.out;
  if (!setup) {
    write_fusion(config.out, embeddings, fusion, config);
    return report;
  }
  const AmortizedEncoder encoder = train_encoder(*setup, fusion, config);
  report.holdout_nmi = encoder.holdout_nmi;
  report.holdout_points = encoder.holdout_points.numel();
  report.train_nmi = encoder.train_nmi;
  report.train_points = encoder.train_points.numel();
  fs::create_directories(fs::path(config.amortize) / "members");
  report.member_file = ensemble::member_file(config.amortize, "fused");
  write_amortized_member(report.member_file, encoder, config);
  write_fusion(config.out, embeddings, fusion, config, &encoder);
  return report;
}

}  // namespace infofrag
