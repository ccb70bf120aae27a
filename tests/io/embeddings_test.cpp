#include "infofrag/io/embeddings.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include "infofrag/core/error.hpp"
#include "support.hpp"

using infofrag::h5::File;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

namespace {

/// A valid file: two members ("run_2", "run_10") with N points, and labels.
void write_valid(const std::string& path, int64_t n = 20) {
  File file = File::create(path);
  for (const char* id : {"run_2", "run_10"}) {
    file.write(std::string("/members/") + id + "/mu", torch::randn({n, 3}, torch::kFloat32));
    file.write(std::string("/members/") + id + "/logvar", torch::zeros({n, 3}, torch::kFloat32));
  }
  file.write("/fingerprint/labels", torch::randint(3, {n, 2}, torch::kInt64));
  file.set_attr("/fingerprint/labels", "factor_names", std::vector<std::string>{"a", "b"});
}

}  // namespace

TEST_CASE("Embeddings round trip, in natural member order", "[io][embeddings]") {
  TempDir dir;
  write_valid(dir.path("e.h5"));
  const auto e = infofrag::read_embeddings(dir.path("e.h5"));
  REQUIRE(e.members.size() == 2);
  CHECK(e.members[0].id == "run_2");
  CHECK(e.members[1].id == "run_10");
  CHECK(e.points() == 20);
  CHECK(e.channels() == 6);
  CHECK(e.factor_names == std::vector<std::string>{"a", "b"});
  CHECK(e.members[0].mu.scalar_type() == torch::kFloat64);

  infofrag::write_embeddings(dir.path("copy.h5"), e);
  const auto back = infofrag::read_embeddings(dir.path("copy.h5"));
  CHECK(torch::equal(back.members[1].mu, e.members[1].mu));
  CHECK(torch::equal(back.labels, e.labels));
  CHECK(back.first_points(5).members[0].logvar.size(0) == 5);
}

TEST_CASE("natural_less orders digit runs as numbers", "[io][embeddings]") {
  CHECK(infofrag::natural_less("run_2", "run_10"));
  CHECK_FALSE(infofrag::natural_less("run_10", "run_2"));
  CHECK(infofrag::natural_less("a", "b"));
  CHECK(infofrag::natural_less("beta4_seed9", "beta16_seed0"));
}

// Each bad input: a clear message naming file, dataset and value; exit code 1; no output
// file, and no temporary left behind.
TEST_CASE("Bad embeddings files are rejected with a clear message and no output",
          "[io][embeddings][cli]") {
  TempDir dir;
  const std::string in = dir.path("bad.h5");
  const std::string out = dir.path("analysis.h5");
  std::vector<std::string> expected;  // fragments the message must contain

  SECTION("missing file") { expected = {"bad.h5: no such file"}; }
  SECTION("not HDF5") {
    infofrag::test::write_text(in, "mu,logvar\n1,2\n");
    expected = {"bad.h5", "not an HDF5 file"};
  }
  SECTION("truncated HDF5") {
    write_valid(dir.path("good.h5"), 400);
    const std::string bytes = infofrag::test::read_text(dir.path("good.h5"));
    infofrag::test::write_text(in, bytes.substr(0, bytes.size() / 2));
    expected = {"bad.h5", "truncated"};
  }
  SECTION("no /members group") {
    File file = File::create(in);
    file.write("/other", torch::zeros({2}, torch::kFloat64));
    expected = {"bad.h5", "/members is missing"};
  }
  SECTION("no members") {
    File file = File::create(in);
    file.create_group("/members");
    expected = {"bad.h5", "/members holds no members"};
  }
  SECTION("mu missing") {
    File file = File::create(in);
    file.write("/members/m0/logvar", torch::zeros({5, 2}, torch::kFloat64));
    expected = {"bad.h5: /members/m0/mu is missing"};
  }
  SECTION("logvar missing") {
    File file = File::create(in);
    file.write("/members/m0/mu", torch::zeros({5, 2}, torch::kFloat64));
    expected = {"bad.h5: /members/m0/logvar is missing"};
  }
  SECTION("mu and logvar of different shapes") {
    File file = File::create(in);
    file.write("/members/run_7/mu", torch::zeros({300, 10}, torch::kFloat64));
    file.write("/members/run_7/logvar", torch::zeros({299, 10}, torch::kFloat64));
    expected = {
        "bad.h5: /members/run_7/mu has shape [300, 10] but /members/run_7/logvar has "
        "[299, 10]"};
  }
  SECTION("members with different N") {
    File file = File::create(in);
    file.write("/members/a/mu", torch::zeros({30, 2}, torch::kFloat64));
    file.write("/members/a/logvar", torch::zeros({30, 2}, torch::kFloat64));
    file.write("/members/b/mu", torch::zeros({29, 2}, torch::kFloat64));
    file.write("/members/b/logvar", torch::zeros({29, 2}, torch::kFloat64));
    expected = {"bad.h5: /members/b/mu has 29 points but /members/a/mu has 30"};
  }
  SECTION("NaN in mu") {
    File file = File::create(in);
    torch::Tensor mu = torch::zeros({6, 3}, torch::kFloat64);
    mu[4][2] = std::nan("");
    file.write("/members/m/mu", mu);
    file.write("/members/m/logvar", torch::zeros({6, 3}, torch::kFloat64));
    expected = {"bad.h5: /members/m/mu holds nan at [4, 2]"};
  }
  SECTION("inf in logvar") {
    File file = File::create(in);
    torch::Tensor logvar = torch::zeros({6, 3}, torch::kFloat32);
    logvar[1][0] = -std::numeric_limits<float>::infinity();
    file.write("/members/m/mu", torch::zeros({6, 3}, torch::kFloat32));
    file.write("/members/m/logvar", logvar);
    expected = {"bad.h5: /members/m/logvar holds -inf at [1, 0]"};
  }
  SECTION("N = 0") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({0, 3}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({0, 3}, torch::kFloat64));
    expected = {"bad.h5: /members/m/mu has no fingerprint points (shape [0, 3])"};
  }
  SECTION("mu not 2-D") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({7}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({7}, torch::kFloat64));
    expected = {"bad.h5: /members/m/mu must be 2-D [N, d], has shape [7]"};
  }
  SECTION("integer posteriors") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({7, 2}, torch::kInt64));
    file.write("/members/m/logvar", torch::zeros({7, 2}, torch::kInt64));
    expected = {"bad.h5: /members/m/mu must hold floating-point numbers"};
  }
  SECTION("labels with the wrong N") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/fingerprint/labels", torch::zeros({19, 2}, torch::kInt64));
    expected = {"bad.h5: /fingerprint/labels has shape [19, 2] but the members have 20 points"};
  }
  SECTION("factor names of the wrong length") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/fingerprint/labels", torch::zeros({20, 2}, torch::kInt64));
    file.set_attr("/fingerprint/labels", "factor_names", std::vector<std::string>{"shape"});
    expected = {
        "bad.h5: /fingerprint/labels attribute factor_names has 1 names but the "
        "labels have 2 factors"};
  }
  SECTION("index with the wrong N") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/fingerprint/index", torch::zeros({21}, torch::kInt64));
    expected = {"bad.h5: /fingerprint/index has shape [21]"};
  }
  SECTION("a negative dataset row in the index") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({3, 2}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({3, 2}, torch::kFloat64));
    file.write("/fingerprint/index", torch::tensor({4, -7, 9}, torch::kInt64));
    expected = {"bad.h5: /fingerprint/index holds -7"};
  }
  SECTION("a factor named twice") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/fingerprint/labels", torch::zeros({20, 2}, torch::kInt64));
    file.set_attr("/fingerprint/labels", "factor_names", std::vector<std::string>{"x", "x"});
    expected = {"bad.h5: /fingerprint/labels attribute factor_names names 'x' twice"};
  }
  SECTION("an empty factor name") {
    File file = File::create(in);
    file.write("/members/m/mu", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/members/m/logvar", torch::zeros({20, 2}, torch::kFloat64));
    file.write("/fingerprint/labels", torch::zeros({20, 2}, torch::kInt64));
    file.set_attr("/fingerprint/labels", "factor_names", std::vector<std::string>{"x", ""});
    expected = {"bad.h5: /fingerprint/labels attribute factor_names: name 1 is empty"};
  }

  // The library names the problem ...
  try {
    infofrag::read_embeddings(in);
    FAIL("read_embeddings accepted a bad file");
  } catch (const infofrag::InputError& e) {
    for (const auto& fragment : expected) CHECK_THAT(e.what(), Catch::Contains(fragment));
  }
  // ... and the command exits non-zero with that message, writing nothing.
  const auto run = run_cli({"analyze", "--embeddings", in, "--out", out});
  CHECK(run.code == 1);
  for (const auto& fragment : expected) CHECK_THAT(run.err, Catch::Contains(fragment));
  CHECK_FALSE(std::filesystem::exists(out));
  for (const auto& name : dir.files()) CHECK_THAT(name, !Catch::Contains("partial"));
}

TEST_CASE("A failed analysis leaves an existing output untouched", "[io][embeddings][cli]") {
  TempDir dir;
  infofrag::test::write_text(dir.path("analysis.h5"), "previous results");
  infofrag::test::write_text(dir.path("bad.h5"), "not hdf5");
  const auto run =
      run_cli({"analyze", "--embeddings", dir.path("bad.h5"), "--out", dir.path("analysis.h5")});
  CHECK(run.code == 1);
  CHECK(infofrag::test::read_text(dir.path("analysis.h5")) == "previous results");
}
