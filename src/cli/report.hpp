#pragma once

#include <string>

#include "infofrag/analyze/summary.hpp"
#include "infofrag/fuse/fuse.hpp"
#include "infofrag/hotspots/hotspots.hpp"
#include "infofrag/pipeline/run.hpp"
#include "infofrag/train/trainer.hpp"

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

/// The line `infofrag train` prints on stderr when a sweep call ends.
std::string format_train_summary(const train::TrainSummary& summary, const std::string& out);

/// `infofrag train`: `train_sweep` and its summary line on stderr; with --dry-run, the
/// members on stdout instead (after validating everything, data and model included).
/// Returns 0 (failed members are reported and recorded, not an error of the sweep).
int run_train(const train::TrainConfig& config);

/// `infofrag run`: `run_pipeline`, then the training summary (stderr), the hotspot table
/// when hotspots ran in this call, and where everything is (stdout). Returns 0.
int run_pipeline(const RunConfig& config);

}  // namespace infofrag::cli
