#include "infofrag/hotspots/hotspots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "infofrag/core/error.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"

namespace infofrag {

namespace {

constexpr int64_t kDropped = -2;

torch::Tensor required(const h5::File& file, const std::string& name, torch::Dtype dtype,
                       const std::string& why) {
  if (!file.has(name)) throw InputError(file.where(name) + " is missing; " + why);
  return file.read(name, dtype);
}

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
std::vector<Hotspot> describe(const AnalysisView& view, const torch::Tensor& distance,
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

std::vector<int64_t> channels_above_floor(const AnalysisView& view, double floor,
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

AnalysisView read_analysis_view(const std::string& path, const std::string& sweep_attr) {
  const h5::File file = h5::File::open(path);
  const std::string why = "is this an analysis file written by infofrag analyze?";
  AnalysisView v;
  if (!file.has("/channels/member")) {
    throw InputError(file.where("/channels/member") + " is missing; " + why);
  }
  v.channel_member = file.read_strings("/channels/member");
  v.channel_dim = required(file, "/channels/dim", torch::kInt64, why);
  v.info_bits = required(file, "/channels/info_bits", torch::kFloat64, why);
  const std::string no_matrix = "hotspots needs the channel-by-channel similarity matrices";
  v.nmi = required(file, "/similarity/nmi", torch::kFloat64, no_matrix);
  v.vi_bits = required(file, "/similarity/vi_bits", torch::kFloat64, no_matrix);
  const int64_t m = static_cast<int64_t>(v.channel_member.size());
  for (const auto& [name, t] : {std::pair<const char*, torch::Tensor>{"/similarity/nmi", v.nmi},
                                {"/similarity/vi_bits", v.vi_bits}}) {
    if (t.dim() != 2 || t.size(0) != m || t.size(1) != m) {
      throw InputError(file.where(name) + " has shape " + shape_string(t.sizes().vec()) +
                       ", expected [" + std::to_string(m) + ", " + std::to_string(m) + "]");
    }
  }
  if (file.has("/labels/nmi")) {
    v.factor_names = file.read_strings("/labels/factor_names");
    v.label_nmi = file.read("/labels/nmi", torch::kFloat64);
  }
  if (file.has("/members/id")) {
    v.members = file.read_strings("/members/id");
  } else {
    std::set<std::string> seen;
    for (const auto& id : v.channel_member) {
      if (seen.insert(id).second) v.members.push_back(id);
    }
  }
  if (!sweep_attr.empty() && file.has("/members/" + sweep_attr)) {
    v.sweep_values = file.read("/members/" + sweep_attr, torch::kFloat64);
  }
  return v;
}

torch::Tensor channel_distance(const AnalysisView& view, ChannelDistance distance) {
  switch (distance) {
    case ChannelDistance::kVi:
      return view.vi_bits.clamp_min(0.0);
    case ChannelDistance::kNmi:
      return -torch::log(view.nmi.clamp_min(1e-4));
  }
  TORCH_CHECK(false, "unknown channel distance");
}

HotspotsResult find_hotspots(const AnalysisView& view, const HotspotsConfig& config) {
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

  if (view.sweep_values.defined()) {
    std::vector<double> values;
    for (int64_t i = 0; i < k; ++i) values.push_back(view.sweep_values[i].item<double>());
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
        if (view.sweep_values[i].item<double>() != values[static_cast<size_t>(s)]) continue;
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

int run_hotspots(const HotspotsConfig& config) {
  validate(config);
  // Update a copy and rename it over the original (through a link), so a failure leaves the
  // file as it was; the update fails rather than lose another writer's result.
  FileUpdate update(config.analysis, "--analysis");
  const AnalysisView view = read_analysis_view(config.analysis, config.sweep_attr);
  const HotspotsResult r = find_hotspots(view, config);

  {
    h5::File file = h5::File::open_for_update(update.copy());
    file.remove("/hotspots");
    const auto ordered = [&](const std::vector<double>& per_point) {
      std::vector<double> v;
      for (int64_t i : r.optics.ordering) v.push_back(per_point[static_cast<size_t>(i)]);
      return torch::tensor(v, torch::kFloat64);
    };
    std::vector<int64_t> ordering, predecessor;
    for (int64_t i : r.optics.ordering) {
      ordering.push_back(r.kept[static_cast<size_t>(i)]);
      const int64_t p = r.optics.predecessor[static_cast<size_t>(i)];
      predecessor.push_back(p < 0 ? -1 : r.kept[static_cast<size_t>(p)]);
    }
    file.write("/hotspots/kept", torch::tensor(r.kept, torch::kInt64));
    file.write("/hotspots/label", torch::tensor(r.label, torch::kInt64));
    file.write("/hotspots/ordering", torch::tensor(ordering, torch::kInt64));
    file.write("/hotspots/reachability", ordered(r.optics.reachability));
    file.write("/hotspots/core_distance", ordered(r.optics.core_distances));
    file.write("/hotspots/predecessor", torch::tensor(predecessor, torch::kInt64));
    std::vector<int64_t> size, members, medoid, medoid_dim;
    std::vector<double> recurrence, info, nmi, best_nmi;
    std::vector<std::string> best, medoid_member;
    for (const auto& s : r.hotspots) {
      size.push_back(s.size);
      members.push_back(s.members);
      recurrence.push_back(s.recurrence);
      info.push_back(s.mean_info_bits);
      nmi.push_back(s.mean_nmi);
      best.push_back(s.best_factor);
      best_nmi.push_back(s.best_factor_nmi);
      medoid.push_back(s.medoid);
      medoid_member.push_back(view.channel_member[static_cast<size_t>(s.medoid)]);
      medoid_dim.push_back(view.channel_dim[s.medoid].item<int64_t>());
    }
    file.create_group("/hotspots/table");
    if (!r.hotspots.empty()) {
      file.write("/hotspots/table/size", torch::tensor(size, torch::kInt64));
      file.write("/hotspots/table/members", torch::tensor(members, torch::kInt64));
      file.write("/hotspots/table/recurrence", torch::tensor(recurrence, torch::kFloat64));
      file.write("/hotspots/table/mean_info_bits", torch::tensor(info, torch::kFloat64));
      file.write("/hotspots/table/mean_nmi", torch::tensor(nmi, torch::kFloat64));
      file.write_strings("/hotspots/table/best_factor", best);
      file.write("/hotspots/table/best_factor_nmi", torch::tensor(best_nmi, torch::kFloat64));
      file.write("/hotspots/table/medoid", torch::tensor(medoid, torch::kInt64));
      file.write_strings("/hotspots/table/medoid_member", medoid_member);
      file.write("/hotspots/table/medoid_dim", torch::tensor(medoid_dim, torch::kInt64));
      file.write("/hotspots/member_counts", r.member_counts);
      if (r.factor_mean_nmi.defined()) {
        file.write("/hotspots/factor_mean_nmi", r.factor_mean_nmi);
        file.write("/hotspots/factor_share", r.factor_share);
      }
    }
    if (r.sweep_values.defined()) {
      file.write("/hotspots/sweep/values", r.sweep_values);
      file.write("/hotspots/sweep/channels", r.sweep_channels);
      file.write("/hotspots/sweep/count", r.sweep_count);
      file.write("/hotspots/sweep/mean_size", r.sweep_mean_size);
      file.write("/hotspots/sweep/mean_recurrence", r.sweep_mean_recurrence);
      file.set_attr("/hotspots/sweep", "attribute", config.sweep_attr);
    }
    file.set_attr("/hotspots", "distance", fields::format(config.distance));
    file.set_attr("/hotspots", "config", fields::ini_text(config));
    file.set_attr("/hotspots", "min_info_bits", config.min_info_bits);
    file.set_attr("/hotspots", "min_samples", config.min_samples);
    file.set_attr("/hotspots", "xi", config.xi);
    file.set_attr("/hotspots", "max_eps", config.max_eps);
    file.set_attr("/hotspots", "optics_compat", fields::format(config.optics_compat));
    file.set_attr("/hotspots", "count", static_cast<int64_t>(r.hotspots.size()));
  }
  update.commit();

  std::printf("hotspots in %s: %zu of %lld channels kept (I >= %g bits), %zu hotspots\n",
              config.analysis.c_str(), r.kept.size(),
              static_cast<long long>(view.info_bits.size(0)), config.min_info_bits,
              r.hotspots.size());
  std::printf("  %3s %5s %8s %10s %9s %8s  %-14s %7s  %s\n", "#", "size", "members", "recurrence",
              "I bits", "NMI in", "best factor", "NMI", "medoid");
  for (size_t h = 0; h < r.hotspots.size(); ++h) {
    const auto& s = r.hotspots[h];
    std::printf("  %3zu %5lld %8lld %10.2f %9.3f %8.3f  %-14s %7.3f  %s/%lld\n", h,
                static_cast<long long>(s.size), static_cast<long long>(s.members), s.recurrence,
                s.mean_info_bits, s.mean_nmi, s.best_factor.empty() ? "-" : s.best_factor.c_str(),
                s.best_factor_nmi, view.channel_member[static_cast<size_t>(s.medoid)].c_str(),
                static_cast<long long>(view.channel_dim[s.medoid].item<int64_t>()));
  }
  return 0;
}

}  // namespace infofrag
