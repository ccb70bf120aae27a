#include "infofrag/analyze/monte_carlo.hpp"

#include <chrono>
#include <cstdio>

#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/limits.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/version.hpp"

namespace infofrag {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

void validate(const MonteCarloConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
  fields::check_files(config, "--");
}

MonteCarloAnalysis monte_carlo(const Embeddings& embeddings, const MonteCarloConfig& config) {
  fields::check(config, "--");
  const int64_t n = embeddings.points();
  if (config.fingerprint_size > n) {
    throw ConfigError("--fingerprint-size " + std::to_string(config.fingerprint_size) +
                      " exceeds the " + std::to_string(n) + " points");
  }
  std::vector<const Member*> members;
  for (const int64_t i :
       select_members(embeddings, config.members, "--members", config.embeddings)) {
    members.push_back(&embeddings.members[static_cast<size_t>(i)]);
  }
  const torch::Device device = resolve_device(config.device, "--device");
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  torch::NoGradGuard no_grad;

  MonteCarloAnalysis out;
  out.points = n;
  out.device = device.str();
  out.fingerprint_size = config.fingerprint_size > 0 ? config.fingerprint_size : n;
  std::vector<GaussianSpace> spaces;
  std::vector<torch::Tensor> mus, logvars;
  std::vector<ChannelSet::Group> groups;  // each member's columns
  int64_t column = 0;
  for (const Member* m : members) {
    out.members.push_back(m->id);
    spaces.push_back({m->mu.to(f64), m->logvar.to(f64)});
    mus.push_back(m->mu.narrow(0, 0, out.fingerprint_size));
    logvars.push_back(m->logvar.narrow(0, 0, out.fingerprint_size));
    groups.emplace_back(column, column + m->mu.size(1));
    column += m->mu.size(1);
  }

  auto start = Clock::now();
  const MonteCarloOptions options{config.samples, config.chunk, /*sample_batch=*/0, config.seed,
                                  config.progress};
  out.spaces = monte_carlo_estimate(monte_carlo_terms(spaces, options), config.nmi_floor_bits);
  synchronize(device);
  out.mc_seconds = seconds_since(start);

  // The fingerprint estimate exactly as `analyze` computes /spaces: the members' channels
  // with one group per member, whose coefficients are the products of its channels'.
  start = Clock::now();
  const int64_t kk = static_cast<int64_t>(members.size());
  const ChannelSet set =
      ChannelSet::gaussian(torch::cat(mus, 1).to(f64), torch::cat(logvars, 1).to(f64), groups);
  const PairwiseInfo pass = pairwise_info(set, {1024, 0, config.progress});
  out.fingerprint = {pass.channels.info_bits.slice(0, column, column + kk),
                     pass.channels.self_pair_bits.slice(0, column, column + kk)};
  out.fingerprint_pair_bits =
      pass.pair_bits.slice(0, column, column + kk).slice(1, column, column + kk).contiguous();
  out.fingerprint_similarity = similarity(out.fingerprint, out.fingerprint,
                                          out.fingerprint_pair_bits, config.nmi_floor_bits);
  out.fingerprint_seconds = seconds_since(start);
  return out;
}

void write_monte_carlo(const std::string& path, const MonteCarloAnalysis& a,
                       const MonteCarloConfig& config) {
  AtomicFile output(path);
  {
    h5::File file = h5::File::create(output.temp_path());
    const MonteCarloEstimate& s = a.spaces;
    file.write_strings("/spaces/member", a.members);
    file.write("/spaces/info_bits", s.info_bits);
    file.write("/spaces/info_se_bits", s.info_se_bits);
    file.write("/spaces/self_pair_bits", s.self_pair_bits);
    file.write("/spaces/self_pair_se_bits", s.self_pair_se_bits);
    file.write("/spaces/pair_info_bits", s.pair_bits);
    file.write("/spaces/pair_info_se_bits", s.pair_se_bits);
    file.write("/spaces/nmi", s.nmi);
    file.write("/spaces/nmi_se", s.nmi_se);
    file.write("/spaces/vi_bits", s.vi_bits);
    file.write("/spaces/vi_se_bits", s.vi_se_bits);
    file.write("/fingerprint/info_bits", a.fingerprint.info_bits.contiguous());
    file.write("/fingerprint/self_pair_bits", a.fingerprint.self_pair_bits.contiguous());
    file.write("/fingerprint/pair_info_bits", a.fingerprint_pair_bits);
    file.write("/fingerprint/nmi", a.fingerprint_similarity.nmi);
    file.write("/fingerprint/vi_bits", a.fingerprint_similarity.vi_bits);
    file.set_attr("/", "samples", s.samples);
    file.set_attr("/", "points", a.points);
    file.set_attr("/", "seed", static_cast<int64_t>(config.seed));
    file.set_attr("/", "units", std::string("bits"));
    file.set_attr("/", "fingerprint_size", a.fingerprint_size);
    file.set_attr("/", "chunk", config.chunk);
    file.set_attr("/", "nmi_floor_bits", config.nmi_floor_bits);
    file.set_attr("/", "device", a.device);
    file.set_attr("/", "input_file", config.embeddings);
    file.set_attr("/", "config", fields::ini_text(config));  // the options, as [mc] reads them
    file.set_attr("/", "infofrag_version", std::string(kVersion));
    file.set_attr("/", "estimator",
                  std::string("/spaces: Monte Carlo, mean of per-sample terms with standard "
                              "errors (delta method for NMI); /fingerprint: Bhattacharyya "
                              "pairwise-distance bound (Kolchinsky & Tracey 2017)"));
  }
  output.commit();
}

MonteCarloReport run_monte_carlo(const MonteCarloConfig& config) {
  validate(config);
  // Fail on options before the (possibly long) work, and never on a half-written file.
  resolve_device(config.device, "--device");
  check_output_path(config.out, {{"--embeddings", config.embeddings}});

  auto start = Clock::now();
  const Embeddings embeddings = read_embeddings(config.embeddings);
  if (config.fingerprint_size > embeddings.points()) {
    throw ConfigError("--fingerprint-size " + std::to_string(config.fingerprint_size) +
                      " exceeds the " + std::to_string(embeddings.points()) + " points in " +
                      config.embeddings);
  }
  const double read_s = seconds_since(start);
  {
    // Per sample: its draws (2 x channels), I terms [K] and pair terms [K, K] in float64,
    // the latter several times over while the estimates are formed.
    const double k = static_cast<double>(embeddings.members.size());
    check_memory(
        static_cast<double>(config.samples) *
            (8 + 2 * 8 * static_cast<double>(embeddings.channels()) + 8 * k + 8 * 8 * k * k),
        "--samples " + std::to_string(config.samples),
        "samples x (draws of every channel, and 8 copies of the members x members terms) "
        "in float64");
  }

  const MonteCarloAnalysis analysis = monte_carlo(embeddings, config);

  start = Clock::now();
  write_monte_carlo(config.out, analysis, config);
  return {config.out,
          analysis.members.size(),
          analysis.points,
          analysis.spaces.samples,
          analysis.fingerprint_size,
          read_s,
          analysis.mc_seconds,
          analysis.fingerprint_seconds,
          seconds_since(start)};
}

}  // namespace infofrag
