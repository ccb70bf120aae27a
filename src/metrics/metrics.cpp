#include "infofrag/metrics/metrics.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/data/factor_grid.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/version.hpp"

namespace infofrag {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string file_name(const MetricsConfig& config) {
  return config.embeddings.empty() ? std::string("the embeddings") : config.embeddings;
}

void write_matrices(h5::File& file, const std::string& group, const SimilarityMatrices& s) {
  const std::pair<const char*, const torch::Tensor*> entries[] = {
      {"cka_linear_similarity", &s.cka_linear_similarity},
      {"cka_rbf_similarity", &s.cka_rbf_similarity},
      {"cka_coefficient_similarity", &s.cka_coefficient_similarity},
      {"shape_distance", &s.shape_distance}};
  for (const auto& [name, tensor] : entries) {
    const std::string path = group + "/" + name;
    file.write(path, tensor->contiguous());
    file.set_attr(path, "kind",
                  std::string(std::string(name).find("distance") != std::string::npos
                                  ? "distance: 0 for identical, larger = less alike"
                                  : "similarity: 1 for identical, larger = more alike"));
  }
}

/// Explicitness and DCI, trained on the first points and tested on the last
/// round(N · test_fraction).
void trained_metrics(Metrics& out, const std::vector<torch::Tensor>& mus,
                     const torch::Tensor& labels, const MetricsConfig& config) {
  const int64_t n = labels.size(0), k = static_cast<int64_t>(mus.size());
  const int64_t test = std::llround(static_cast<double>(n) * config.test_fraction);
  const int64_t train = n - test;
  if (train < 2 || test < 1) {
    throw ConfigError("--test-fraction " + fields::format_double(config.test_fraction) +
                      " leaves " + std::to_string(train) + " training and " + std::to_string(test) +
                      " test points of " + std::to_string(n));
  }
  const torch::Tensor y_train = labels.slice(0, 0, train), y_test = labels.slice(0, train);
  const auto vector = [k] { return torch::empty({k}, torch::kFloat64); };
  out.sap_discrete = vector();
  out.explicitness_train = vector();
  out.explicitness_test = vector();
  out.dci_disentanglement = vector();
  out.dci_completeness = vector();
  out.dci_informativeness_train = vector();
  out.dci_informativeness_test = vector();
  bool same_width = true;
  for (const auto& m : mus) same_width = same_width && m.size(1) == mus.front().size(1);
  if (same_width) {
    out.dci_importance = torch::empty({k, mus.front().size(1), labels.size(1)}, torch::kFloat64);
  }
  for (int64_t i = 0; i < k; ++i) {
    const torch::Tensor mu_train = mus[i].slice(0, 0, train), mu_test = mus[i].slice(0, train);
    auto start = Clock::now();
    out.sap_discrete[i] = metrics::sap_discrete(mu_train, y_train, mu_test, y_test).score;
    out.seconds.sap += seconds_since(start);
    start = Clock::now();
    const metrics::ExplicitnessScore e = metrics::explicitness(mu_train, y_train, mu_test, y_test);
    out.explicitness_train[i] = e.train;
    out.explicitness_test[i] = e.test;
    out.seconds.explicitness += seconds_since(start);
    start = Clock::now();
    const metrics::DciScore d = metrics::dci(mu_train, y_train, mu_test, y_test);
    out.dci_disentanglement[i] = d.disentanglement;
    out.dci_completeness[i] = d.completeness;
    out.dci_informativeness_train[i] = d.informativeness_train;
    out.dci_informativeness_test[i] = d.informativeness_test;
    if (same_width) out.dci_importance[i] = d.importance;
    out.seconds.dci += seconds_since(start);
  }
}

/// The members of an ensemble folder that the BetaVAE and FactorVAE scores encode with.
struct InterventionMembers {
  std::vector<ensemble::MemberRecord> records;
  std::vector<std::string> paths;
  std::unique_ptr<data::Dataset> dataset;
  data::FactorGrid grid;
};

/// Opens the member files of `ids` in config.ensemble, their dataset and its factor grid,
/// before any work: InputError naming the folder or file for a member without a file, not
/// finished, or trained on a dataset that cannot hold chosen factors fixed (one item per
/// combination of its factors' classes: dsprites and its variants, shapes3d).
InterventionMembers open_intervention(const MetricsConfig& config,
                                      const std::vector<std::string>& ids) {
  ensemble::check_ensemble_folder(config.ensemble);
  InterventionMembers out;
  for (const std::string& id : ids) {
    const std::string path = ensemble::member_file(config.ensemble, id);
    if (!std::filesystem::exists(path)) {
      throw InputError(config.ensemble + ": no member file for member '" + id + "' of " +
                       file_name(config) + " (" + path + ")");
    }
    ensemble::MemberRecord record = ensemble::read_member(path);
    if (record.status != "finished") {
      throw InputError(path + ": status '" + record.status +
                       "'; the BetaVAE and FactorVAE "
                       "scores need finished members");
    }
    if (!out.records.empty() && !(record.data == out.records.front().data)) {
      throw InputError(path + ": trained on other data than " + out.paths.front() +
                       "; the BetaVAE and FactorVAE scores draw from one dataset");
    }
    out.records.push_back(std::move(record));
    out.paths.push_back(path);
  }
  if (out.records.empty()) return out;
  out.dataset = data::open_dataset(out.records.front().data);
  std::string why;
  std::optional<data::FactorGrid> grid = data::find_factor_grid(*out.dataset, why);
  if (!grid) {
    throw InputError(
        out.paths.front() +
        ": trained on a dataset that cannot draw observations "
        "with chosen factors fixed: " +
        why +
        ". The BetaVAE and FactorVAE scores need one item per combination of the "
        "factors' classes (dsprites and its variants, shapes3d); leave out --ensemble");
  }
  out.grid = std::move(*grid);
  return out;
}

/// BetaVAE and FactorVAE scores of each member: observations with chosen factors fixed,
/// looked up in the dataset's factor grid and encoded by the member (posterior means).
void intervention_metrics(Metrics& m, const InterventionMembers& members,
                          const MetricsConfig& config) {
  const int64_t k = static_cast<int64_t>(members.records.size());
  m.beta_vae_train = torch::empty({k}, torch::kFloat64);
  m.beta_vae_eval = torch::empty({k}, torch::kFloat64);
  m.factor_vae_train = torch::empty({k}, torch::kFloat64);
  m.factor_vae_eval = torch::empty({k}, torch::kFloat64);
  m.factor_vae_active = torch::empty({k}, torch::kInt64);
  m.intervention_factors = members.grid.names;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < k; ++i) {
    auto model = ensemble::load_members({members.records[i]}, {members.paths[i]}, torch::kCPU);
    model->eval();
    const data::Dataset& dataset = *members.dataset;
    const data::FactorGrid& grid = members.grid;
    const metrics::FactorGenerator generator{
        grid.classes, [&](const torch::Tensor& factors) {
          return model->encode(dataset.items(grid.rows_of(factors)).unsqueeze(0))
              .mu[0]
              .to(torch::kFloat64);
        }};
    auto start = Clock::now();
    const metrics::InterventionScore beta = metrics::beta_vae_score(generator, config.intervention);
    m.beta_vae_train[i] = beta.train_accuracy;
    m.beta_vae_eval[i] = beta.eval_accuracy;
    m.seconds.beta_vae += seconds_since(start);
    start = Clock::now();
    const metrics::InterventionScore factor =
        metrics::factor_vae_score(generator, config.intervention);
    m.factor_vae_train[i] = factor.train_accuracy;
    m.factor_vae_eval[i] = factor.eval_accuracy;
    m.factor_vae_active[i] = factor.active_dims;
    m.seconds.factor_vae += seconds_since(start);
  }
}

}  // namespace

void validate(const MetricsConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
  fields::check_files(config, "--");
}

Metrics compute_metrics(const Embeddings& all, const MetricsConfig& config) {
  fields::check(config, "--");
  const std::string file = file_name(config);
  if (config.fingerprint_size > all.points()) {
    throw ConfigError("--fingerprint-size " + std::to_string(config.fingerprint_size) +
                      " exceeds the " + std::to_string(all.points()) + " points in " + file);
  }
  const Embeddings e =
      config.fingerprint_size > 0 ? all.first_points(config.fingerprint_size) : all;
  const int64_t n = e.points();
  if (n < config.min_points) {
    throw InputError(file + ": " + std::to_string(n) + " points, fewer than --min-points " +
                     std::to_string(config.min_points) +
                     " (the metrics' estimates need more; lower --min-points to accept)");
  }
  Metrics out;
  out.points = n;
  std::vector<const Member*> members;
  for (const int64_t i : select_members(e, config.members, "--members", config.embeddings)) {
    members.push_back(&e.members[static_cast<size_t>(i)]);
  }

  // Labels first, so that a file the disentanglement metrics cannot use fails before work.
  torch::Tensor labels;
  if (config.disentanglement) {
    if (!e.labels.defined()) {
      throw InputError(file +
                       ": /fingerprint/labels is missing; MIG, SAP and modularity need the "
                       "ground-truth factors (--disentanglement false computes the rest)");
    }
    std::vector<int64_t> kept;
    for (int64_t f = 0; f < e.labels.size(1); ++f) {
      const std::string name = f < static_cast<int64_t>(e.factor_names.size())
                                   ? e.factor_names[static_cast<size_t>(f)]
                                   : "factor_" + std::to_string(f);
      if (std::get<0>(at::_unique(e.labels.select(1, f))).numel() >= 2) {
        kept.push_back(f);
        out.factor_names.push_back(name);
      } else {
        out.factors_left_out.push_back(name);
      }
    }
    if (kept.empty()) {
      throw InputError(file +
                       ": /fingerprint/labels has no factor with two or more classes "
                       "over the " +
                       std::to_string(n) + " points used");
    }
    labels = e.labels.index_select(1, torch::tensor(kept, torch::kInt64));
    for (const Member* m : members) {
      if (m->mu.size(1) < 2) {
        throw InputError(file + ": /members/" + m->id + "/mu has " + std::to_string(m->mu.size(1)) +
                         " latent dimension; MIG and SAP compare two codes at least");
      }
    }
  }

  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> mus, logvars;
  std::vector<ChannelSet::Group> groups;
  int64_t column = 0;
  std::vector<int64_t> dims;
  for (const Member* m : members) {
    out.members.push_back(m->id);
    mus.push_back(m->mu.to(torch::kFloat64));
    logvars.push_back(m->logvar.to(torch::kFloat64));
    groups.emplace_back(column, column + m->mu.size(1));
    for (int64_t d = 0; d < m->mu.size(1); ++d) {
      out.channel_member.push_back(m->id);
      dims.push_back(d);
    }
    column += m->mu.size(1);
  }
  out.channel_dim = torch::tensor(dims, torch::kInt64);
  const int64_t k = static_cast<int64_t>(members.size());
  const torch::Tensor mu = torch::cat(mus, 1), logvar = torch::cat(logvars, 1);

  // Similarities. The kernel CKAs run over channels and whole spaces in one pass (the
  // spaces are groups of columns, as in `analyze`), or over the spaces alone.
  auto start = Clock::now();
  out.spaces.cka_linear_similarity = torch::eye(k, torch::kFloat64);
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t b = a + 1; b < k; ++b) {
      const double s = metrics::cka_linear_similarity(mus[a], mus[b]);
      out.spaces.cka_linear_similarity[a][b] = s;
      out.spaces.cka_linear_similarity[b][a] = s;
    }
  }
  if (config.channels)
    out.channels.cka_linear_similarity = metrics::cka_linear_channels_similarity(mu);
  out.seconds.cka_linear = seconds_since(start);

  const auto split = [&](const torch::Tensor& all_pairs, torch::Tensor& spaces,
                         torch::Tensor& channels) {
    if (config.channels) {
      channels = all_pairs.slice(0, 0, column).slice(1, 0, column).contiguous();
      spaces = all_pairs.slice(0, column).slice(1, column).contiguous();
    } else {
      spaces = all_pairs;
    }
  };
  start = Clock::now();
  if (config.channels) {
    split(metrics::cka_kernels_similarity(metrics::rbf_kernels(mu, groups, config.rbf_threshold),
                                          config.tile_rows),
          out.spaces.cka_rbf_similarity, out.channels.cka_rbf_similarity);
  } else {
    // Spaces only: no per-channel kernels, the groups as the only kernels.
    torch::Tensor s = torch::empty({k, k}, torch::kFloat64);
    std::vector<torch::Tensor> grams;
    for (const auto& m : mus) grams.push_back(metrics::rbf_gram(m, config.rbf_threshold));
    for (int64_t a = 0; a < k; ++a) {
      for (int64_t b = a; b < k; ++b) {
        const double v = a == b ? 1.0 : metrics::cka_kernel_similarity(grams[a], grams[b]);
        s[a][b] = v;
        s[b][a] = v;
      }
    }
    out.spaces.cka_rbf_similarity = s;
  }
  out.seconds.cka_rbf = seconds_since(start);

  start = Clock::now();
  {
    ChannelSet set = ChannelSet::gaussian(mu, logvar, groups);
    torch::Tensor all_pairs =
        metrics::cka_kernels_similarity(metrics::coefficient_kernels(set), config.tile_rows);
    if (config.channels) {
      split(all_pairs, out.spaces.cka_coefficient_similarity,
            out.channels.cka_coefficient_similarity);
    } else {
      out.spaces.cka_coefficient_similarity =
          all_pairs.slice(0, column).slice(1, column).contiguous();
    }
  }
  out.seconds.cka_coefficient = seconds_since(start);

  start = Clock::now();
  const metrics::ShapeMetricOptions shape{config.shape_alpha, config.shape_iterations,
                                          config.shape_tolerance, /*center=*/true};
  out.spaces.shape_distance = torch::zeros({k, k}, torch::kFloat64);
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t b = a + 1; b < k; ++b) {
      const double d = metrics::shape_distance(mus[a], logvars[a], mus[b], logvars[b], shape);
      out.spaces.shape_distance[a][b] = d;
      out.spaces.shape_distance[b][a] = d;
    }
  }
  if (config.channels)
    out.channels.shape_distance = metrics::shape_channels_distance(mu, logvar, shape);
  out.seconds.shape = seconds_since(start);

  start = Clock::now();
  out.udr = metrics::udr(mus, logvars, config.udr_correlation, config.udr_kl_threshold,
                         config.udr_lasso_alpha);
  out.seconds.udr = seconds_since(start);

  if (config.disentanglement) {
    const int64_t f = labels.size(1);
    out.mig = torch::empty({k}, torch::kFloat64);
    out.mig_per_factor = torch::empty({k, f}, torch::kFloat64);
    out.sap = torch::empty({k}, torch::kFloat64);
    out.modularity = torch::full({k}, std::numeric_limits<double>::quiet_NaN(), torch::kFloat64);
    for (int64_t i = 0; i < k; ++i) {
      start = Clock::now();
      const metrics::MigScore m = metrics::mig(mus[i], labels, config.bins);
      out.mig[i] = m.score;
      out.mig_per_factor[i] = m.per_factor;
      out.seconds.mig += seconds_since(start);
      start = Clock::now();
      out.sap[i] = metrics::sap_continuous(mus[i], labels).score;
      out.seconds.sap += seconds_since(start);
      start = Clock::now();
      if (f >= 2) out.modularity[i] = metrics::modularity(mus[i], labels, config.bins).score;
      out.seconds.modularity += seconds_since(start);
    }
    if (config.trained) trained_metrics(out, mus, labels, config);
  }
  return out;
}

void write_metrics(const std::string& path, const Metrics& m, const MetricsConfig& config) {
  AtomicFile output(path);
  {
    h5::File file = h5::File::create(output.temp_path());
    file.write_strings("/members", m.members);
    write_matrices(file, "/spaces", m.spaces);
    if (m.channels.shape_distance.defined()) {
      file.write_strings("/channels/member", m.channel_member);
      file.write("/channels/dim", m.channel_dim);
      write_matrices(file, "/channels", m.channels);
    }
    file.write("/udr/pairwise", m.udr.pairwise);
    file.write("/udr/score", m.udr.score);
    file.write("/udr/active", m.udr.active);
    file.set_attr("/udr", "correlation", fields::format(config.udr_correlation));
    if (config.udr_correlation == metrics::UdrCorrelation::kLasso) {
      file.set_attr("/udr", "lasso_alpha", config.udr_lasso_alpha);
    }
    file.set_attr("/udr", "kl_threshold_nats", config.udr_kl_threshold);
    if (m.mig.defined()) {
      file.write_strings("/disentanglement/factor_names", m.factor_names);
      file.write_strings("/disentanglement/factors_left_out", m.factors_left_out);
      file.write("/disentanglement/mig", m.mig);
      file.write("/disentanglement/mig_per_factor", m.mig_per_factor);
      file.write("/disentanglement/sap", m.sap);
      file.write("/disentanglement/modularity", m.modularity);
      file.set_attr("/disentanglement", "bins", config.bins);
      file.set_attr("/disentanglement", "sap_case", std::string("continuous"));
    }
    if (m.explicitness_train.defined()) {
      file.write("/disentanglement/sap_discrete", m.sap_discrete);
      file.write("/disentanglement/explicitness_train", m.explicitness_train);
      file.write("/disentanglement/explicitness_test", m.explicitness_test);
      file.write("/disentanglement/dci_disentanglement", m.dci_disentanglement);
      file.write("/disentanglement/dci_completeness", m.dci_completeness);
      file.write("/disentanglement/dci_informativeness_train", m.dci_informativeness_train);
      file.write("/disentanglement/dci_informativeness_test", m.dci_informativeness_test);
      if (m.dci_importance.defined()) {
        file.write("/disentanglement/dci_importance", m.dci_importance);
      }
      file.set_attr("/disentanglement", "test_fraction", config.test_fraction);
      file.set_attr("/disentanglement", "classifiers",
                    std::string("sap_discrete: liblinear L2R_L2LOSS_SVC_DUAL (C = 0.01, balanced "
                                "class weights, bias 1) per code and factor; "
                                "explicitness: liblinear L2R_LR (C = 1, bias 1, one-vs-rest); "
                                "DCI: XGBoost multi:softprob, 100 rounds, depth 3, eta 0.1, "
                                "importances = total gain normalized per factor"));
    }
    if (m.beta_vae_train.defined()) {
      file.write("/disentanglement/beta_vae_train", m.beta_vae_train);
      file.write("/disentanglement/beta_vae_eval", m.beta_vae_eval);
      file.write("/disentanglement/factor_vae_train", m.factor_vae_train);
      file.write("/disentanglement/factor_vae_eval", m.factor_vae_eval);
      file.write("/disentanglement/factor_vae_active", m.factor_vae_active);
      const metrics::InterventionOptions& o = config.intervention;
      file.write_strings("/disentanglement/intervention_factors", m.intervention_factors);
      file.set_attr("/disentanglement", "intervention_ensemble", config.ensemble);
      file.set_attr("/disentanglement", "intervention_batch_size", o.batch_size);
      file.set_attr("/disentanglement", "intervention_train", o.train_points);
      file.set_attr("/disentanglement", "intervention_eval", o.eval_points);
    }
    const std::pair<const char*, double> seconds[] = {
        {"read", m.seconds.read},       {"cka_linear", m.seconds.cka_linear},
        {"cka_rbf", m.seconds.cka_rbf}, {"cka_coefficient", m.seconds.cka_coefficient},
        {"shape", m.seconds.shape},     {"mig", m.seconds.mig},
        {"sap", m.seconds.sap},         {"modularity", m.seconds.modularity},
        {"udr", m.seconds.udr}};
    file.create_group("/seconds");
    for (const auto& [name, s] : seconds) file.set_attr("/seconds", name, s);
    file.set_attr("/", "points", m.points);
    file.set_attr("/", "input_file", config.embeddings);
    file.set_attr("/", "config", fields::ini_text(config));
    file.set_attr("/", "infofrag_version", std::string(kVersion));
  }
  output.commit();
}

MetricsReport run_metrics(const MetricsConfig& config) {
  validate(config);
  std::vector<StageInput> inputs = {{"--embeddings", config.embeddings}};
  if (!config.ensemble.empty()) inputs.push_back({"--ensemble", config.ensemble, true});
  check_output_path(config.out, inputs);
  auto start = Clock::now();
  const Embeddings embeddings = read_embeddings(config.embeddings);
  InterventionMembers members;
  if (!config.ensemble.empty()) {
    std::vector<std::string> ids;
    for (const int64_t i :
         select_members(embeddings, config.members, "--members", config.embeddings)) {
      ids.push_back(embeddings.members[static_cast<size_t>(i)].id);
    }
    members = open_intervention(config, ids);
  }
  const double read_s = seconds_since(start);
  Metrics m = compute_metrics(embeddings, config);
  m.seconds.read = read_s;
  if (!config.ensemble.empty()) intervention_metrics(m, members, config);
  start = Clock::now();
  write_metrics(config.out, m, config);
  m.seconds.write = seconds_since(start);
  return {config.out, m.members.size(), m.channel_member.size(), m.points, m.seconds};
}

}  // namespace infofrag
