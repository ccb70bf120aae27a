#pragma once

#include <string>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/analyze/monte_carlo.hpp"
#include "infofrag/analyze/summary.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/fuse/fuse.hpp"
#include "infofrag/hotspots/hotspots.hpp"
#include "infofrag/metrics/metrics.hpp"
#include "infofrag/pipeline/run.hpp"
#include "infofrag/slurm/slurm.hpp"
#include "infofrag/synth/synth.hpp"
#include "infofrag/train/status.hpp"
#include "infofrag/train/trainer.hpp"
#include "infofrag/traverse/traverse.hpp"

/// The command layer's printing: library functions return result structs, and these turn
/// them into the text the `infofrag` commands print.
namespace infofrag::cli {

/// The text `infofrag summarize` prints.
std::string format_summary(const AnalysisSummary& summary);

/// `infofrag summarize`: `summarize_analysis`, printed to stdout. Returns the exit code (0).
int run_summarize(const SummarizeConfig& config);

/// The hotspot table `infofrag hotspots` prints: one line of counts, then one per hotspot.
std::string format_hotspots(const HotspotsReport& report);

/// `infofrag hotspots`: `run_hotspots` (which updates the analysis file), then its table on
/// stdout. Returns 0.
int run_hotspots(const HotspotsConfig& config);

/// What `infofrag fuse` prints: the fusion's figures (for stderr) and, with --amortize, the
/// encoder's held-out NMI (for stdout).
std::string format_fuse_log(const FuseReport& report);
std::string format_fuse_amortized(const FuseReport& report);

/// `infofrag fuse`: `run_fuse`, then its report. Returns 0.
int run_fuse(const FuseConfig& config);

/// What `infofrag embed`, `analyze`, `mc`, `traverse` and `synth` print on stderr when done.
std::string format_embed(const EmbedReport& report);
std::string format_analyze(const AnalyzeReport& report);
std::string format_monte_carlo(const MonteCarloReport& report);
std::string format_traverse(const TraverseReport& report);
std::string format_synth(const SynthReport& report);
std::string format_metrics(const MetricsReport& report);

/// The commands: the library function, then its report on stderr. Return 0.
int run_embed(const EmbedConfig& config);
int run_analyze(const AnalyzeConfig& config);
int run_monte_carlo(const MonteCarloConfig& config);
int run_traverse(const TraverseConfig& config);
int run_synth(const SynthConfig& config);
int run_metrics(const MetricsConfig& config);

/// The line `infofrag train` prints on stderr when a sweep call ends.
std::string format_train_summary(const train::TrainSummary& summary, const std::string& out);

/// SIGTERM and SIGUSR1 (Slurm's warnings before preemption or the time limit) become a stop
/// request (`request_stop`): training checkpoints at the next step and returns.
void stop_on_signals();

/// `infofrag train`: `train_sweep` and its summary line on stderr; with --dry-run, the
/// members on stdout instead (after validating everything, data and model included).
/// Returns 0 (failed members are reported and recorded, not an error of the sweep), or
/// train::kExitStoppedToResume (75) when SIGTERM or SIGUSR1 stopped it after a checkpoint.
int run_train(const train::TrainConfig& config);

/// What `infofrag status` prints: member counts, rate and ETA, a line per pack (state, steps
/// done, holder and its lease), and the stale locks.
std::string format_status(const train::SweepStatus& status);

/// `infofrag status`: `sweep_status`, printed to stdout. Returns 0.
int run_status(const train::StatusConfig& config);

/// `infofrag slurm`: `write_scripts`, the scripts printed to stdout, and with --submit
/// `submit` and the job ids. Returns 0.
int run_slurm(const slurm::SlurmConfig& config);

/// `infofrag run`: `run_pipeline`, then the training summary (stderr), the hotspot table
/// when hotspots ran in this call, and where everything is (stdout). Returns 0, or 75 as
/// `run_train` when a signal stopped training.
int run_pipeline(const RunConfig& config);

}  // namespace infofrag::cli
