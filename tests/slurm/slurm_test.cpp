// infofrag slurm: the job array and the dependent analysis job it writes, and --submit with
// a stand-in sbatch that records its calls.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/slurm/slurm.hpp"
#include "support.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::test::TempDir;

namespace {

const std::string kConfig = std::string(INFOFRAG_SOURCE_DIR) + "/configs/tests/tiny_run.ini";

/// Lines of `text` that start with `prefix`.
std::vector<std::string> lines_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, prefix.size(), prefix) == 0) out.push_back(line);
  }
  return out;
}

bool has_line(const std::string& text, const std::string& prefix) {
  return !lines_with(text, prefix).empty();
}

}  // namespace

TEST_CASE("infofrag slurm writes a job array over the shards and an afterok analysis job",
          "[slurm]") {
  TempDir dir;
  const std::string out = dir.path("run");
  // tiny_run.ini: 4 members; packs of 1 give 4 packs, so 4 tasks by default.
  const auto run = infofrag::test::run_cli(
      {"slurm", "--config", kConfig, "--out", out, "--train.pack-size", "1", "--gpus-per-task", "1",
       "--cpus-per-task", "6", "--time", "2:00:00", "--partition", "gpu", "--account", "lab",
       "--extra", "#SBATCH --qos=long; #SBATCH --mail-type=END,FAIL"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const std::string train = infofrag::test::read_text(out + "/slurm/train.sbatch");
  const std::string analysis = infofrag::test::read_text(out + "/slurm/analysis.sbatch");
  const std::string submit = infofrag::test::read_text(out + "/slurm/submit.sh");
  // Printed, and nothing submitted.
  CHECK_THAT(run.out, Catch::Contains(train) && Catch::Contains(analysis) &&
                          Catch::Contains("Not submitted"));
  // The array: one task per pack, each its shard, on its GPU, requeued on preemption.
  CHECK(train.compare(0, 12, "#!/bin/bash\n") == 0);
  CHECK(lines_with(train, "#SBATCH --array=") == std::vector<std::string>{"#SBATCH --array=0-3"});
  CHECK(has_line(train, "#SBATCH --requeue"));
  CHECK(has_line(train, "#SBATCH --signal=B:USR1@120"));
  CHECK(has_line(train, "#SBATCH --gpus-per-task=1"));
  CHECK(lines_with(train, "#SBATCH --cpus-per-task=") ==
        std::vector<std::string>{"#SBATCH --cpus-per-task=6"});
  CHECK(has_line(train, "#SBATCH --time=2:00:00"));
  CHECK(has_line(train, "#SBATCH --partition=gpu"));
  CHECK(has_line(train, "#SBATCH --account=lab"));
  CHECK(has_line(train, "#SBATCH --qos=long"));
  CHECK(has_line(train, "#SBATCH --mail-type=END,FAIL"));
  CHECK(has_line(train, "#SBATCH --output=" + out + "/slurm/logs/train_%A_%a.out"));
  CHECK_THAT(train, Catch::Contains(" train --config " + out + "/slurm/sweep.ini --out " + out +
                                    "/ensemble") &&
                        Catch::Contains("--shard \"$SLURM_ARRAY_TASK_ID/4\"") &&
                        Catch::Contains("--train.device cuda"));
  // Signals reach infofrag; its exit status 75 requeues the task.
  CHECK(has_line(train, "trap 'kill -USR1 \"$pid\" 2>/dev/null' USR1"));
  CHECK(has_line(train, "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM"));
  CHECK(has_line(train, "if [ \"$status\" -eq 75 ]; then"));
  CHECK(has_line(train, "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\""));
  // Every line before the first command is a comment or #SBATCH (sbatch stops reading there).
  for (const auto& line : lines_with(train, "#SBATCH")) CHECK(line.find("#SBATCH --") == 0);
  // The analysis job: the rest of the pipeline with the same config.
  CHECK(has_line(analysis, "#SBATCH --job-name=infofrag-analysis"));
  CHECK(has_line(analysis, "#SBATCH --partition=gpu"));
  CHECK_THAT(analysis, Catch::Contains(" run --config " + out + "/slurm/sweep.ini --out " + out));
  CHECK_FALSE(has_line(analysis, "#SBATCH --array"));
  // submit.sh: the dependency.
  CHECK_THAT(submit, Catch::Contains("--dependency=afterok:$array"));
  // The jobs' config is the one given, command line included, and reads back as a sweep.
  const std::string sweep = infofrag::test::read_text(out + "/slurm/sweep.ini");
  CHECK_THAT(sweep, Catch::Contains("pack-size = 1") && Catch::Contains("[hotspots]"));
  const auto dry = infofrag::test::run_cli(
      {"train", "--config", out + "/slurm/sweep.ini", "--out", dir.path("e"), "--dry-run"});
  INFO(dry.err);
  CHECK(dry.code == 0);
  CHECK_THAT(dry.out, Catch::Contains("4 members, packs of 1"));
  CHECK((fs::status(out + "/slurm/train.sbatch").permissions() & fs::perms::owner_exec) !=
        fs::perms::none);
}

TEST_CASE("infofrag slurm: CPU tasks, fewer tasks than packs, and bad options", "[slurm]") {
  TempDir dir;
  const std::string out = dir.path("run");
  auto run =
      infofrag::test::run_cli({"slurm", "--config", kConfig, "--out", out, "--train.pack-size", "1",
                               "--tasks", "2", "--gpus-per-task", "0"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const std::string train = infofrag::test::read_text(out + "/slurm/train.sbatch");
  CHECK(lines_with(train, "#SBATCH --array=") == std::vector<std::string>{"#SBATCH --array=0-1"});
  CHECK_THAT(train, Catch::Contains("--shard \"$SLURM_ARRAY_TASK_ID/2\"") &&
                        Catch::Contains("--train.device cpu"));
  CHECK_FALSE(has_line(train, "#SBATCH --gpus-per-task"));
  CHECK_FALSE(has_line(train, "#SBATCH --partition"));

  // More tasks than packs, a bad sweep: one line naming the option, nothing written.
  run = infofrag::test::run_cli(
      {"slurm", "--config", kConfig, "--out", dir.path("x"), "--tasks", "9"});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("--tasks = 9") && Catch::Contains("only 1 packs"));
  run = infofrag::test::run_cli(
      {"slurm", "--config", kConfig, "--out", dir.path("x"), "--train.steps", "0"});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("train.steps = 0"));
  run = infofrag::test::run_cli(
      {"slurm", "--config", kConfig, "--out", dir.path("x"), "--gpus-per-task", "-1"});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("--gpus-per-task = -1"));
  CHECK_FALSE(fs::exists(dir.path("x")));
}

TEST_CASE("infofrag slurm --submit: the array, then the analysis job after it", "[slurm]") {
  TempDir dir;
  // A stand-in sbatch: records its arguments, answers with a job id as --parsable does.
  const std::string fake = dir.path("sbatch");
  infofrag::test::write_text(fake,
                             "#!/bin/sh\n"
                             "echo \"$@\" >> " +
                                 dir.path("calls") +
                                 "\n"
                                 "n=$(wc -l < " +
                                 dir.path("calls") +
                                 ")\n"
                                 "echo \"$((1000 + n));cluster\"\n");
  ::chmod(fake.c_str(), 0755);
  const std::string out = dir.path("run");
  const auto run = infofrag::test::run_cli(
      {"slurm", "--config", kConfig, "--out", out, "--sbatch", fake, "--submit"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const std::string calls = infofrag::test::read_text(dir.path("calls"));
  CHECK(calls == "--parsable " + out +
                     "/slurm/train.sbatch\n--parsable --dependency=afterok:1001 " + out +
                     "/slurm/analysis.sbatch\n");
  CHECK_THAT(run.out, Catch::Contains("training array 1001") &&
                          Catch::Contains("analysis job 1002 (afterok:1001)"));

  // sbatch failing: its message, exit 1.
  infofrag::test::write_text(fake,
                             "#!/bin/sh\necho 'sbatch: error: invalid partition' >&2\nexit 1\n");
  const auto failed = infofrag::test::run_cli(
      {"slurm", "--config", kConfig, "--out", out, "--sbatch", fake, "--submit"});
  CHECK(failed.code == 1);
  CHECK_THAT(failed.err, Catch::Contains("invalid partition"));
}
