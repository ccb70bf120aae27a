#include "infofrag/hotspots/hotspots.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "infofrag/core/error.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"

namespace infofrag {

namespace {

constexpr int64_t kDropped = -2;

}  // namespace

void validate(const HotspotsConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
  fields::check_files(config, "--");
}

namespace {

OpticsOptions optics_options(const HotspotsConfig& c) {
  OpticsOptions o;
  o.min_samples = c.min_samples;
  o.xi = c.xi;
  o.max_eps = c.max_eps;
  o.min_cluster_size = c.min_cluster_size;
  o.compat = c.optics_compat;
  return o;
}

/// Hotspot table and labels for OPTICS over the channels `kept`.
std::vector<Hotspot> describe(const AnalysisContents& view, const torch::Tensor& distance,
                              const std::vector<int64_t>& kept, const OpticsResult& optics,
                              int64_t member_total) {
  int64_t count = 0;
  for (int64_t l : optics.labels) count = std::max(count, l + 1);
  std::vector<Hotspot> table(static_cast<size_t>(count));
  for (int64_t h = 0; h < count; ++h) {
    std::vector<int64_t> channels;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (optics.labels[i] == h) channels.push_back(kept[i]);
    }
    Hotspot& s = table[static_cast<size_t>(h)];
    s.size = static_cast<int64_t>(channels.size());
    std::set<std::string> members;
    double info = 0, nmi = 0, best_sum = INFINITY;
    for (int64_t a : channels) {
      members.insert(view.channel_member[static_cast<size_t>(a)]);
      info += view.info_bits[a].item<double>();
      double sum = 0;
      for (int64_t b : channels) {
        sum += distance[a][b].item<double>();
        if (a != b) nmi += view.nmi[a][b].item<double>();
      }
      if (sum < best_sum) {
        best_sum = sum;
        s.medoid = a;
      }
    }
    s.members = static_cast<int64_t>(members.size());
    s.recurrence = static_cast<double>(s.members) / static_cast<double>(member_total);
    s.mean_info_bits = info / static_cast<double>(s.size);
    s.mean_nmi = s.size > 1 ? nmi / static_cast<double>(s.size * (s.size - 1)) : 1.0;
    if (view.label_nmi.defined()) {
      const auto index = torch::tensor(channels, torch::kInt64);
      const auto mean = view.label_nmi.index_select(0, index).mean(0);  // [F]
      const int64_t f = mean.argmax().item<int64_t>();
      s.best_factor = view.factor_names[static_cast<size_t>(f)];
      s.best_factor_nmi = mean[f].item<double>();
    }
  }
  return table;
}

std::vector<int64_t> channels_above_floor(const AnalysisContents& view, double floor,
                                          const std::vector<int64_t>& candidates) {
  std::vector<int64_t> kept;
  for (int64_t c : candidates) {
    if (view.info_bits[c].item<double>() >= floor) kept.push_back(c);
  }
  return kept;
}

torch::Tensor submatrix(const torch::Tensor& matrix, const std::vector<int64_t>& rows) {
  const auto index = torch::tensor(rows, torch::kInt64);
  return matrix.index_select(0, index).index_select(1, index);
}

}  // namespace

torch::Tensor channel_distance(const AnalysisContents& view, ChannelDistance distance) {
  switch (distance) {
    case ChannelDistance::kVi:
      return view.vi_bits.clamp_min(0.0);
    case ChannelDistance::kNmi:
      return -torch::log(view.nmi.clamp_min(1e-4));
  }
  TORCH_CHECK(false, "unknown channel distance");
}

HotspotsResult find_hotspots(const AnalysisContents& view, const HotspotsConfig& config) {
  fields::check(config, "--");
  const torch::Tensor distance = channel_distance(view, config.distance);
  const int64_t m = view.info_bits.size(0);
  std::vector<int64_t> all(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) all[static_cast<size_t>(i)] = i;

  HotspotsResult r;
  r.kept = channels_above_floor(view, config.min_info_bits, all);
  if (r.kept.empty()) {
    throw InputError("every one of the " + std::to_string(m) +
                     " channels carries less than --min-info-bits " +
                     std::to_string(config.min_info_bits) + " bits; nothing to cluster");
  }
  if (static_cast<int64_t>(r.kept.size()) < config.min_samples) {
    throw InputError(std::to_string(r.kept.size()) + " channels carry at least " +
                     std::to_string(config.min_info_bits) + " bits, fewer than --min-samples " +
                     std::to_string(config.min_samples) + "; lower --min-samples");
  }
  r.optics = optics(submatrix(distance, r.kept), optics_options(config));
  r.label.assign(static_cast<size_t>(m), kDropped);
  for (size_t i = 0; i < r.kept.size(); ++i)
    r.label[static_cast<size_t>(r.kept[i])] = r.optics.labels[i];
  const int64_t k = static_cast<int64_t>(view.members.size());
  r.hotspots = describe(view, distance, r.kept, r.optics, k);
  const int64_t h = static_cast<int64_t>(r.hotspots.size());

  std::map<std::string, int64_t> member_row;
  for (int64_t i = 0; i < k; ++i) member_row[view.members[static_cast<size_t>(i)]] = i;
  r.member_counts = torch::zeros({k, h}, torch::kInt64);
  for (int64_t c = 0; c < m; ++c) {
    const int64_t l = r.label[static_cast<size_t>(c)];
    if (l >= 0) r.member_counts[member_row.at(view.channel_member[static_cast<size_t>(c)])][l] += 1;
  }
  if (view.label_nmi.defined()) {
    const int64_t f = view.label_nmi.size(1);
    r.factor_mean_nmi = torch::zeros({f, h}, torch::kFloat64);
    for (int64_t j = 0; j < h; ++j) {
      std::vector<int64_t> channels;
      for (int64_t c = 0; c < m; ++c) {
        if (r.label[static_cast<size_t>(c)] == j) channels.push_back(c);
      }
      r.factor_mean_nmi.select(1, j).copy_(
          view.label_nmi.index_select(0, torch::tensor(channels, torch::kInt64)).mean(0));
    }
    const auto total = r.factor_mean_nmi.clamp_min(0).sum(1, /*keepdim=*/true);
    r.factor_share = torch::where(total > 0, r.factor_mean_nmi.clamp_min(0) / total,
                                  torch::zeros_like(r.factor_mean_nmi));
  }

  if (view.member_values.defined()) {
    std::vector<double> values;
    for (int64_t i = 0; i < k; ++i) values.push_back(view.member_values[i].item<double>());
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const auto v = static_cast<int64_t>(values.size());
    r.sweep_values = torch::tensor(values, torch::kFloat64);
    r.sweep_channels = torch::zeros({v}, torch::kInt64);
    r.sweep_count = torch::zeros({v}, torch::kInt64);
    r.sweep_mean_size = torch::zeros({v}, torch::kFloat64);
    r.sweep_mean_recurrence = torch::zeros({v}, torch::kFloat64);
    for (int64_t s = 0; s < v; ++s) {
      std::vector<int64_t> candidates;
      int64_t members = 0;
      for (int64_t i = 0; i < k; ++i) {
        if (view.member_values[i].item<double>() != values[static_cast<size_t>(s)]) continue;
        ++members;
        for (int64_t c = 0; c < m; ++c) {
          if (view.channel_member[static_cast<size_t>(c)] == view.members[static_cast<size_t>(i)]) {
            candidates.push_back(c);
          }
        }
      }
      const auto kept = channels_above_floor(view, config.min_info_bits, candidates);
      r.sweep_channels[s] = static_cast<int64_t>(kept.size());
      if (static_cast<int64_t>(kept.size()) < std::max<int64_t>(config.min_samples, 2)) continue;
      const auto result = optics(submatrix(distance, kept), optics_options(config));
      const auto table = describe(view, distance, kept, result, members);
      r.sweep_count[s] = static_cast<int64_t>(table.size());
      double size = 0, recurrence = 0;
      for (const auto& t : table) {
        size += static_cast<double>(t.size);
        recurrence += t.recurrence;
      }
      if (!table.empty()) {
        r.sweep_mean_size[s] = size / static_cast<double>(table.size());
        r.sweep_mean_recurrence[s] = recurrence / static_cast<double>(table.size());
      }
    }
  }
  return r;
}

HotspotsReport run_hotspots(const HotspotsConfig& config) {
  validate(config);
  // Update a copy and rename it over the original (through a link), so a failure leaves the
  // file as it was; the update fails rather than lose another writer's result.
  FileUpdate update(config.analysis, "--analysis");
  AnalysisParts parts;
  parts.similarity = true;
  parts.member_attr = config.sweep_attr;
  const AnalysisContents view = read_analysis(config.analysis, parts);
  const HotspotsResult r = find_hotspots(view, config);

  HotspotsSection s;
  const auto ints = [](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kInt64); };
  const auto reals = [](const std::vector<double>& v) { return torch::tensor(v, torch::kFloat64); };
  std::vector<int64_t> ordering, predecessor;
  std::vector<double> reachability, core_distance;
  for (int64_t i : r.optics.ordering) {
    ordering.push_back(r.kept[static_cast<size_t>(i)]);
    const int64_t p = r.optics.predecessor[static_cast<size_t>(i)];
    predecessor.push_back(p < 0 ? -1 : r.kept[static_cast<size_t>(p)]);
    reachability.push_back(r.optics.reachability[static_cast<size_t>(i)]);
    core_distance.push_back(r.optics.core_distances[static_cast<size_t>(i)]);
  }
  s.kept = ints(r.kept);
  s.label = ints(r.label);
  s.ordering = ints(ordering);
  s.reachability = reals(reachability);
  s.core_distance = reals(core_distance);
  s.predecessor = ints(predecessor);
  s.count = static_cast<int64_t>(r.hotspots.size());
  std::vector<int64_t> size, members, medoid, medoid_dim;
  std::vector<double> recurrence, info, nmi, best_nmi;
  for (const auto& h : r.hotspots) {
    size.push_back(h.size);
    members.push_back(h.members);
    recurrence.push_back(h.recurrence);
    info.push_back(h.mean_info_bits);
    nmi.push_back(h.mean_nmi);
    s.best_factor.push_back(h.best_factor);
    best_nmi.push_back(h.best_factor_nmi);
    medoid.push_back(h.medoid);
    s.medoid_member.push_back(view.channel_member[static_cast<size_t>(h.medoid)]);
    medoid_dim.push_back(view.channel_dim[h.medoid].item<int64_t>());
  }
  s.size = ints(size);
  s.members = ints(members);
  s.recurrence = reals(recurrence);
  s.mean_info_bits = reals(info);
  s.mean_nmi = reals(nmi);
  s.best_factor_nmi = reals(best_nmi);
  s.medoid = ints(medoid);
  s.medoid_dim = ints(medoid_dim);
  s.member_counts = r.member_counts;
  s.factor_mean_nmi = r.factor_mean_nmi;
  s.factor_share = r.factor_share;
  if (r.sweep_values.defined()) {
    s.sweep_attr = config.sweep_attr;
    s.sweep_values = r.sweep_values;
    s.sweep_channels = r.sweep_channels;
    s.sweep_count = r.sweep_count;
    s.sweep_mean_size = r.sweep_mean_size;
    s.sweep_mean_recurrence = r.sweep_mean_recurrence;
  }
  s.distance = fields::format(config.distance);
  s.config = fields::ini_text(config);
  s.min_info_bits = config.min_info_bits;
  s.min_samples = config.min_samples;
  s.xi = config.xi;
  s.max_eps = config.max_eps;
  s.optics_compat = fields::format(config.optics_compat);
  {
    h5::File file = h5::File::open_for_update(update.copy());
    write_hotspots(file, s);
  }
  update.commit();

  HotspotsReport report;
  report.analysis = config.analysis;
  report.channels = view.channels();
  report.kept = static_cast<int64_t>(r.kept.size());
  report.min_info_bits = config.min_info_bits;
  report.hotspots = r.hotspots;
  report.medoid_member = s.medoid_member;
  report.medoid_dim = medoid_dim;
  return report;
}

}  // namespace infofrag
