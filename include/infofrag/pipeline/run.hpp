#pragma once

#include <string>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/hotspots/hotspots.hpp"
#include "infofrag/traverse/traverse.hpp"
#include "infofrag/train/sweep.hpp"

namespace infofrag {

/// The figures stage: the plotting script, run with an interpreter that has numpy, h5py and
/// matplotlib.
struct FiguresConfig {
  bool enabled = true;                      ///< false skips the figures
  std::string python = "/usr/bin/python3";  ///< interpreter
  std::string script;                       ///< plot_figures.py (the command's default: its own)
  std::string matrix = "nmi";               ///< nmi or exp-vi, the structure figure's matrix
};

/// `infofrag run`: one config for the whole pipeline. Each stage's paths are set from `out`:
///   out/ensemble  out/embeddings.h5  out/analysis.h5 (with /hotspots)
///   out/traversals.h5  out/figures/{structure,sweep,traversals,curves}.png, traversals_grid.png
struct RunConfig {
  std::string out;           ///< run folder
  train::TrainConfig train;  ///< [data] [model] [objective] [train]
  EmbedConfig embed;         ///< [embed]
  AnalyzeConfig analyze;     ///< [analyze]
  HotspotsConfig hotspots;   ///< [hotspots]
  TraverseConfig traverse;   ///< [traverse]
  FiguresConfig figures;     ///< [figures]
};

/// Runs train → embed → analyze → hotspots → traverse → figures into config.out. Resumable:
/// training resumes from its checkpoints, and a stage whose output is complete is skipped
/// (delete an output to redo its stage). Every stage's options are validated before
/// training starts. Returns 0.
int run_pipeline(RunConfig config);

}  // namespace infofrag
