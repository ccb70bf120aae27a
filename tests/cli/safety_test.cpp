// Issue #15: nothing a user types destroys data. Outputs that name inputs (directly or
// through links) are refused and the inputs stay byte-identical; in-place updates follow
// links, take a lock and detect concurrent writers; messages are one printable line.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "infofrag/core/error.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using infofrag::h5::File;
using infofrag::test::CliRun;
using infofrag::test::read_text;
using infofrag::test::run_cli;
using infofrag::test::TempDir;
using infofrag::test::write_text;

namespace {

/// Exactly one line, ending in a newline, with nothing unprintable.
bool one_printable_line(const std::string& text) {
  if (text.empty() || text.back() != '\n') return false;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

/// A small synthetic embeddings file and its analysis.
void make_embeddings(const TempDir& dir, bool with_analysis) {
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "120", "--members", "3",
                   "--dims", "4", "--discrete", "3"})
              .code == 0);
  if (with_analysis) {
    REQUIRE(run_cli({"analyze", "--embeddings", dir.path("e.h5"), "--out", dir.path("a.h5"),
                     "--progress", "false"})
                .code == 0);
  }
}

/// Runs `args`, whose output names `input` (or a link to it), and checks that the command
/// is refused with one line naming the input's option and that `input` is unchanged.
void check_refused(const std::vector<std::string>& args, const std::string& input,
                   const std::string& option) {
  const std::string before = read_text(input);
  REQUIRE(!before.empty());
  const CliRun run = run_cli(args);
  INFO(args[0] << " " << args[args.size() - 1] << ": " << run.err);
  CHECK(run.code == 1);
  CHECK(one_printable_line(run.err));
  CHECK_THAT(run.err, Catch::Contains("the input " + option));
  CHECK(read_text(input) == before);
}

}  // namespace

TEST_CASE("an output naming an input, directly or through links, is refused", "[safety]") {
  TempDir dir;
  make_embeddings(dir, true);
  fs::create_directory(dir.path("real"));
  fs::create_symlink(dir.path("e.h5"), dir.path("e_link.h5"));
  fs::create_directory_symlink(dir.path(""), dir.path("real/up"));  // real/up/e.h5 is e.h5
  fs::create_hard_link(dir.path("a.h5"), dir.path("a_hard.h5"));
  const std::string e = dir.path("e.h5");
  const std::string a = dir.path("a.h5");
  const std::vector<std::string> e_names = {e, dir.path("e_link.h5"), dir.path("real/up/e.h5")};

  for (const std::string& out : e_names) {
    check_refused({"analyze", "--embeddings", e, "--out", out}, e, "--embeddings");
    check_refused({"mc", "--embeddings", e, "--out", out, "--samples", "10"}, e, "--embeddings");
    check_refused({"fuse", "--embeddings", e, "--out", out, "--steps", "2"}, e, "--embeddings");
  }
  // The input given through a link, the output by its real name.
  check_refused({"analyze", "--embeddings", dir.path("e_link.h5"), "--out", e}, e, "--embeddings");

  // traverse reads an analysis file, an embeddings file and an ensemble's members.
  fs::create_directories(dir.path("ens/members"));
  fs::copy_file(e, dir.path("ens/members/m.h5"));
  write_text(dir.path("ens/config.ini"), "[data]\ndataset = circle\n");
  const std::vector<std::string> traverse = {"traverse",   "--analysis",   a, "--embeddings", e,
                                             "--ensemble", dir.path("ens")};
  auto with = [&](std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  check_refused(with(traverse, {"--out", a}), a, "--analysis");
  check_refused(with(traverse, {"--out", dir.path("a_hard.h5")}), a, "--analysis");
  check_refused(with(traverse, {"--out", dir.path("e_link.h5")}), e, "--embeddings");
  check_refused(with(traverse, {"--out", dir.path("ens/members/m.h5")}),
                dir.path("ens/members/m.h5"), "--ensemble");
  check_refused(with(traverse, {"--out", dir.path("ens/config.ini")}), dir.path("ens/config.ini"),
                "--ensemble");
  check_refused(with(traverse, {"--out", dir.path("t.h5"), "--png", a}), a, "--analysis");

  // embed writes beside an ensemble but never into its members or over its config.
  check_refused({"embed", "--ensemble", dir.path("ens"), "--out", dir.path("ens/members/m.h5")},
                dir.path("ens/members/m.h5"), "--ensemble");
  check_refused({"embed", "--ensemble", dir.path("ens"), "--out", dir.path("ens/config.ini")},
                dir.path("ens/config.ini"), "--ensemble");

  // export-data reads a dataset file (here one written by export-data itself).
  REQUIRE(run_cli({"export-data", "--dataset", "circle", "--indices", "0:20", "--out",
                   dir.path("d.h5")})
              .code == 0);
  fs::create_symlink(dir.path("d.h5"), dir.path("d_link.h5"));
  for (const std::string& out : {dir.path("d.h5"), dir.path("d_link.h5")}) {
    check_refused({"export-data", "--dataset", "hdf5", "--path", dir.path("d.h5"), "--indices",
                   "0:5", "--out", out},
                  dir.path("d.h5"), "--path");
  }

  // The config file is an input of every command.
  write_text(dir.path("c.ini"), "[synth]\npoints = 50\n");
  fs::create_symlink(dir.path("c.ini"), dir.path("c_link.ini"));
  check_refused({"synth", "--config", dir.path("c.ini"), "--out", dir.path("c_link.ini")},
                dir.path("c.ini"), "--config");
  check_refused({"analyze", "--config", dir.path("c_link.ini"), "--embeddings", e, "--out",
                 dir.path("c.ini")},
                dir.path("c.ini"), "--config");

  // Nothing was left behind by the refused commands.
  for (const auto& name : dir.files()) CHECK(name.find(".partial-") == std::string::npos);
  CHECK(!fs::exists(dir.path("t.h5")));
}

TEST_CASE("train and run refuse an output folder that would write over their dataset", "[safety]") {
  TempDir dir;
  REQUIRE(run_cli({"export-data", "--dataset", "circle", "--indices", "0:64", "--out",
                   dir.path("d.h5")})
              .code == 0);
  fs::create_directories(dir.path("runs/ensemble/members"));
  fs::copy_file(dir.path("d.h5"), dir.path("runs/ensemble/members/d.h5"));
  fs::copy_file(dir.path("d.h5"), dir.path("runs/embeddings.h5"));
  const std::vector<std::string> sweep = {"--model.kind",   "mlp", "--model.latents",  "2",
                                          "--train.steps",  "2",   "--train.progress", "false",
                                          "--data.dataset", "hdf5"};
  auto with = [&](std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  check_refused(with({"train", "--out", dir.path("runs/ensemble")},
                     with(sweep, {"--data.path", dir.path("runs/ensemble/members/d.h5")})),
                dir.path("runs/ensemble/members/d.h5"), "data.path");
  check_refused(with({"run", "--out", dir.path("runs"), "--figures.enabled", "false"},
                     with(sweep, {"--data.path", dir.path("runs/embeddings.h5")})),
                dir.path("runs/embeddings.h5"), "data.path");
  CHECK(!fs::exists(dir.path("runs/ensemble/config.ini")));
}

TEST_CASE("hotspots updates an analysis file through a symbolic link and keeps the link",
          "[safety]") {
  TempDir dir;
  make_embeddings(dir, true);
  fs::create_directory(dir.path("links"));
  fs::create_symlink(dir.path("a.h5"), dir.path("links/a.h5"));
  const CliRun run = run_cli({"hotspots", "--analysis", dir.path("links/a.h5"), "--min-samples",
                              "2", "--min-info-bits", "0"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK(fs::is_symlink(dir.path("links/a.h5")));
  CHECK(File::open(dir.path("a.h5")).has("/hotspots/label"));
  for (const auto& name : dir.files()) CHECK(name.find(".partial-") == std::string::npos);
}

TEST_CASE("a second concurrent update of an analysis file fails clearly and none is lost",
          "[safety]") {
  TempDir dir;
  make_embeddings(dir, true);
  const std::string a = dir.path("a.h5");

  SECTION("while another process holds the file's lock") {
    const int fd = ::open(a.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    REQUIRE(flock(fd, LOCK_EX) == 0);
    const std::string before = read_text(a);
    const CliRun run = run_cli({"hotspots", "--analysis", a, "--min-samples", "2"});
    ::close(fd);
    CHECK(run.code == 1);
    CHECK(one_printable_line(run.err));
    CHECK_THAT(run.err, Catch::Contains("another process is"));
    CHECK(read_text(a) == before);
  }
  SECTION("when the file changed after the update began") {
    infofrag::FileUpdate update(a, "--analysis");
    // Another writer replaces the file by a renamed copy, as infofrag's own outputs do.
    fs::copy_file(dir.path("e.h5"), dir.path("other.h5"));
    fs::rename(dir.path("other.h5"), a);
    CHECK_THROWS_WITH(update.copy(), Catch::Contains("was changed by another program"));
    CHECK(read_text(a) == read_text(dir.path("e.h5")));
  }
  SECTION("two hotspots at once: each succeeds or fails with the message, the file is whole") {
    const std::string cli = INFOFRAG_CLI;
    std::string script;
    for (int i = 0; i < 2; ++i) {
      const std::string n = std::to_string(i);
      script += "('" + cli + "' hotspots --analysis '" + a + "' --min-samples " +
                std::to_string(2 + i) + " >/dev/null 2>'" + dir.path("err" + n) + "'; echo $? >'" +
                dir.path("code" + n) + "') & ";
    }
    script += "wait";
    REQUIRE(std::system(script.c_str()) == 0);
    int succeeded = 0;
    for (int i = 0; i < 2; ++i) {
      const std::string n = std::to_string(i);
      const std::string err = read_text(dir.path("err" + n));
      if (read_text(dir.path("code" + n)) == "0\n") {
        ++succeeded;
      } else {
        CHECK(one_printable_line(err));
        CHECK_THAT(err, Catch::Contains("another process is") ||
                            Catch::Contains("was changed by another program"));
      }
    }
    CHECK(succeeded >= 1);
    const File file = File::open(a);
    CHECK(file.has("/hotspots/label"));
    const double min_samples = file.read_number_attr("/hotspots", "min_samples");
    CHECK((min_samples == 2 || min_samples == 3));
  }
}

TEST_CASE("temporaries of killed runs are removed, those of live processes kept", "[safety]") {
  TempDir dir;
  const pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(child > 0);
  REQUIRE(waitpid(child, nullptr, 0) == child);  // a PID no longer alive
  const std::string dead = dir.path("e.h5.partial-" + std::to_string(child));
  const std::string live = dir.path("e.h5.partial-" + std::to_string(getpid()));
  write_text(dead, "left by a killed run");
  write_text(live, "being written");
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "50", "--members", "2"}).code ==
          0);
  CHECK(!fs::exists(dead));
  CHECK(read_text(live) == "being written");
}

TEST_CASE("user errors are one printable line naming the option or file", "[safety]") {
  TempDir dir;
  for (const char* command : {"hotspots", "summarize"}) {
    const CliRun run = run_cli({command});
    CHECK(run.code == 1);
    CHECK(one_printable_line(run.err));
    CHECK_THAT(run.err, Catch::Contains("--analysis is required"));
  }
  const CliRun traverse = run_cli({"traverse", "--out", dir.path("t.h5")});
  CHECK_THAT(traverse.err, Catch::Contains("--analysis is required"));
  CHECK(one_printable_line(traverse.err));

  write_text(dir.path("e.h5"), "not hdf5");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"synth"},
           {"analyze", "--embeddings", dir.path("e.h5")},
           {"mc", "--embeddings", dir.path("e.h5")},
           {"fuse", "--embeddings", dir.path("e.h5")},
           {"embed", "--ensemble", dir.path("")},
           {"export-data", "--dataset", "circle", "--indices", "0:3"}}) {
    const CliRun run = run_cli(args);
    INFO(args[0] << ": " << run.err);
    CHECK(run.code == 1);
    CHECK(one_printable_line(run.err));
    CHECK_THAT(run.err, Catch::Contains("--out"));
  }
  const CliRun not_hdf5 =
      run_cli({"analyze", "--embeddings", dir.path("e.h5"), "--out", dir.path("a.h5")});
  CHECK(not_hdf5.code == 1);
  CHECK(one_printable_line(not_hdf5.err));
  CHECK_THAT(not_hdf5.err, Catch::Contains(dir.path("e.h5") + ": not an HDF5 file"));

  // A binary config file: its bytes are escaped, not printed.
  std::string binary =
      "\x7f"
      "ELF\x02\x01\x01";
  for (int i = 0; i < 300; ++i) binary += static_cast<char>(i % 256);
  binary += "\n= \x1b[31m\n";
  write_text(dir.path("c.ini"), binary);
  const CliRun garbage =
      run_cli({"synth", "--config", dir.path("c.ini"), "--out", dir.path("x.h5")});
  INFO(garbage.err);
  CHECK(garbage.code == 1);
  CHECK(one_printable_line(garbage.err));
  CHECK(!fs::exists(dir.path("x.h5")));
}

TEST_CASE("sizes are refused before anything is allocated or written, naming the option",
          "[safety]") {
  TempDir dir;
  make_embeddings(dir, false);
  const std::vector<std::string> sweep = {"--data.dataset",   "circle", "--model.kind", "mlp",
                                          "--train.progress", "false"};
  // 3 x 10^5 channels in a 22 MB file: analyze's matrices over channel pairs would need 2.6 TiB.
  REQUIRE(run_cli({"synth", "--out", dir.path("wide.h5"), "--members", "1000", "--dims", "300",
                   "--points", "2", "--discrete", "", "--continuous", "0"})
              .code == 0);
  struct Case {
    std::vector<std::string> args;
    std::string names;  // the option and value the message must name
  };
  const std::vector<Case> cases = {
      {{"synth", "--out", dir.path("x.h5"), "--members", "100000000"}, "--members 100000000"},
      {{"synth", "--out", dir.path("x.h5"), "--dims", "100000000"}, "--dims 100000000"},
      {{"train", "--out", dir.path("x"), "--model.latents", "100000000"},
       "model.latents 100000000"},
      {{"train", "--out", dir.path("x"), "--train.seeds", "100000000000"},
       "train.seeds 100000000000"},
      {{"train", "--out", dir.path("x"), "--train.steps", "100000000000"},
       "train.steps 100000000000"},
      {{"train", "--out", dir.path("x"), "--train.batch-size", "100000000000"},
       "train.batch-size 100000000000"},
      {{"run", "--out", dir.path("x"), "--train.batch-size", "100000000000"},
       "train.batch-size 100000000000"},
      {{"mc", "--embeddings", dir.path("e.h5"), "--out", dir.path("x.h5"), "--samples",
        "1000000000000"},
       "--samples 1000000000000"},
      {{"fuse", "--embeddings", dir.path("e.h5"), "--out", dir.path("x.h5"), "--steps",
        "100000000000"},
       "--steps 100000000000"},
      {{"analyze", "--embeddings", dir.path("wide.h5"), "--out", dir.path("x.h5")},
       "wide.h5: 300000 channels of 1000 members"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    if (args[0] == "train" || args[0] == "run") args.insert(args.end(), sweep.begin(), sweep.end());
    if (args[0] == "run") args.insert(args.end(), {"--figures.enabled", "false"});
    const CliRun run = run_cli(args);
    INFO(c.names << ": " << run.err);
    CHECK(run.code == 1);
    CHECK(one_printable_line(run.err));
    CHECK_THAT(run.err, Catch::Contains(c.names));
    CHECK_THAT(run.err, Catch::Contains("more than"));
    CHECK(!fs::exists(dir.path("x.h5")));
    CHECK(!fs::exists(dir.path("x")));
  }
}

TEST_CASE("an HDF5 dataset claiming huge dimensions is refused before it is read", "[safety]") {
  TempDir dir;
  // h5py writes a chunked dataset of [1e12, 1, 8, 8] bytes that holds (almost) nothing.
  const std::string script = "import h5py\nwith h5py.File('" + dir.path("big.h5") +
                             "', 'w') as f:\n    f.create_dataset('images', shape=(10**12, 1, "
                             "8, 8), dtype='u1', chunks=(1, 1, 8, 8))\n";
  write_text(dir.path("make.py"), script);
  REQUIRE(std::system(("/usr/bin/python3 '" + dir.path("make.py") + "'").c_str()) == 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"export-data", "--dataset", "hdf5", "--path", dir.path("big.h5"), "--indices", "0:2",
            "--out", dir.path("x.h5")},
           {"train", "--data.dataset", "hdf5", "--data.path", dir.path("big.h5"), "--model.kind",
            "mlp", "--out", dir.path("x")}}) {
    const CliRun run = run_cli(args);
    INFO(run.err);
    CHECK(run.code == 1);
    CHECK(one_printable_line(run.err));
    CHECK_THAT(run.err, Catch::Contains("big.h5: /images has shape [1000000000000, 1, 8, 8]"));
    CHECK_THAT(run.err, Catch::Contains("would need"));
    CHECK(!fs::exists(dir.path("x.h5")));
    CHECK(!fs::exists(dir.path("x")));
  }
}
