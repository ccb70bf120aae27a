// embed: one shared fingerprint sample, every finished member, a file analyze accepts; and
// the end-to-end train -> embed -> analyze run finds a channel that tracks a true factor.
#include <filesystem>
#include <set>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/train/trainer.hpp"
#include "support.hpp"
#include "support_train.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::test::TempDir;

TEST_CASE("fingerprint_sample draws distinct rows, reproducibly", "[embed]") {
  const auto a = infofrag::fingerprint_sample(737280, 1000, 7);
  const auto b = infofrag::fingerprint_sample(737280, 1000, 7);
  const auto c = infofrag::fingerprint_sample(737280, 1000, 8);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(std::set<int64_t>(a.begin(), a.end()).size() == 1000);
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(a.back() < 737280);
  // Uniform: the mean row is near the middle (sd of the mean ~ 6.7e3 here).
  double mean = 0;
  for (int64_t r : a) mean += static_cast<double>(r) / 1000.0;
  CHECK(std::abs(mean - 368640) < 40000);
  // All rows: a permutation of everything.
  const auto all = infofrag::fingerprint_sample(50, 50, 1);
  for (int64_t i = 0; i < 50; ++i) CHECK(all[static_cast<size_t>(i)] == i);
  CHECK_THROWS_AS(infofrag::fingerprint_sample(50, 51, 1), infofrag::ConfigError);
  CHECK_THROWS_AS(infofrag::fingerprint_sample(50, 0, 1), infofrag::ConfigError);
}

TEST_CASE("train, embed and analyze end to end: a channel carries the angle of the circle",
          "[embed][e2e]") {
  TempDir dir;
  infofrag::train::TrainConfig t = infofrag::test::circle_mlp_sweep(dir.path("ensemble"));
  t.seeds = 3;
  REQUIRE(infofrag::train::train_sweep(t).failed == 0);

  auto run =
      infofrag::test::run_cli({"embed", "--ensemble", t.out, "--out", dir.path("emb.h5"),
                               "--fingerprint-size", "400", "--seed", "3", "--progress", "false"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const auto emb = infofrag::read_embeddings(dir.path("emb.h5"));
  REQUIRE(emb.members.size() == 3);
  CHECK(emb.points() == 400);
  REQUIRE(emb.factor_names == std::vector<std::string>{"angle"});
  // Labels are those of the sampled rows: angle bin = floor(row * bins / points).
  for (int64_t i = 0; i < 400; i += 37) {
    const int64_t row = emb.index[i].item<int64_t>();
    CHECK(emb.labels[i][0].item<int64_t>() == row * 8 / 100000);
  }

  run = infofrag::test::run_cli(
      {"analyze", "--embeddings", dir.path("emb.h5"), "--out", dir.path("analysis.h5")});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const auto file = infofrag::h5::File::open(dir.path("analysis.h5"));
  const auto info = file.read("/channels/info_bits", torch::kFloat64);
  const auto nmi = file.read("/labels/nmi", torch::kFloat64);  // [M, F]
  int good = 0;
  for (int64_t m = 0; m < info.size(0); ++m) {
    good += info[m].item<double>() > 0.5 && nmi[m][0].item<double>() > 0.5;
  }
  CHECK(good >= 1);
}

TEST_CASE("embed: bad ensembles give clear errors and write nothing", "[embed]") {
  TempDir dir;
  auto run = infofrag::test::run_cli(
      {"embed", "--ensemble", dir.path("nothing"), "--out", dir.path("e.h5")});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains(dir.path("nothing")));
  fs::create_directories(dir.path("empty/members"));
  run = infofrag::test::run_cli(
      {"embed", "--ensemble", dir.path("empty"), "--out", dir.path("e.h5")});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("no finished member"));
  CHECK_FALSE(fs::exists(dir.path("e.h5")));
}
