#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"
#include "infofrag/pipeline/run.hpp"

/// Running a sweep on a Slurm cluster (README, "Running a sweep on a cluster"): a job array
/// whose tasks train the shards of one ensemble folder, and a job that depends on it
/// (afterok) and runs the rest of the pipeline on the finished ensemble.
namespace infofrag::slurm {

/// `infofrag slurm`: the pipeline's config (every section of `infofrag run`) and the jobs'
/// resources. Its own options are the command's (`--tasks`), or keys of a [slurm] section.
struct SlurmConfig {
  RunConfig run;                    ///< the sweep and the stages after it; run.out: run folder
  int64_t tasks = 0;                ///< array tasks (shards of the packs); 0 = one per pack
  int64_t gpus_per_task = 1;        ///< GPUs of each task (0: train on the CPU)
  int64_t cpus_per_task = 4;        ///< CPUs of each task
  std::string time = "1-00:00:00";  ///< time limit of each training task (Slurm's format)
  std::string analysis_time = "04:00:00";  ///< time limit of the analysis job
  std::string partition;                   ///< empty: the cluster's default
  std::string account;                     ///< empty: the user's default
  std::string extra;              ///< more "#SBATCH ..." lines for both jobs, ';'-separated
  int64_t signal_lead_s = 120;    ///< SIGUSR1 this long before a task's time limit
  std::string command;            ///< the infofrag executable the jobs run
  std::string sbatch = "sbatch";  ///< the sbatch command (--submit)
  bool submit = false;            ///< submit the two jobs; otherwise only write them

  template <class V>
  void fields(V& v) {
    run.fields(v);
  }
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    run.files(v);
    v(tasks, "tasks", "array tasks, each training a shard of the packs (0 = one per pack)",
      at_least(0));
    v(gpus_per_task, "gpus-per-task", "GPUs per task (0: train on the CPU)", at_least(0));
    v(cpus_per_task, "cpus-per-task", "CPUs per task", at_least(1));
    v(time, "time", "time limit of each training task (Slurm's format, e.g. 1-00:00:00)",
      required());
    v(analysis_time, "analysis-time", "time limit of the analysis job", required());
    v(partition, "partition", "Slurm partition (empty: the cluster's default)");
    v(account, "account", "Slurm account (empty: your default)");
    v(extra, "extra", "more lines for both scripts, ';'-separated (\"#SBATCH --qos=long\")");
    v(signal_lead_s, "signal-lead", "seconds before the time limit that Slurm sends SIGUSR1",
      at_least(1));
    v(command, "command", "the infofrag executable the jobs run (default: this one)");
    v(sbatch, "sbatch", "the sbatch command (with --submit)", required());
    v(submit, "submit", "submit the jobs (sbatch); without it, only write and print them", flag());
  }
};

/// The files `write_scripts` makes, all under <run folder>/slurm/.
struct SlurmScripts {
  std::string sweep_ini;        ///< the whole config as read (every stage), which the jobs run
  std::string train_script;     ///< the job array
  std::string analysis_script;  ///< the dependent job
  std::string submit_script;    ///< the two sbatch calls, for users who edit and submit later
  std::string logs;             ///< the jobs' logs folder
  int64_t tasks = 0;            ///< array tasks
  int64_t packs = 0;            ///< packs of the sweep
  int64_t members = 0;          ///< members of the sweep
};

/// Texts of the files, from a config whose run.out is set (`write_scripts` resolves paths).
std::string train_script_text(const SlurmConfig& config, int64_t tasks, int64_t packs,
                              int64_t members, const std::string& sweep_ini,
                              const std::string& logs);
std::string analysis_script_text(const SlurmConfig& config, const std::string& sweep_ini,
                                 const std::string& logs);

/// Validates everything (`validate(RunConfig)`, the sweep, these options), then writes the
/// sweep's config, the two scripts and submit.sh under <run folder>/slurm/ (each by rename),
/// with absolute paths. ConfigError naming the option for a bad value.
SlurmScripts write_scripts(const SlurmConfig& config);

/// What `submit` did.
struct Submission {
  std::string array_job;     ///< job id of the array
  std::string analysis_job;  ///< job id of the dependent job
};

/// Submits the array, then the analysis job with --dependency=afterok:<array>, with
/// `config.sbatch`. InputError with sbatch's output when it fails.
Submission submit(const SlurmConfig& config, const SlurmScripts& scripts);

}  // namespace infofrag::slurm
