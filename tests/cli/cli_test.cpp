#include <catch2/catch.hpp>

#include <filesystem>

#include "infofrag/io/h5.hpp"
#include "support.hpp"

using infofrag::h5::File;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

TEST_CASE("Every subcommand has --help", "[cli]") {
  for (const char* command : {"analyze", "synth", "summarize"}) {
    const auto run = run_cli({command, "--help"});
    CHECK(run.code == 0);
    CHECK_THAT(run.out, Catch::Contains(std::string("usage: infofrag ") + command));
    CHECK_THAT(run.out, Catch::Contains("--config"));
  }
  CHECK(run_cli({"--help"}).code == 0);
  CHECK(run_cli({"frobnicate"}).code == 2);
  CHECK(run_cli({}).code == 2);
}

TEST_CASE("synth then analyze writes the documented analysis file", "[cli][e2e]") {
  TempDir dir;
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "150", "--members", "3",
                   "--dims", "5"})
              .code == 0);
  const auto run = run_cli({"analyze", "--embeddings", dir.path("e.h5"), "--out", dir.path("a.h5"),
                            "--dtype", "float64"});
  REQUIRE(run.code == 0);
  // Each stage's wall time goes to stderr.
  for (const char* stage : {"read", "fingerprints", "pairwise", "labels", "write"}) {
    CHECK_THAT(run.err, Catch::Contains(std::string(stage) + " "));
  }
  const File file = File::open(dir.path("a.h5"));
  const auto members = file.read_strings("/channels/member");
  REQUIRE(members.size() == 15);
  CHECK(members[5] == "member_01");
  CHECK(file.read("/channels/dim", torch::kInt64)[7].item<int64_t>() == 2);
  CHECK(file.read("/channels/info_bits", torch::kFloat64).sizes() == torch::IntArrayRef({15}));
  CHECK(file.read("/similarity/nmi", torch::kFloat64).sizes() == torch::IntArrayRef({15, 15}));
  CHECK(file.read("/similarity/vi_bits", torch::kFloat64).sizes() == torch::IntArrayRef({15, 15}));
  CHECK(file.read("/labels/nmi", torch::kFloat64).sizes() == torch::IntArrayRef({15, 4}));
  CHECK(file.read("/labels/vi_bits", torch::kFloat64).sizes() == torch::IntArrayRef({15, 4}));
  CHECK(file.read("/labels/info_bits", torch::kFloat64).sizes() == torch::IntArrayRef({4}));
  CHECK(file.read("/spaces/nmi", torch::kFloat64).sizes() == torch::IntArrayRef({3, 3}));
  CHECK(file.read_number_attr("/", "fingerprint_size") == 150);
  CHECK(file.read_string_attr("/", "units") == std::vector<std::string>{"bits"});
  CHECK(file.read_string_attr("/", "input_file") == std::vector<std::string>{dir.path("e.h5")});
  CHECK(file.has_attr("/", "infofrag_version"));

  const auto summary = run_cli({"summarize", "--analysis", dir.path("a.h5")});
  CHECK(summary.code == 0);
  CHECK_THAT(summary.out, Catch::Contains("3 members, 15 channels, 150 fingerprint points"));
}

TEST_CASE("Options come from an INI file, and the command line wins", "[cli][config]") {
  TempDir dir;
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "120", "--members", "2"}).code ==
          0);
  infofrag::test::write_text(dir.path("c.ini"),
                             "# a pipeline config: other stages' sections are ignored\n"
                             "embeddings = " +
                                 dir.path("e.h5") +
                                 "\n"
                                 "[synth]\npoints = 7\n"
                                 "[analyze]\nout = " +
                                 dir.path("a.h5") +
                                 "\n"
                                 "fingerprint-size = 50\nprogress = false\n");
  REQUIRE(run_cli({"analyze", "--config", dir.path("c.ini")}).code == 0);
  CHECK(File::open(dir.path("a.h5")).read_number_attr("/", "fingerprint_size") == 50);

  REQUIRE(run_cli({"analyze", "--config", dir.path("c.ini"), "--fingerprint-size", "80"}).code ==
          0);
  CHECK(File::open(dir.path("a.h5")).read_number_attr("/", "fingerprint_size") == 80);

  infofrag::test::write_text(dir.path("bad.ini"), "[analyze]\nfingerprint-sise = 5\n");
  const auto run = run_cli({"analyze", "--config", dir.path("bad.ini")});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("unknown option 'analyze.fingerprint-sise'"));
  CHECK_THAT(run.err, Catch::Contains("bad.ini"));
}

TEST_CASE("Bad options are named with their value, before any output", "[cli][config]") {
  TempDir dir;
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "30"}).code == 0);
  const std::string out = dir.path("a.h5");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--dtype", "float16"}, "--dtype 'float16' is not supported"},
      {{"--device", "tpu"}, "--device 'tpu' is not a device"},
      {{"--fingerprint-size", "31"}, "--fingerprint-size 31 exceeds the 30 points"},
      {{"--fingerprint-size", "-2"}, "--fingerprint-size -2 must be >= 0"},
      {{"--memory-budget-mb", "0"}, "--memory-budget-mb 0 must be at least 1"},
      {{"--fingerprint-size", "many"}, "fingerprint-size"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"analyze", "--embeddings", dir.path("e.h5"), "--out", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto run = run_cli(args);
    CHECK(run.code == 1);
    CHECK_THAT(run.err, Catch::Contains(c.message));
    CHECK_FALSE(std::filesystem::exists(out));
  }
  const auto missing_folder = run_cli(
      {"analyze", "--embeddings", dir.path("e.h5"), "--out", dir.path("no/such/folder/a.h5")});
  CHECK(missing_folder.code == 1);
  CHECK_THAT(missing_folder.err, Catch::Contains("does not exist"));
}
