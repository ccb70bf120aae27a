// infofrag hotspots: planted groups are recovered, fragment statistics add up, and bad input
// leaves the analysis file as it was.
#include <filesystem>
#include <map>
#include <set>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/hotspots/hotspots.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/synth/synth.hpp"
#include "support.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

using infofrag::test::TempDir;

namespace {

/// A synthetic ensemble (each member encodes every factor in one channel, the rest are
/// uninformative) analyzed into dir/analysis.h5. Returns each channel's planted factor.
std::vector<std::string> planted_analysis(const TempDir& dir, const std::string& noise) {
  infofrag::SynthConfig s;
  s.points = 400;
  s.members = 10;
  s.dims = 6;
  s.noise = infofrag::fields::parse<std::vector<double>>(noise);
  s.seed = 3;
  s.out = dir.path("embeddings.h5");
  const auto embeddings = infofrag::synthesize(s);
  infofrag::write_embeddings(s.out, embeddings);
  infofrag::AnalyzeConfig a;
  a.embeddings = s.out;
  a.out = dir.path("analysis.h5");
  a.progress = false;
  infofrag::run_analyze(a);
  std::vector<std::string> planted;
  for (const auto& member : embeddings.members) {
    const auto factors = std::get<std::vector<std::string>>(member.attrs.at("channel_factors"));
    planted.insert(planted.end(), factors.begin(), factors.end());
  }
  return planted;
}

}  // namespace

TEST_CASE("hotspots recovers the groups planted by synth", "[hotspots]") {
  TempDir dir;
  const auto planted = planted_analysis(dir, "0.1");
  infofrag::HotspotsConfig c;
  c.analysis = dir.path("analysis.h5");
  c.min_samples = 5;
  for (const std::string distance : {"vi", "nmi"}) {
    INFO(distance);
    c.distance = infofrag::fields::parse<infofrag::ChannelDistance>(distance);
    const infofrag::HotspotsReport report = infofrag::run_hotspots(c);
    const auto file = infofrag::h5::File::open(c.analysis);
    const auto label = file.read("/hotspots/label", torch::kInt64);
    // The report the command prints is the table the file holds.
    CHECK(report.channels == label.size(0));
    CHECK(report.kept == file.read("/hotspots/kept", torch::kInt64).size(0));
    REQUIRE(static_cast<double>(report.hotspots.size()) ==
            file.read_number_attr("/hotspots", "count"));
    CHECK(report.medoid_member == file.read_strings("/hotspots/table/medoid_member"));
    const auto medoid_dim = file.read("/hotspots/table/medoid_dim", torch::kInt64);
    for (size_t h = 0; h < report.hotspots.size(); ++h) {
      CHECK(report.medoid_dim[h] == medoid_dim[static_cast<int64_t>(h)].item<int64_t>());
      CHECK(report.hotspots[h].medoid >= 0);
    }
    // Each planted factor is exactly one hotspot holding all its channels, and the
    // uninformative channels are dropped or noise.
    std::map<std::string, std::set<int64_t>> hotspots_of;
    std::map<int64_t, std::set<std::string>> factors_in;
    for (size_t i = 0; i < planted.size(); ++i) {
      const int64_t l = label[static_cast<int64_t>(i)].item<int64_t>();
      if (planted[i] == "none") {
        CHECK(l < 0);
        continue;
      }
      hotspots_of[planted[i]].insert(l);
      factors_in[l].insert(planted[i]);
    }
    CHECK(hotspots_of.size() == 4);
    for (const auto& [factor, hotspots] : hotspots_of) {
      INFO(factor);
      CHECK(hotspots.size() == 1);
      CHECK(*hotspots.begin() >= 0);
    }
    for (const auto& [l, factors] : factors_in) CHECK(factors.size() == 1);
    CHECK(file.read_number_attr("/hotspots", "count") == 4);
    // The table: every planted hotspot recurs in all 10 members and names its factor.
    const auto best = file.read_strings("/hotspots/table/best_factor");
    const auto members = file.read("/hotspots/table/members", torch::kInt64);
    const auto size = file.read("/hotspots/table/size", torch::kInt64);
    const auto medoid = file.read("/hotspots/table/medoid", torch::kInt64);
    for (int64_t h = 0; h < 4; ++h) {
      CHECK(members[h].item<int64_t>() == 10);
      CHECK(size[h].item<int64_t>() == 10);
      CHECK(best[static_cast<size_t>(h)] ==
            planted[static_cast<size_t>(medoid[h].item<int64_t>())]);
      CHECK(label[medoid[h].item<int64_t>()].item<int64_t>() == h);
    }
    // Fragment statistics add up: member counts sum to sizes, factor shares to 1.
    const auto counts = file.read("/hotspots/member_counts", torch::kInt64);
    CHECK(torch::equal(counts.sum(0), size));
    const auto share = file.read("/hotspots/factor_share", torch::kFloat64);
    CHECK(share.sum(1).sub(1).abs().max().item<double>() < 1e-12);
    // Ordering covers the kept channels once; reachability is inf only where a run starts.
    const auto kept = file.read("/hotspots/kept", torch::kInt64);
    const auto ordering = file.read("/hotspots/ordering", torch::kInt64);
    CHECK(torch::equal(std::get<0>(ordering.sort()), kept));
  }
}

TEST_CASE("hotspots per swept value: every value equals a run over its members alone",
          "[hotspots]") {
  TempDir dir;
  // synth members carry their noise level as an attribute, cycled over the members: a
  // three-valued "sweep" of 4, 3 and 3 members.
  planted_analysis(dir, "0.05,0.2,0.5");
  infofrag::HotspotsConfig c;
  c.analysis = dir.path("analysis.h5");
  c.min_samples = 3;
  c.sweep_attr = "noise";
  infofrag::run_hotspots(c);
  const auto file = infofrag::h5::File::open(c.analysis);
  CHECK(file.read_string_attr("/hotspots/sweep", "attribute") == std::vector<std::string>{"noise"});
  const auto values = file.read("/hotspots/sweep/values", torch::kFloat64);
  const auto channels = file.read("/hotspots/sweep/channels", torch::kInt64);
  const auto count = file.read("/hotspots/sweep/count", torch::kInt64);
  const auto mean_size = file.read("/hotspots/sweep/mean_size", torch::kFloat64);
  const auto mean_recurrence = file.read("/hotspots/sweep/mean_recurrence", torch::kFloat64);
  const std::vector<double> levels = {0.05, 0.2, 0.5};
  const std::vector<int64_t> members_of = {4, 3, 3};
  REQUIRE(values.size(0) == 3);
  for (const auto* t : {&channels, &count, &mean_size, &mean_recurrence}) {
    CHECK(t->size(0) == 3);
  }

  const auto embeddings = infofrag::read_embeddings(dir.path("embeddings.h5"));
  for (int64_t v = 0; v < 3; ++v) {
    const double level = levels[static_cast<size_t>(v)];
    INFO("noise " << level);
    CHECK(values[v].item<double>() == Approx(level));
    // The planted answer: each member encodes the 4 factors in one channel each, and every
    // factor is one hotspot shared by all of this value's members.
    const int64_t members = members_of[static_cast<size_t>(v)];
    CHECK(channels[v].item<int64_t>() == 4 * members);
    CHECK(count[v].item<int64_t>() == 4);
    CHECK(mean_size[v].item<double>() == Approx(static_cast<double>(members)));
    CHECK(mean_recurrence[v].item<double>() == Approx(1.0));

    // The independent answer: this value's members alone, analyzed and clustered by a plain
    // (unswept) run.
    infofrag::Embeddings subset = embeddings;
    subset.members.clear();
    for (const auto& m : embeddings.members) {
      if (std::get<double>(m.attrs.at("noise")) == values[v].item<double>()) {
        subset.members.push_back(m);
      }
    }
    REQUIRE(static_cast<int64_t>(subset.members.size()) == members);
    const std::string name = "value_" + std::to_string(v);
    infofrag::write_embeddings(dir.path(name + "_embeddings.h5"), subset);
    infofrag::AnalyzeConfig a;
    a.embeddings = dir.path(name + "_embeddings.h5");
    a.out = dir.path(name + "_analysis.h5");
    a.progress = false;
    infofrag::run_analyze(a);
    infofrag::HotspotsConfig alone = c;
    alone.analysis = a.out;
    alone.sweep_attr = "";
    infofrag::run_hotspots(alone);
    const auto f = infofrag::h5::File::open(a.out);
    CHECK(channels[v].item<int64_t>() == f.read("/hotspots/kept", torch::kInt64).size(0));
    CHECK(count[v].item<int64_t>() ==
          static_cast<int64_t>(f.read_number_attr("/hotspots", "count")));
    if (count[v].item<int64_t>() > 0) {
      CHECK(mean_size[v].item<double>() == Approx(f.read("/hotspots/table/size", torch::kInt64)
                                                      .to(torch::kFloat64)
                                                      .mean()
                                                      .item<double>()));
      CHECK(mean_recurrence[v].item<double>() ==
            Approx(f.read("/hotspots/table/recurrence", torch::kFloat64).mean().item<double>()));
    }
  }
}

TEST_CASE("hotspots: bad input gets a clear error and leaves the analysis file as it was",
          "[hotspots]") {
  TempDir dir;
  planted_analysis(dir, "0.1");
  const std::string path = dir.path("analysis.h5");
  const std::string before = infofrag::test::read_text(path);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--min-info-bits", "100"}, "less than --min-info-bits"},
      {{"--min-samples", "200"}, "fewer than --min-samples 200"},
      {{"--distance", "cosine"}, "--distance = 'cosine'"},
  };
  for (const auto& bad : cases) {
    std::vector<std::string> args = {"hotspots", "--analysis", path};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    const auto run = infofrag::test::run_cli(args);
    INFO(run.err);
    CHECK(run.code == 1);
    CHECK_THAT(run.err, Catch::Contains(bad.message));
    CHECK(infofrag::test::read_text(path) == before);
    CHECK(dir.files().size() == 2);  // embeddings.h5, analysis.h5: no temporary left
  }
  // A file without the similarity matrices (here: an embeddings file).
  const std::string other = dir.path("embeddings.h5");
  const std::string other_before = infofrag::test::read_text(other);
  const auto run = infofrag::test::run_cli({"hotspots", "--analysis", other});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains(other) && Catch::Contains("/channels/member"));
  CHECK(infofrag::test::read_text(other) == other_before);
  // One with channels but without /similarity.
  {
    auto file = infofrag::h5::File::create(dir.path("partial.h5"));
    file.write_strings("/channels/member", {"a", "b"});
    file.write("/channels/dim", torch::zeros({2}, torch::kInt64));
    file.write("/channels/info_bits", torch::ones({2}, torch::kFloat64));
  }
  const auto partial = infofrag::test::run_cli({"hotspots", "--analysis", dir.path("partial.h5")});
  CHECK(partial.code == 1);
  CHECK_THAT(partial.err, Catch::Contains("/similarity/nmi"));
}
