// The analysis file's checked reader: every malformed case named by issue #15 fails through
// the CLI (summarize, hotspots, traverse) with one line naming the file and the dataset, a
// non-zero exit, and nothing written; files as analyze and hotspots write them read back.
#include <algorithm>
#include <filesystem>
#include <functional>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/analyze/analyze.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/hotspots/hotspots.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/synth/synth.hpp"
#include "support.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::test::read_text;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

namespace {

constexpr int64_t kMembers = 6, kDims = 4, kChannels = kMembers * kDims;

/// dir/e.h5 (synthetic, 4 factors) analyzed into dir/a.h5 with hotspots; dir/ens/members
/// exists so that traverse gets as far as reading the analysis file.
void good_files(const TempDir& dir) {
  infofrag::SynthConfig s;
  s.points = 200;
  s.members = kMembers;
  s.dims = kDims;
  s.noise = {0.1};
  s.seed = 1;
  s.out = dir.path("e.h5");
  infofrag::write_embeddings(s.out, infofrag::synthesize(s));
  infofrag::AnalyzeConfig a;
  a.embeddings = s.out;
  a.out = dir.path("a.h5");
  a.progress = false;
  infofrag::run_analyze(a);
  infofrag::HotspotsConfig h;
  h.analysis = a.out;
  h.min_samples = 3;
  infofrag::run_hotspots(h);
  fs::create_directories(dir.path("ens/members"));
}

using Edit = std::function<void(infofrag::h5::File&)>;

/// A copy of dir/a.h5 at dir/bad.h5 with `edit` applied.
std::string damaged(const TempDir& dir, const Edit& edit) {
  const std::string bad = dir.path("bad.h5");
  fs::copy_file(dir.path("a.h5"), bad, fs::copy_options::overwrite_existing);
  {
    auto file = infofrag::h5::File::open_for_update(bad);
    edit(file);
  }
  return bad;
}

Edit replace(const std::string& name, const torch::Tensor& value) {
  return [=](infofrag::h5::File& f) {
    f.remove(name);
    f.write(name, value);
  };
}

Edit replace_strings(const std::string& name, const std::vector<std::string>& value) {
  return [=](infofrag::h5::File& f) {
    f.remove(name);
    f.write_strings(name, value);
  };
}

Edit remove_object(const std::string& name) {
  return [=](infofrag::h5::File& f) { f.remove(name); };
}

/// Runs `command` on `bad`; checks exit 1, one line of error naming the file and `dataset`
/// (and `value` when given), and that nothing was written.
void fails(const TempDir& dir, const std::string& command, const std::string& bad,
           const std::string& dataset, const std::string& value = "") {
  INFO(command << " on " << dataset);
  const std::string before = read_text(bad);
  std::vector<std::string> args = {command, "--analysis", bad};
  if (command == "traverse") {
    args.insert(args.end(), {"--embeddings", dir.path("e.h5"), "--ensemble", dir.path("ens"),
                             "--out", dir.path("t.h5")});
  }
  const auto run = run_cli(args);
  CHECK(run.code == 1);
  CHECK(run.out.empty());
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  CHECK_THAT(run.err, Catch::Contains(bad) && Catch::Contains(dataset));
  if (!value.empty()) CHECK_THAT(run.err, Catch::Contains(value));
  CHECK(read_text(bad) == before);  // hotspots leaves the file as it was
  CHECK_FALSE(fs::exists(dir.path("t.h5")));
  for (const auto& name : dir.files()) CHECK(name.find(".tmp") == std::string::npos);
}

}  // namespace

TEST_CASE("analysis file: the reader gives back what analyze and hotspots wrote",
          "[analyze][analysis_file]") {
  TempDir dir;
  good_files(dir);
  infofrag::AnalysisParts parts;
  parts.similarity = true;
  parts.hotspots = true;
  parts.member_attr = "noise";
  const auto a = infofrag::read_analysis(dir.path("a.h5"), parts);
  CHECK(a.channels() == kChannels);
  CHECK(a.members.size() == static_cast<size_t>(kMembers));
  CHECK(a.nmi.sizes() == std::vector<int64_t>{kChannels, kChannels});
  CHECK(a.factor_names.size() == 4);
  CHECK(a.label_nmi.sizes() == std::vector<int64_t>{kChannels, 4});
  CHECK(a.member_values.size(0) == kMembers);
  CHECK(a.fingerprint_size == 200);
  REQUIRE(a.hotspots.count > 0);
  CHECK(a.hotspots.label.size(0) == kChannels);
  const auto file = infofrag::h5::File::open(dir.path("a.h5"));
  CHECK(torch::equal(a.hotspots.medoid, file.read("/hotspots/table/medoid", torch::kInt64)));
  CHECK(a.hotspots.medoid_member == file.read_strings("/hotspots/table/medoid_member"));
  CHECK(infofrag::analysis_has_hotspots(dir.path("a.h5")));

  // A stage that does not ask for a part does not need it.
  const std::string bare = damaged(dir, [](infofrag::h5::File& f) {
    f.remove("/similarity");
    f.remove("/hotspots");
    f.remove("/labels");
  });
  const auto b = infofrag::read_analysis(bare, {});
  CHECK(b.channels() == kChannels);
  CHECK(b.factor_names.empty());
  CHECK_FALSE(b.nmi.defined());
  CHECK_FALSE(infofrag::analysis_has_hotspots(bare));
}

TEST_CASE("analysis file: malformed files fail in summarize, hotspots and traverse",
          "[analyze][analysis_file][cli]") {
  TempDir dir;
  good_files(dir);
  const std::vector<std::string> all = {"summarize", "hotspots", "traverse"};
  const std::vector<std::string> similarity = {"summarize", "hotspots"};
  const std::vector<std::string> hotspots = {"traverse"};
  struct Case {
    std::string what;
    Edit edit;
    std::string dataset;
    std::string value;
    std::vector<std::string> commands;
  };
  const auto nan_at_3 = [] {
    auto t = torch::rand({kChannels}, torch::kFloat64);
    t[3] = std::nan("");
    return t;
  }();
  auto inf_vi = torch::zeros({kChannels, kChannels}, torch::kFloat64);
  inf_vi[1][2] = INFINITY;
  auto nan_nmi = torch::zeros({kChannels, kChannels}, torch::kFloat64);
  nan_nmi[0][1] = NAN;
  const std::vector<Case> cases = {
      {"no channel names", remove_object("/channels/member"), "/channels/member", "missing", all},
      {"channel names of another length",
       replace_strings("/channels/member", std::vector<std::string>(kChannels - 1, "member_00")),
       "/channels/dim", "[" + std::to_string(kChannels - 1) + "]", all},
      {"channel dims as floats", replace("/channels/dim", torch::zeros({kChannels})),
       "/channels/dim", "integer", all},
      {"non-finite information", replace("/channels/info_bits", nan_at_3), "/channels/info_bits",
       "[3] is nan", all},
      {"info_bits of rank 2",
       replace("/channels/info_bits", torch::zeros({kChannels, 1}, torch::kFloat64)),
       "/channels/info_bits", "shape", all},
      {"no NMI matrix", remove_object("/similarity/nmi"), "/similarity/nmi", "missing", similarity},
      {"NMI not square",
       replace("/similarity/nmi", torch::zeros({kChannels, kChannels - 1}, torch::kFloat64)),
       "/similarity/nmi", "shape", similarity},
      {"NaN NMI", replace("/similarity/nmi", nan_nmi), "/similarity/nmi", "[0, 1] is nan",
       similarity},
      {"infinite VI", replace("/similarity/vi_bits", inf_vi), "/similarity/vi_bits",
       "[1, 2] is inf", similarity},
      {"factor names of another length",
       replace_strings("/labels/factor_names", {"a", "b", "c", "d", "e"}), "/labels/info_bits",
       "[5]", similarity},
      {"channel of an unlisted member", replace_strings("/members/id", {"member_00", "member_01"}),
       "/channels/member", "member_02", all},
      {"no hotspots", remove_object("/hotspots"), "/hotspots", "run infofrag hotspots", hotspots},
      {"no hotspot table", remove_object("/hotspots/table"), "/hotspots/table", "missing",
       hotspots},
      {"hotspot labels of another length",
       replace("/hotspots/label", torch::zeros({kChannels + 1}, torch::kInt64)), "/hotspots/label",
       "shape", hotspots},
      {"hotspot label out of range",
       replace("/hotspots/label", torch::full({kChannels}, 1000, torch::kInt64)), "/hotspots/label",
       "1000", hotspots},
      {"medoid out of range",
       [](infofrag::h5::File& f) {
         auto medoid = f.read("/hotspots/table/medoid", torch::kInt64);
         medoid[0] = kChannels;
         f.remove("/hotspots/table/medoid");
         f.write("/hotspots/table/medoid", medoid);
       },
       "/hotspots/table/medoid", std::to_string(kChannels), hotspots},
      {"medoid member unlike its channel",
       [](infofrag::h5::File& f) {
         auto names = f.read_strings("/hotspots/table/medoid_member");
         names[0] = "someone_else";
         f.remove("/hotspots/table/medoid_member");
         f.write_strings("/hotspots/table/medoid_member", names);
       },
       "/hotspots/table/medoid_member", "someone_else", hotspots},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string bad = damaged(dir, c.edit);
    for (const auto& command : c.commands) fails(dir, command, bad, c.dataset, c.value);
  }
  INFO("not an HDF5 file");
  infofrag::test::write_text(dir.path("bad.h5"), "channels,member\n");
  for (const auto& command : all) fails(dir, command, dir.path("bad.h5"), "");
}
