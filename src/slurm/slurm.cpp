#include "infofrag/slurm/slurm.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/train/packs.hpp"
#include "infofrag/train/trainer.hpp"
#include "infofrag/version.hpp"

namespace fs = std::filesystem;

namespace infofrag::slurm {

namespace {

/// `text` as one shell word.
std::string shell_word(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-./:=@%+,") == std::string::npos) {
    return text;
  }
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

std::string absolute(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

/// The #SBATCH lines both jobs share: account, partition, the user's extra lines.
std::string common_lines(const SlurmConfig& c) {
  std::string out;
  if (!c.partition.empty()) out += "#SBATCH --partition=" + c.partition + "\n";
  if (!c.account.empty()) out += "#SBATCH --account=" + c.account + "\n";
  if (!c.extra.empty()) {
    out += "# Given with --extra:\n";
    std::istringstream lines(c.extra);
    for (std::string line; std::getline(lines, line, ';');) {
      if (!trim(line).empty()) out += trim(line) + "\n";
    }
  }
  return out;
}

}  // namespace

std::string train_script_text(const SlurmConfig& c, int64_t tasks, int64_t packs, int64_t members,
                              const std::string& sweep_ini, const std::string& logs) {
  const std::string ensemble = (fs::path(c.run.out) / "ensemble").string();
  const std::string device = c.gpus_per_task > 0 ? "cuda" : "cpu";
  const std::string status = std::to_string(train::kExitStoppedToResume);
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Training of an infofrag sweep as a Slurm job array: task i of " << tasks
    << " trains shard i/" << tasks << " of the\n"
    << "# sweep's " << packs << " packs (" << members << " members) into one ensemble folder.\n"
    << "# Written by `infofrag slurm` (infofrag " << kVersion
    << "); edit it freely, then submit it with\n"
    << "# submit.sh beside it (the analysis job waits for this one).\n"
    << "#\n"
    << "# Tasks share the folder safely: each pack is trained by one process at a time (a lock\n"
    << "# with a lease), and the weights are those of a one-process run, however the work is\n"
    << "# split. A task that is preempted or nears its time limit gets a signal, checkpoints\n"
    << "# at the next step and exits " << status
    << "; the task is then requeued and resumes "
       "there.\n"
    << "#SBATCH --job-name=infofrag-train\n"
    << "#SBATCH --array=0-" << tasks - 1 << "\n"
    << "#SBATCH --ntasks=1\n"
    << "#SBATCH --cpus-per-task=" << c.cpus_per_task << "\n";
  if (c.gpus_per_task > 0) {
    s << "#SBATCH --gpus-per-task=" << c.gpus_per_task
      << "      # Slurm sets CUDA_VISIBLE_DEVICES: the task's GPU is cuda:0 inside\n";
  }
  s << "#SBATCH --time=" << c.time << "\n"
    << "#SBATCH --requeue                  # a preempted task goes back to the queue\n"
    << "#SBATCH --signal=B:USR1@" << c.signal_lead_s << "        # SIGUSR1 to this script "
    << c.signal_lead_s << " s before the time limit\n"
    << "#SBATCH --open-mode=append         # a requeued task appends to its log\n"
    << "#SBATCH --output=" << logs << "/train_%A_%a.out\n"
    << common_lines(c) << "\n"
    << "set -u\n"
    << "# SIGUSR1 (the time limit is near) and SIGTERM (preemption) reach this script; pass "
       "them on\n"
    << "# to infofrag, which checkpoints at its next step and exits " << status << ".\n"
    << "pid=\"\"\n"
    << "trap 'kill -USR1 \"$pid\" 2>/dev/null' USR1\n"
    << "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM\n"
    << shell_word(c.command) << " train --config " << shell_word(sweep_ini) << " --out "
    << shell_word(ensemble) << " \\\n"
    << "  --shard \"$SLURM_ARRAY_TASK_ID/" << tasks << "\" --train.device " << device
    << " --train.progress false &\n"
    << "pid=$!\n"
    << "# wait returns early when a trapped signal arrives: wait until infofrag has exited,\n"
    << "# then once more for its own exit status (bash keeps it).\n"
    << "wait \"$pid\"\n"
    << "while kill -0 \"$pid\" 2>/dev/null; do wait \"$pid\"; done\n"
    << "wait \"$pid\"; status=$?\n"
    << "if [ \"$status\" -eq " << status << " ]; then\n"
    << "  # Checkpointed and stopped: back to the queue, to resume from the checkpoint.\n"
    << "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
    << "fi\n"
    << "exit \"$status\"\n";
  return s.str();
}

std::string analysis_script_text(const SlurmConfig& c, const std::string& sweep_ini,
                                 const std::string& logs) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# The rest of the pipeline on the finished ensemble: embed -> analyze -> hotspots -> "
       "traverse\n"
    << "# -> figures (`infofrag run`, which finds the training done). Submitted with\n"
    << "# --dependency=afterok:<the training array>, so it starts when every task has ended "
       "well.\n"
    << "# Written by `infofrag slurm` (infofrag " << kVersion << "); edit it freely.\n"
    << "#SBATCH --job-name=infofrag-analysis\n"
    << "#SBATCH --ntasks=1\n"
    << "#SBATCH --cpus-per-task=" << c.cpus_per_task << "\n";
  if (c.gpus_per_task > 0) s << "#SBATCH --gpus-per-task=1\n";
  s << "#SBATCH --time=" << c.analysis_time << "\n"
    << "#SBATCH --output=" << logs << "/analysis_%j.out\n"
    << common_lines(c) << "\n"
    << "set -eu\n"
    << shell_word(c.command) << " run --config " << shell_word(sweep_ini) << " --out "
    << shell_word(c.run.out) << "\n";
  return s.str();
}

SlurmScripts write_scripts(const SlurmConfig& config) {
  SlurmConfig c = config;
  fields::check_files(c, "--");
  if (c.command.empty()) throw ConfigError("--command is required (the infofrag executable)");
  c.run.out = absolute(c.run.out);
  c.command = c.command.find('/') == std::string::npos ? c.command : absolute(c.command);
  validate(c.run);  // every stage, the sweep with its data and model; touches no file
  train::TrainConfig sweep = c.run.train;
  sweep.out = (fs::path(c.run.out) / "ensemble").string();
  const auto members = train::expand_sweep(sweep);
  const int64_t packs = static_cast<int64_t>(train::plan_packs(members, sweep.pack_size).size());
  if (c.tasks > packs) {
    throw ConfigError("--tasks = " + std::to_string(c.tasks) + ": the sweep has only " +
                      std::to_string(packs) + " packs (" + std::to_string(members.size()) +
                      " members, train.pack-size " + std::to_string(sweep.pack_size) +
                      "); more tasks would have nothing to train");
  }
  SlurmScripts out;
  out.tasks = c.tasks == 0 ? packs : c.tasks;
  out.packs = packs;
  out.members = static_cast<int64_t>(members.size());
  const fs::path folder = fs::path(c.run.out) / "slurm";
  out.logs = (folder / "logs").string();
  fs::create_directories(out.logs);
  out.sweep_ini = (folder / "sweep.ini").string();
  out.train_script = (folder / "train.sbatch").string();
  out.analysis_script = (folder / "analysis.sbatch").string();
  out.submit_script = (folder / "submit.sh").string();
  replace_file(out.sweep_ini,
               "# The config of `infofrag slurm`, every stage, as the jobs run it.\n" +
                   fields::ini_text(c.run));
  replace_file(out.train_script,
               train_script_text(c, out.tasks, packs, out.members, out.sweep_ini, out.logs));
  replace_file(out.analysis_script, analysis_script_text(c, out.sweep_ini, out.logs));
  replace_file(out.submit_script,
               "#!/bin/bash\n# Submits the training array, then the analysis job that waits "
               "for it.\nset -eu\n"
               "array=$(" +
                   shell_word(c.sbatch) + " --parsable " + shell_word(out.train_script) +
                   ")\n"
                   "array=${array%%;*}   # --parsable prints id[;cluster]\n" +
                   shell_word(c.sbatch) + " --parsable --dependency=afterok:$array " +
                   shell_word(out.analysis_script) + "\n");
  for (const auto& script : {out.train_script, out.analysis_script, out.submit_script}) {
    ::chmod(script.c_str(), 0755);
  }
  return out;
}

namespace {

/// Runs `command` through the shell; its stdout (stderr joined), and its exit status.
std::pair<std::string, int> shell(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw InputError(command + ": cannot run it");
  std::string output;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {output, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

/// The job id of `sbatch --parsable` ("123" or "123;cluster").
std::string job_id(const std::string& command, const std::pair<std::string, int>& result) {
  const std::string id = trim(result.first.substr(0, result.first.find(';')));
  if (result.second != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    throw InputError(command + ": failed (exit status " + std::to_string(result.second) +
                     "): " + printable(trim(result.first), 400));
  }
  return id;
}

}  // namespace

Submission submit(const SlurmConfig& config, const SlurmScripts& scripts) {
  Submission out;
  const std::string array =
      shell_word(config.sbatch) + " --parsable " + shell_word(scripts.train_script);
  out.array_job = job_id(array, shell(array));
  const std::string analysis = shell_word(config.sbatch) +
                               " --parsable --dependency=afterok:" + out.array_job + " " +
                               shell_word(scripts.analysis_script);
  out.analysis_job = job_id(analysis, shell(analysis));
  return out;
}

}  // namespace infofrag::slurm
