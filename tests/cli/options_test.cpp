// Options: declared once in each config's field table; slips are errors where they are read.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "infofrag/analyze/summary.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/pipeline/run.hpp"
#include "infofrag/synth/synth.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

TEST_CASE("slips on the command line or in a config file are one-line errors, nothing written",
          "[cli][config]") {
  TempDir dir;
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "30"}).code == 0);
  REQUIRE(run_cli({"analyze", "--embeddings", dir.path("e.h5"), "--out", dir.path("a.h5"),
                   "--progress", "false"})
              .code == 0);
  fs::create_directories(dir.path("folder"));
  infofrag::test::write_text(dir.path("section.ini"), "[analyse]\ndtype = float64\n");
  infofrag::test::write_text(dir.path("comma.ini"), "[synth]\ndiscrete = 3,\n");
  {
    std::ofstream binary(dir.path("binary.ini"), std::ios::binary);
    binary.write("\x89HDF\r\n\x1a\n\0\0[x", 13);
  }
  const std::string out = dir.path("out.h5");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"synth", "--out", out, "extra"}, "unexpected argument 'extra'"},
      {{"synth", "--out", out, "--config", dir.path("folder")}, "is a folder"},
      {{"synth", "--out", out, "--config", dir.path("none.ini")}, "cannot open"},
      {{"synth", "--out", out, "--config", dir.path("binary.ini")}, "binary.ini"},
      {{"synth", "--out", out, "--config", dir.path("section.ini")}, "unknown section [analyse]"},
      {{"synth", "--out", out, "--config", dir.path("comma.ini")},
       "--discrete = '3,': has an empty item"},
      {{"synth", "--out", out, "--discrete", "3,"}, "--discrete = '3,': has an empty item"},
      {{"synth", "--out", out, "--discrete", "3,,6"}, "has an empty item"},
      {{"synth", "--out", out, "--noise", "0.1,x"}, "--noise = '0.1,x': 'x' is not a number"},
      {{"synth", "--out", out, "--points", "1e3"}, "--points = '1e3': is not an integer"},
      {{"synth", "--out", out, "--seed", "-1"}, "--seed = '-1': must not be negative"},
      {{"summarize", "--analysis", dir.path("a.h5"), "--top", "-1"},
       "--top = -1: must be at least 0"},
      {{"summarize", "--analysis", dir.path("a.h5"), "--min-info-bits", "nan"},
       "--min-info-bits = 'nan': is not a number"},
      {{"hotspots", "--analysis", dir.path("a.h5"), "--min-info-bits", "nan"},
       "--min-info-bits = 'nan': is not a number"},
      {{"analyze", "--embeddings", dir.path("e.h5"), "--out", out, "--whole-spaces", "maybe"},
       "--whole-spaces = 'maybe': is not true or false"},
      {{"analyze", "--embeddings", dir.path("e.h5")}, "--out is required"},
  };
  const std::string before = infofrag::test::read_text(dir.path("a.h5"));
  for (const Case& c : cases) {
    const auto run = run_cli(c.args);
    CAPTURE(c.args, run.err);
    CHECK(run.code == 1);
    CHECK_THAT(run.err, Catch::Contains(c.message));
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);  // one line
    CHECK_FALSE(fs::exists(out));
  }
  CHECK(infofrag::test::read_text(dir.path("a.h5")) == before);
}

namespace {

/// Every option of a config: its name (with section) and help.
class Collect : public infofrag::fields::Visitor<Collect> {
 public:
  template <class T, class... Extras>
  void operator()(T&, const char* name, const char* help, const Extras&...) {
    options.emplace_back(prefix_ + name, help);
  }
  std::vector<std::pair<std::string, std::string>> options;
};

std::string sources_under(const fs::path& root) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) all += infofrag::test::read_text(entry.path().string());
  }
  return all;
}

/// Adjacent string literals joined ("a " "b" -> "a b"), as the compiler joins them.
std::string join_literals(const std::string& text) {
  return std::regex_replace(text, std::regex("\"\\s*\""), "");
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("each option is declared once, in its config's field table", "[cli][config]") {
  // The run config holds every stage's fields; the stand-alone commands add their files.
  Collect collect;
  infofrag::RunConfig run;
  run.fields(collect);
  infofrag::SynthConfig synth;
  synth.fields(collect);
  infofrag::SummarizeConfig summarize;
  summarize.fields(collect);
  REQUIRE(collect.options.size() > 80);

  const fs::path source(INFOFRAG_SOURCE_DIR);
  const std::string cli = sources_under(source / "src" / "cli");
  const std::string library = sources_under(source / "src");
  const std::string headers = join_literals(sources_under(source / "include"));
  for (const auto& [name, help] : collect.options) {
    CAPTURE(name, help);
    const std::string leaf = "\"" + name.substr(name.rfind('.') + 1) + "\"";
    const std::string help_literal = "\"" + help + "\"";
    // The command layer names no option and holds no help: both come from the tables.
    CHECK(count(cli, leaf) == 0);
    CHECK(count(cli, help_literal) == 0);
    // The help is written next to the field, in the header that declares the config.
    CHECK(count(library, help_literal) == 0);
    CHECK(count(headers, help_literal) >= 1);
  }
  // And --help shows what the tables say, defaults included.
  const auto help = run_cli({"analyze", "--help"});
  CHECK_THAT(help.out, Catch::Contains("--memory-budget-mb arg (=1024)"));
  CHECK_THAT(help.out, Catch::Contains("working memory of one tile of fingerprint"));
  const auto run_help = run_cli({"run", "--help"});
  CHECK_THAT(run_help.out, Catch::Contains("--analyze.memory-budget-mb arg (=1024)"));
  CHECK_THAT(run_help.out, Catch::Contains("--mc.enabled arg (=false)"));
  CHECK_THAT(run_help.out, Catch::Contains("--train.lr arg (=0.0001)"));
}
