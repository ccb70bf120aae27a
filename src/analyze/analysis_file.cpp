#include "infofrag/analyze/analysis_file.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "infofrag/core/error.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/version.hpp"

namespace infofrag {

namespace {

const char* const kNotAnalysis = "; is this an analysis file written by infofrag analyze?";

std::string dims(const std::vector<int64_t>& shape) { return shape_string(shape); }

/// Checks that dataset `name` exists with `shape` (-1: any size) and `kind`, before reading.
void require(const h5::File& file, const std::string& name, const std::vector<int64_t>& shape,
             h5::Kind kind, const std::string& why) {
  if (!file.has(name) || file.is_group(name))
    throw InputError(file.where(name) + " is missing" + why);
  const h5::DatasetInfo info = file.info(name);
  bool same = info.shape.size() == shape.size();
  for (size_t i = 0; same && i < shape.size(); ++i)
    same = shape[i] < 0 || shape[i] == info.shape[i];
  if (!same) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
      text += (i ? ", " : "") + (shape[i] < 0 ? std::string("n") : std::to_string(shape[i]));
    }
    throw InputError(file.where(name) + " has shape " + dims(info.shape) + ", expected " + text +
                     "]");
  }
  if (info.kind != kind) {
    const char* names[] = {"float", "integer", "string", "other"};
    throw InputError(file.where(name) + " holds " + names[static_cast<int>(info.kind)] +
                     " values, expected " + names[static_cast<int>(kind)]);
  }
}

torch::Tensor read_finite(const h5::File& file, const std::string& name,
                          const std::vector<int64_t>& shape,
                          const std::string& why = kNotAnalysis) {
  require(file, name, shape, h5::Kind::kFloat, why);
  torch::Tensor t = file.read(name, torch::kFloat64);
  const torch::Tensor bad = torch::isfinite(t).logical_not().flatten().nonzero();
  if (bad.numel() > 0) {
    const int64_t i = bad[0][0].item<int64_t>();
    std::string at = "[" + std::to_string(i) + "]";
    if (t.dim() == 2)
      at = "[" + std::to_string(i / t.size(1)) + ", " + std::to_string(i % t.size(1)) + "]";
    throw InputError(file.where(name) + at + " is " + value_string(t.flatten()[i].item<double>()) +
                     ", expected a finite number");
  }
  return t;
}

torch::Tensor read_integers(const h5::File& file, const std::string& name,
                            const std::vector<int64_t>& shape, int64_t least, int64_t below,
                            const std::string& why = kNotAnalysis) {
  require(file, name, shape, h5::Kind::kInteger, why);
  torch::Tensor t = file.read(name, torch::kInt64);
  const torch::Tensor bad = (t < least).logical_or(t >= below).flatten().nonzero();
  if (bad.numel() > 0) {
    const int64_t i = bad[0][0].item<int64_t>();
    throw InputError(file.where(name) + "[" + std::to_string(i) + "] is " +
                     std::to_string(t.flatten()[i].item<int64_t>()) + ", expected " +
                     std::to_string(least) + " <= value < " + std::to_string(below));
  }
  return t;
}

std::vector<std::string> read_names(const h5::File& file, const std::string& name, int64_t length,
                                    const std::string& why = kNotAnalysis) {
  require(file, name, {length}, h5::Kind::kString, why);
  return file.read_strings(name);
}

constexpr int64_t kNoBound = std::numeric_limits<int64_t>::max();

void read_hotspots(const h5::File& file, AnalysisContents& a) {
  const std::string why = "; run infofrag hotspots first";
  const int64_t m = a.channels();
  if (!file.has("/hotspots/label")) throw InputError(file.where("/hotspots") + " is missing" + why);
  AnalysisHotspots& h = a.hotspots;
  if (!file.is_group("/hotspots/table")) {
    throw InputError(file.where("/hotspots/table") + " is missing" + kNotAnalysis);
  }
  if (file.has("/hotspots/table/medoid")) {
    require(file, "/hotspots/table/medoid", {-1}, h5::Kind::kInteger, kNotAnalysis);
    h.count = file.info("/hotspots/table/medoid").shape[0];
  }
  if (file.has_attr("/hotspots", "count")) {
    const double count = file.read_number_attr("/hotspots", "count");
    if (count != static_cast<double>(h.count)) {
      throw InputError(file.where("/hotspots") + " attribute 'count' is " + value_string(count) +
                       ", but /hotspots/table/medoid has " + std::to_string(h.count) + " rows");
    }
  }
  h.label = read_integers(file, "/hotspots/label", {m}, -2, std::max<int64_t>(h.count, 0));
  if (h.count > 0) {
    h.medoid = read_integers(file, "/hotspots/table/medoid", {h.count}, 0, m);
    h.medoid_member = read_names(file, "/hotspots/table/medoid_member", h.count);
    h.medoid_dim = read_integers(file, "/hotspots/table/medoid_dim", {h.count}, 0, kNoBound);
    for (int64_t i = 0; i < h.count; ++i) {
      const int64_t c = h.medoid[i].item<int64_t>();
      const auto& id = h.medoid_member[static_cast<size_t>(i)];
      if (id != a.channel_member[static_cast<size_t>(c)] ||
          h.medoid_dim[i].item<int64_t>() != a.channel_dim[c].item<int64_t>()) {
        throw InputError(file.where("/hotspots/table/medoid_member") + "[" + std::to_string(i) +
                         "] is '" + id + "' dim " +
                         std::to_string(h.medoid_dim[i].item<int64_t>()) + ", but channel " +
                         std::to_string(c) + " is '" + a.channel_member[static_cast<size_t>(c)] +
                         "' dim " + std::to_string(a.channel_dim[c].item<int64_t>()));
      }
    }
  }
}

}  // namespace

AnalysisContents read_analysis(const std::string& path, const AnalysisParts& parts) {
  const h5::File file = h5::File::open(path);
  AnalysisContents a;
  a.path = path;
  require(file, "/channels/member", {-1}, h5::Kind::kString, kNotAnalysis);
  a.channel_member = file.read_strings("/channels/member");
  const int64_t m = a.channels();
  if (m == 0) throw InputError(file.where("/channels/member") + " is empty; no channels");
  a.channel_dim = read_integers(file, "/channels/dim", {m}, 0, kNoBound);
  a.info_bits = read_finite(file, "/channels/info_bits", {m});
  if (file.has_attr("/", "fingerprint_size")) {
    const double size = file.read_number_attr("/", "fingerprint_size");
    if (!(size >= 0) || size != std::floor(size)) {
      throw InputError(file.where("/") + " attribute 'fingerprint_size' is " + value_string(size) +
                       ", expected a whole number >= 0");
    }
    a.fingerprint_size = static_cast<int64_t>(size);
  }

  if (file.has("/members/id")) {
    a.members = read_names(file, "/members/id", -1);
  } else {  // files written before /members: the ids in channel order
    std::set<std::string> seen;
    for (const auto& id : a.channel_member) {
      if (seen.insert(id).second) a.members.push_back(id);
    }
  }
  const std::set<std::string> known(a.members.begin(), a.members.end());
  if (known.size() != a.members.size()) {
    throw InputError(file.where("/members/id") + " lists a member twice");
  }
  for (size_t c = 0; c < a.channel_member.size(); ++c) {
    if (!known.count(a.channel_member[c])) {
      throw InputError(file.where("/channels/member") + "[" + std::to_string(c) + "] is '" +
                       a.channel_member[c] + "', which /members/id does not list");
    }
  }
  const auto k = static_cast<int64_t>(a.members.size());
  if (!parts.member_attr.empty() && parts.member_attr != "id" &&
      file.has("/members/" + parts.member_attr)) {
    a.member_values = read_finite(file, "/members/" + parts.member_attr, {k});
  }

  if (parts.similarity) {
    const std::string why = "; this stage needs the channel-by-channel similarity matrices";
    a.nmi = read_finite(file, "/similarity/nmi", {m, m}, why);
    a.vi_bits = read_finite(file, "/similarity/vi_bits", {m, m}, why);
  }
  if (parts.labels && (file.has("/labels/nmi") || file.has("/labels/factor_names"))) {
    a.factor_names = read_names(file, "/labels/factor_names", -1);
    const auto f = static_cast<int64_t>(a.factor_names.size());
    a.factor_info_bits = read_finite(file, "/labels/info_bits", {f});
    a.label_nmi = read_finite(file, "/labels/nmi", {m, f});
  }
  if (parts.hotspots) read_hotspots(file, a);
  return a;
}

bool analysis_has_hotspots(const std::string& path) {
  return h5::File::open(path).has("/hotspots/label");
}

void write_analysis(const std::string& path, const Analysis& a, const AnalyzeConfig& config) {
  AtomicFile output(path);
  {
    h5::File file = h5::File::create(output.temp_path());
    file.write_strings("/channels/member", a.channel_member);
    file.write("/channels/dim", a.channel_dim);
    file.write("/channels/info_bits", a.channels.info_bits);
    file.write("/channels/self_pair_bits", a.channels.self_pair_bits);
    file.write("/channels/self_mi_bits", a.channels.self_mi_bits());
    file.write("/similarity/nmi", a.similarity.nmi);
    file.write("/similarity/vi_bits", a.similarity.vi_bits);
    file.write("/similarity/pair_info_bits", a.pair_info_bits);
    if (!a.factor_names.empty()) {
      file.write_strings("/labels/factor_names", a.factor_names);
      file.write("/labels/info_bits", a.factors.info_bits);
      file.write("/labels/nmi", a.labels.nmi);
      file.write("/labels/vi_bits", a.labels.vi_bits);
      file.write("/labels/pair_info_bits", a.label_pair_info_bits);
      file.write("/labels/factor_nmi", a.factor_similarity.nmi);
      file.write("/labels/factor_vi_bits", a.factor_similarity.vi_bits);
    }
    file.write_strings("/members/id", a.members);
    for (const auto& [name, values] : a.member_attrs) {
      if (name != "id") file.write("/members/" + name, values);
    }
    if (a.spaces.info_bits.defined()) {
      file.write_strings("/spaces/member", a.members);
      file.write("/spaces/info_bits", a.spaces.info_bits);
      file.write("/spaces/self_mi_bits", a.spaces.self_mi_bits());
      file.write("/spaces/nmi", a.space_similarity.nmi);
      file.write("/spaces/vi_bits", a.space_similarity.vi_bits);
      file.write("/spaces/channel_nmi", a.channel_spaces.nmi);
      file.write("/spaces/channel_vi_bits", a.channel_spaces.vi_bits);
      if (a.space_labels.nmi.defined()) {
        file.write("/spaces/labels_nmi", a.space_labels.nmi);
        file.write("/spaces/labels_vi_bits", a.space_labels.vi_bits);
      }
    }
    file.set_attr("/", "fingerprint_size", a.fingerprint_size);
    file.set_attr("/", "units", std::string("bits"));
    file.set_attr("/", "infofrag_version", std::string(kVersion));
    file.set_attr("/", "input_file", config.embeddings);
    file.set_attr("/", "dtype", fields::format(config.dtype));
    file.set_attr("/", "device", fields::format(config.device));
    file.set_attr("/", "config", fields::ini_text(config));  // the options, as [analyze] reads them
    file.set_attr("/", "nmi_floor_bits", config.nmi_floor_bits);
    file.set_attr("/", "estimator",
                  std::string("Bhattacharyya pairwise-distance bound (Kolchinsky & Tracey "
                              "2017), generalized NMI/VI (Murphy, Dillavou & Bassett 2025)"));
  }
  output.commit();
}

void write_hotspots(h5::File& file, const HotspotsSection& s) {
  {
    file.remove("/hotspots");
    file.write("/hotspots/kept", s.kept);
    file.write("/hotspots/label", s.label);
    file.write("/hotspots/ordering", s.ordering);
    file.write("/hotspots/reachability", s.reachability);
    file.write("/hotspots/core_distance", s.core_distance);
    file.write("/hotspots/predecessor", s.predecessor);
    file.create_group("/hotspots/table");
    if (s.count > 0) {
      file.write("/hotspots/table/size", s.size);
      file.write("/hotspots/table/members", s.members);
      file.write("/hotspots/table/recurrence", s.recurrence);
      file.write("/hotspots/table/mean_info_bits", s.mean_info_bits);
      file.write("/hotspots/table/mean_nmi", s.mean_nmi);
      file.write_strings("/hotspots/table/best_factor", s.best_factor);
      file.write("/hotspots/table/best_factor_nmi", s.best_factor_nmi);
      file.write("/hotspots/table/medoid", s.medoid);
      file.write_strings("/hotspots/table/medoid_member", s.medoid_member);
      file.write("/hotspots/table/medoid_dim", s.medoid_dim);
      file.write("/hotspots/member_counts", s.member_counts);
      if (s.factor_mean_nmi.defined()) {
        file.write("/hotspots/factor_mean_nmi", s.factor_mean_nmi);
        file.write("/hotspots/factor_share", s.factor_share);
      }
    }
    if (s.sweep_values.defined()) {
      file.write("/hotspots/sweep/values", s.sweep_values);
      file.write("/hotspots/sweep/channels", s.sweep_channels);
      file.write("/hotspots/sweep/count", s.sweep_count);
      file.write("/hotspots/sweep/mean_size", s.sweep_mean_size);
      file.write("/hotspots/sweep/mean_recurrence", s.sweep_mean_recurrence);
      file.set_attr("/hotspots/sweep", "attribute", s.sweep_attr);
    }
    file.set_attr("/hotspots", "distance", s.distance);
    file.set_attr("/hotspots", "config", s.config);
    file.set_attr("/hotspots", "min_info_bits", s.min_info_bits);
    file.set_attr("/hotspots", "min_samples", s.min_samples);
    file.set_attr("/hotspots", "xi", s.xi);
    file.set_attr("/hotspots", "max_eps", s.max_eps);
    file.set_attr("/hotspots", "optics_compat", s.optics_compat);
    file.set_attr("/hotspots", "count", s.count);
  }
}

}  // namespace infofrag
