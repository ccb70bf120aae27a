#pragma once

#include <functional>
#include <optional>
#include <string>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/analyze/monte_carlo.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/fuse/fuse.hpp"
#include "infofrag/hotspots/hotspots.hpp"
#include "infofrag/metrics/metrics.hpp"
#include "infofrag/train/sweep.hpp"
#include "infofrag/train/trainer.hpp"
#include "infofrag/traverse/traverse.hpp"

namespace infofrag {

/// The structure figure's matrix.
enum class FigureMatrix { kNmi, kExpVi };
inline const std::vector<Choice<FigureMatrix>>& field_choices(FigureMatrix) {
  static const std::vector<Choice<FigureMatrix>> table = {{FigureMatrix::kNmi, "nmi"},
                                                          {FigureMatrix::kExpVi, "exp-vi"}};
  return table;
}

/// The figures stage: the plotting script, run with an interpreter that has numpy, h5py and
/// matplotlib.
struct FiguresConfig {
  bool enabled = true;                       ///< false skips the figures
  std::string python = "/usr/bin/python3";   ///< interpreter
  std::string script;                        ///< plot_figures.py (the command's default: its own)
  FigureMatrix matrix = FigureMatrix::kNmi;  ///< nmi or exp-vi, the structure figure's matrix

  template <class V>
  void fields(V& v) {
    v(enabled, "enabled", "draw the figures (true/false)");
    v(python, "python", "interpreter with numpy, h5py and matplotlib");
    v(script, "script", "plot_figures.py (empty = the one installed with the command)");
    v(matrix, "matrix", "nmi or exp-vi: the structure figure's matrix");
  }
};

/// `infofrag run`: one config for the whole pipeline. Each stage's paths are set from `out`:
///   out/ensemble  out/embeddings.h5  out/analysis.h5 (with /hotspots)
///   out/traversals.h5  out/figures/{structure,sweep,traversals,curves}.png, traversals_grid.png
///   out/mc.h5 ([mc] enabled = true)  out/metrics.h5 ([metrics] enabled = true)
///   out/fused.h5 ([fuse] enabled = true)
struct RunConfig {
  std::string out;               ///< run folder
  train::TrainConfig train;      ///< [data] [model] [objective] [train]
  EmbedConfig embed;             ///< [embed]
  AnalyzeConfig analyze;         ///< [analyze]
  HotspotsConfig hotspots;       ///< [hotspots]
  TraverseConfig traverse;       ///< [traverse]
  bool mc_enabled = false;       ///< [mc] enabled: whole spaces by Monte Carlo, after analyze
  MonteCarloConfig mc;           ///< [mc]
  bool metrics_enabled = false;  ///< [metrics] enabled: CKA, shape metric, MIG, ..., after analyze
  MetricsConfig metrics;         ///< [metrics]
  /// [metrics] intervention: also the BetaVAE and FactorVAE scores, when the dataset holds one
  /// item per combination of its factors' classes (dsprites and its variants, shapes3d)
  bool metrics_intervention = true;
  bool fuse_enabled = false;  ///< [fuse] enabled: one fused representation, after analyze
  FuseConfig fuse;            ///< [fuse]
  FiguresConfig figures;      ///< [figures]

  template <class V>
  void fields(V& v) {
    train.fields(v);
    v.section("embed", embed);
    v.section("analyze", analyze);
    v.section("hotspots", hotspots);
    v.section("traverse", traverse);
    v.group("mc", [&](auto& g) {
      g(mc_enabled, "enabled", "run mc into mc.h5 (true/false)");
      mc.fields(g);
    });
    v.group("metrics", [&](auto& g) {
      g(metrics_enabled, "enabled", "run metrics into metrics.h5 (true/false)");
      g(metrics_intervention, "intervention",
        "also the BetaVAE and FactorVAE scores, which encode new observations with chosen "
        "factors fixed, when the dataset can fix them (dsprites and its variants, shapes3d; "
        "true/false)");
      metrics.fields(g);
    });
    v.group("fuse", [&](auto& g) {
      g(fuse_enabled, "enabled", "run fuse into fused.h5 (true/false)");
      fuse.fields(g);
    });
    v.section("figures", figures);
  }
  template <class V>
  void files(V& v) {
    v(out, "out", "run folder", infofrag::fields::required());
  }
};

/// Validates every stage that `config` will run (each stage's own `validate`, the sweep
/// against its data and model, the figures' interpreter and script), touching no file.
/// Throws ConfigError naming the section's option ("analyze.memory-budget-mb = 0: ...").
void validate(const RunConfig& config);

/// What `run_pipeline` did, for the command layer to print.
/// What `run_pipeline` did, for the command layer to print. A stage's report is there when
/// the stage ran in this call.
struct RunSummary {
  std::string out;            ///< the run folder
  std::string ensemble;       ///< its ensemble folder
  std::string figures;        ///< its figures folder
  train::TrainSummary train;  ///< the training call (0 finished when all ended)
  std::optional<EmbedReport> embed;
  std::optional<AnalyzeReport> analyze;
  std::optional<HotspotsReport> hotspots;
  std::optional<TraverseReport> traverse;
  std::optional<MonteCarloReport> mc;
  std::optional<MetricsReport> metrics;
  std::optional<FuseReport> fuse;
};

/// Told as each stage of `run_pipeline` starts, is skipped or is disabled: the stage's
/// name and what happens ("-> run/analysis.h5", "done already (...)").
using StageListener = std::function<void(const std::string& stage, const std::string& what)>;

/// Runs train → embed → analyze → hotspots → traverse → (mc) → (metrics) → (fuse) → figures into
/// config.out; returns after training when a stop was requested (`summary.train.stopped_by`).
/// Resumable: training resumes from its checkpoints, and a stage whose output is complete is
/// skipped (delete an output to redo its stage). Every stage's options are validated
/// (`validate`) before any folder is made. `on_stage` (when given) hears of each stage as the
/// pipeline reaches it.
RunSummary run_pipeline(RunConfig config, const StageListener& on_stage = {});

}  // namespace infofrag
