#include "infofrag/embed/embed.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <unordered_map>

#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/limits.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/core/progress.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/atomic_file.hpp"

namespace infofrag {

namespace {

bool same_data(const data::DataConfig& a, const data::DataConfig& b) { return a == b; }

}  // namespace

std::vector<int64_t> fingerprint_sample(int64_t size, int64_t count, uint64_t seed) {
  if (count < 1 || count > size) {
    throw ConfigError("--fingerprint-size " + std::to_string(count) + ": must be between 1 and " +
                      "the dataset's " + std::to_string(size) + " items");
  }
  // A partial Fisher-Yates shuffle over a virtual identity array: O(count) memory, so a
  // sample of dSprites' 737,280 items costs no more than its size.
  std::mt19937_64 rng(seed);
  std::unordered_map<int64_t, int64_t> moved;
  const auto at = [&](int64_t i) {
    const auto f = moved.find(i);
    return f == moved.end() ? i : f->second;
  };
  std::vector<int64_t> rows(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng() % static_cast<uint64_t>(size - i));
    rows[static_cast<size_t>(i)] = at(j);
    moved[j] = at(i);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void validate(const EmbedConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
}

EmbedResult embed_ensemble(const EmbedConfig& config) {
  validate(config);
  if (config.ensemble.empty()) throw ConfigError("--ensemble: the ensemble folder is required");
  const auto device = resolve_device(config.device, "--device");
  const auto paths = ensemble::list_member_files(config.ensemble);
  std::vector<ensemble::MemberRecord> records;
  std::vector<std::string> finished;
  EmbedResult result;
  for (const auto& path : paths) {
    auto record = ensemble::read_member(path);
    if (record.status != "finished") {
      result.skipped.push_back({record.spec.id, record.status, record.steps_done});
      continue;
    }
    if (!records.empty() && !same_data(record.data, records.front().data)) {
      throw InputError(path + ": trained on dataset '" + fields::format(record.data.dataset) +
                       "' (path '" + record.data.path + "', split '" +
                       fields::format(record.data.split) + "'), unlike " + finished.front() +
                       "; an ensemble shares one dataset");
    }
    records.push_back(std::move(record));
    finished.push_back(path);
  }
  if (records.empty()) {
    throw InputError(config.ensemble + ": no finished member to embed (" +
                     std::to_string(paths.size()) + " member files, none finished)");
  }

  if (!config.out.empty()) {
    const std::string& data_path = records.front().data.path;
    check_output_path(config.out, {{"data.path (" + finished.front() + ")", data_path,
                                    std::filesystem::is_directory(data_path)}});
  }
  const auto dataset = data::open_dataset(records.front().data);
  const auto rows = config.indices.empty()
                        ? fingerprint_sample(dataset->size(), config.fingerprint_size, config.seed)
                        : expand(config.indices, dataset->size(), "--indices");
  Embeddings& out = result.embeddings;
  out.index = torch::tensor(rows, torch::kInt64);
  out.factor_names = dataset->factor_names();
  if (!out.factor_names.empty()) out.labels = dataset->labels(rows);

  const int64_t n = static_cast<int64_t>(rows.size());
  double item = 1;
  for (int64_t s : dataset->item_shape()) item *= static_cast<double>(s);
  check_memory(static_cast<double>(std::min(config.batch_size, n)) * item * 4 * 16,
               "--batch-size " + std::to_string(config.batch_size),
               "points per batch x item x 16 float32 values (the items and the encoder's "
               "activations)");
  Progress progress("embed", static_cast<int64_t>(records.size()) * n, config.progress);
  torch::NoGradGuard no_grad;
  for (size_t m = 0; m < records.size(); ++m) {
    const auto& r = records[m];
    if (r.item_shape != dataset->item_shape()) {
      throw InputError(finished[m] + ": trained on items of shape " + shape_string(r.item_shape) +
                       ", but the dataset now gives " + shape_string(dataset->item_shape()));
    }
    auto model = ensemble::load_members({r}, {finished[m]}, device);
    model->eval();
    std::vector<torch::Tensor> mus, logvars;
    for (int64_t first = 0; first < n; first += config.batch_size) {
      const int64_t count = std::min(config.batch_size, n - first);
      const std::vector<int64_t> chunk(rows.begin() + first, rows.begin() + first + count);
      const auto x = dataset->items(chunk).unsqueeze(0).to(device);
      const auto q = model->encode(x);
      mus.push_back(q.mu[0].to(torch::kCPU, torch::kFloat64));
      logvars.push_back(q.logvar[0].to(torch::kCPU, torch::kFloat64));
      progress.advance(count);
    }
    Member member;
    member.id = r.spec.id;
    member.mu = torch::cat(mus);
    member.logvar = torch::cat(logvars);
    member.attrs = {
        {"objective", fields::format(r.spec.objective)},
        {"seed", r.spec.seed},
        {"steps", r.steps_done},
        {"model", fields::format(r.model.kind)},
        {"dataset", fields::format(r.data.dataset)},
        {"final_recon", r.final_recon},
        {"final_kl", r.final_kl},
    };
    train::each_hyperparameter([&](const char* name, double value) { member.attrs[name] = value; },
                               r.spec);
    out.members.push_back(std::move(member));
  }
  return result;
}

EmbedReport run_embed(const EmbedConfig& config) {
  validate(config);
  fields::check_files(config, "--");
  check_output_path(config.out, {{"--ensemble", config.ensemble + "/members", true},
                                 {"--ensemble", config.ensemble + "/config.ini"}});
  EmbedResult result = embed_ensemble(config);
  write_embeddings(config.out, result.embeddings);
  return {config.out, result.embeddings.members.size(), result.embeddings.points(),
          std::move(result.skipped)};
}

}  // namespace infofrag
