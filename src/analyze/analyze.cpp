#include "infofrag/analyze/analyze.hpp"

#include <chrono>
#include <cstdio>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/limits.hpp"
#include "infofrag/core/tensor_options.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/version.hpp"

namespace infofrag {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

ChannelInfo slice_info(const ChannelInfo& info, int64_t begin, int64_t end) {
  return {info.info_bits.slice(0, begin, end), info.self_pair_bits.slice(0, begin, end)};
}

torch::Tensor block(const torch::Tensor& m, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  return m.slice(0, r0, r1).slice(1, c0, c1).contiguous();
}

}  // namespace

void validate(const AnalyzeConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
  fields::check_files(config, "--");
}

Analysis analyze(const Embeddings& all_points, const AnalyzeConfig& config) {
  fields::check(config, "--");
  if (config.fingerprint_size > all_points.points()) {
    throw ConfigError("--fingerprint-size " + std::to_string(config.fingerprint_size) +
                      " exceeds the " + std::to_string(all_points.points()) + " points");
  }
  const Embeddings embeddings =
      config.fingerprint_size > 0 ? all_points.first_points(config.fingerprint_size) : all_points;
  const torch::Device device = resolve_device(config.device);
  const auto options = torch::TensorOptions().dtype(config.dtype).device(device);
  const TileOptions tiles{config.memory_budget_mb, config.tile_rows, config.progress};
  torch::NoGradGuard no_grad;

  Analysis out;
  out.fingerprint_size = embeddings.points();
  std::vector<torch::Tensor> mus, logvars, dims;
  std::vector<ChannelSet::Group> spaces;  // each member's columns
  int64_t m = 0;
  for (const Member& member : embeddings.members) {
    const int64_t d = member.mu.size(1);
    mus.push_back(member.mu);
    logvars.push_back(member.logvar);
    dims.push_back(torch::arange(d, torch::kInt64));
    for (int64_t k = 0; k < d; ++k) out.channel_member.push_back(member.id);
    out.members.push_back(member.id);
    spaces.emplace_back(m, m + d);
    m += d;
  }
  if (!config.whole_spaces) spaces.clear();
  out.channel_dim = torch::cat(dims);
  for (const auto& [name, value] : embeddings.members.front().attrs) {
    std::vector<double> values;
    for (const Member& member : embeddings.members) {
      const auto found = member.attrs.find(name);
      if (found == member.attrs.end() || !std::holds_alternative<double>(found->second)) break;
      values.push_back(std::get<double>(found->second));
    }
    if (values.size() == embeddings.members.size()) {
      out.member_attrs[name] = torch::tensor(values, torch::kFloat64);
    }
  }
  const int64_t k = static_cast<int64_t>(spaces.size());
  const bool has_labels = embeddings.labels.defined();
  const int64_t f = has_labels ? embeddings.labels.size(1) : 0;
  out.factor_names = embeddings.factor_names;
  // The results are matrices over pairs of channels, whole spaces and factors; the pass holds
  // the pairwise information and the similarity adds NMI and VI, all float64.
  const double rows = static_cast<double>(m + k + f);
  check_memory(rows * rows * 8 * 4,
               "--embeddings " + config.embeddings + ": " + std::to_string(m) + " channels of " +
                   std::to_string(embeddings.members.size()) + " members",
               "4 float64 matrices over " + std::to_string(m + k + f) +
                   " channels, whole spaces and factors");

  // One pass over the fingerprint rows serves channels [0, m), whole spaces [m, m + k) and
  // factors [m + k, m + k + f); the extra blocks cost (k + f)/m more products, and a whole
  // space's coefficients are products of its channels' (no second pass over distances).
  ChannelSet set = ChannelSet::gaussian(torch::cat(mus, 1).to(options),
                                        torch::cat(logvars, 1).to(options), spaces);
  if (has_labels) set.append(ChannelSet::factors(embeddings.labels, options));
  const PairwiseInfo pass = pairwise_info(set, tiles);
  out.seconds.fingerprints = pass.seconds.fingerprints;
  out.seconds.pairwise = pass.seconds.pairwise;

  const int64_t s0 = m, f0 = m + k;  // first space, first factor
  auto compare = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    return similarity(slice_info(pass.channels, r0, r1), slice_info(pass.channels, c0, c1),
                      block(pass.pair_bits, r0, r1, c0, c1), config.nmi_floor_bits);
  };
  out.channels = slice_info(pass.channels, 0, m);
  out.pair_info_bits = block(pass.pair_bits, 0, m, 0, m);
  out.similarity = compare(0, m, 0, m);

  const auto start = Clock::now();
  if (has_labels) {
    out.factors = slice_info(pass.channels, f0, f0 + f);
    out.label_pair_info_bits = block(pass.pair_bits, 0, m, f0, f0 + f);
    out.labels = compare(0, m, f0, f0 + f);
    out.factor_similarity = compare(f0, f0 + f, f0, f0 + f);
  }
  out.seconds.labels = seconds_since(start);
  if (k > 0) {
    out.spaces = slice_info(pass.channels, s0, s0 + k);
    out.space_similarity = compare(s0, s0 + k, s0, s0 + k);
    out.channel_spaces = compare(0, m, s0, s0 + k);
    if (has_labels) out.space_labels = compare(s0, s0 + k, f0, f0 + f);
  }
  return out;
}

AnalyzeReport run_analyze(const AnalyzeConfig& config) {
  // Fail on options before the (possibly long) work, and never on a half-written file.
  validate(config);
  resolve_device(config.device);
  check_output_path(config.out, {{"--embeddings", config.embeddings}});

  auto start = Clock::now();
  const Embeddings embeddings = read_embeddings(config.embeddings);
  if (config.fingerprint_size > embeddings.points()) {
    throw ConfigError("--fingerprint-size " + std::to_string(config.fingerprint_size) +
                      " exceeds the " + std::to_string(embeddings.points()) + " points in " +
                      config.embeddings);
  }
  const double read_s = seconds_since(start);

  Analysis analysis = analyze(embeddings, config);
  analysis.seconds.read = read_s;

  start = Clock::now();
  write_analysis(config.out, analysis, config);
  analysis.seconds.write = seconds_since(start);

  return {config.out,
          embeddings.members.size(),
          embeddings.channels(),
          analysis.fingerprint_size,
          analysis.factor_names.size(),
          analysis.seconds};
}

}  // namespace infofrag
