#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "infofrag/io/h5.hpp"
#include "support.hpp"

using infofrag::h5::File;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

namespace {

/// The commands `infofrag --help` lists: the first word of each indented line after
/// "commands:". The test below follows the command table through this listing.
std::vector<std::string> listed_commands(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream lines(help);
  bool in_list = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("commands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (!in_list || line.rfind("  ", 0) != 0) continue;
    std::istringstream words(line);
    std::string name;
    words >> name;
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

}  // namespace

TEST_CASE("Every subcommand has --help: exit 0, usage and options on stdout", "[cli]") {
  const auto top = run_cli({"--help"});
  REQUIRE(top.code == 0);
  CHECK(top.err.empty());
  const auto commands = listed_commands(top.out);
  // The listing is what the loop below covers, so it must hold at least these.
  const std::set<std::string> listed(commands.begin(), commands.end());
  for (const char* known : {"analyze", "mc", "synth", "summarize", "export-data", "train", "embed",
                            "fuse", "hotspots", "traverse", "run", "version"}) {
    INFO(known);
    CHECK(listed.count(known) == 1);
  }
  // One option per command that its help must list: its own, or a later stage's for run.
  const std::map<std::string, std::vector<std::string>> expected_options = {
      {"analyze", {"--embeddings", "--memory-budget-mb"}},
      {"mc", {"--samples", "--members"}},
      {"synth", {"--points", "--noise"}},
      {"summarize", {"--analysis", "--top"}},
      {"export-data", {"--indices", "--dataset"}},
      {"train", {"--train.steps", "--model.kind", "--objective.beta", "--data.dataset"}},
      {"embed", {"--ensemble", "--fingerprint-size"}},
      {"fuse", {"--similarity", "--optimizer"}},
      {"hotspots", {"--analysis", "--min-samples"}},
      {"traverse", {"--quantile", "--ensemble"}},
      {"run",
       {"--train.steps", "--embed.fingerprint-size", "--analyze.memory-budget-mb",
        "--hotspots.distance", "--traverse.quantile", "--figures.matrix"}},
  };
  for (const std::string& command : commands) {
    INFO(command);
    const auto run = run_cli({command, "--help"});
    CHECK(run.code == 0);
    CHECK(run.err.empty());
    if (command == "version") {
      CHECK_THAT(run.out, Catch::StartsWith("infofrag "));
      continue;
    }
    CHECK_THAT(run.out, Catch::StartsWith("usage: infofrag " + command));
    CHECK_THAT(run.out, Catch::Contains("--help") && Catch::Contains("--config"));
    const auto options = expected_options.find(command);
    if (options == expected_options.end()) continue;
    for (const auto& option : options->second) {
      INFO(option);
      CHECK_THAT(run.out, Catch::Contains(option));
    }
  }
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
      {{"--dtype", "float16"}, "--dtype = 'float16': is not float32 or float64"},
      {{"--device", "tpu"}, "--device = 'tpu': is not a device"},
      {{"--fingerprint-size", "31"}, "--fingerprint-size 31 exceeds the 30 points"},
      {{"--fingerprint-size", "-2"}, "--fingerprint-size = -2: must be at least 0"},
      {{"--memory-budget-mb", "0"}, "--memory-budget-mb = 0: must be at least 1"},
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
