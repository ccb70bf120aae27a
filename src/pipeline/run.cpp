#include "infofrag/pipeline/run.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/tensor_options.hpp"
#include "infofrag/data/factor_grid.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/train/trainer.hpp"

namespace fs = std::filesystem;

namespace infofrag {

namespace {

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

}  // namespace

namespace {

/// The run's paths, set from config.out.
RunConfig with_paths(RunConfig c) {
  const fs::path root(c.out);
  c.train.out = (root / "ensemble").string();
  c.embed.ensemble = c.train.out;
  c.embed.out = (root / "embeddings.h5").string();
  c.analyze.embeddings = c.embed.out;
  c.analyze.out = (root / "analysis.h5").string();
  c.hotspots.analysis = c.analyze.out;
  c.traverse.analysis = c.analyze.out;
  c.traverse.embeddings = c.embed.out;
  c.traverse.ensemble = c.train.out;
  c.traverse.out = (root / "traversals.h5").string();
  c.traverse.png = (root / "figures" / "traversals_grid.png").string();
  c.mc.embeddings = c.embed.out;
  c.mc.out = (root / "mc.h5").string();
  c.metrics.embeddings = c.embed.out;
  c.metrics.out = (root / "metrics.h5").string();
  c.fuse.embeddings = c.embed.out;
  c.fuse.out = (root / "fused.h5").string();
  return c;
}

/// Whether `program` names a file, or a command found on PATH.
bool program_exists(const std::string& program) {
  if (program.find('/') != std::string::npos) return fs::is_regular_file(program);
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (size_t from = 0; from <= dirs.size();) {
    const size_t colon = std::min(dirs.find(':', from), dirs.size());
    const std::string dir = dirs.substr(from, colon - from);
    if (!dir.empty() && fs::is_regular_file(fs::path(dir) / program)) return true;
    from = colon + 1;
  }
  return false;
}

}  // namespace

void validate(const RunConfig& config) {
  fields::check_files(config, "--");
  const RunConfig c = with_paths(config);
  // The sweep, with its data and model (a dry run touches no file).
  train::TrainConfig dry = c.train;
  dry.dry_run = true;
  train::train_sweep(dry);
  validate(c.embed, "embed.");
  validate(c.analyze, "analyze.");
  resolve_device(c.analyze.device, "analyze.device");
  validate(c.hotspots, "hotspots.");
  validate(c.traverse, "traverse.");
  if (c.mc_enabled) validate(c.mc, "mc.");
  if (c.metrics_enabled) validate(c.metrics, "metrics.");
  if (c.fuse_enabled) validate(c.fuse, "fuse.");
  if (c.figures.enabled) {
    if (!program_exists(c.figures.python)) {
      throw ConfigError("figures.python = '" + c.figures.python +
                        "': no such program (set figures.enabled = false to skip the figures)");
    }
    if (c.figures.script.empty()) {
      throw ConfigError("figures.script: the path of plot_figures.py is required to draw figures");
    }
    if (!fs::is_regular_file(c.figures.script)) {
      throw ConfigError("figures.script = '" + c.figures.script + "': no such file");
    }
  }
}

RunSummary run_pipeline(RunConfig config, const StageListener& on_stage) {
  // Every stage's options are checked before the (long) training, and before any folder.
  validate(config);
  const RunConfig c = with_paths(config);
  const fs::path root(c.out);
  const fs::path figures = root / "figures";
  check_output_folder(c.out,
                      {"ensemble", "embeddings.h5", "analysis.h5", "traversals.h5", "figures",
                       "mc.h5", "metrics.h5", "fused.h5"},
                      {{"data.path", c.train.data.path}, {"figures.script", c.figures.script}},
                      "--out");
  fs::create_directories(root);

  const auto stage = [&](const char* name, const std::string& what) {
    if (on_stage) on_stage(name, what);
  };
  RunSummary summary;
  summary.out = c.out;
  summary.ensemble = c.train.out;
  summary.figures = figures.string();
  stage("train", "-> " + c.train.out);
  summary.train = train::train_sweep(c.train);
  if (summary.train.stopped_by != 0) return summary;  // preempted: the rest runs on resume
  if (fs::exists(c.embed.out)) {
    stage("embed", "done already (delete embeddings.h5 to redo)");
  } else {
    stage("embed", "-> " + c.embed.out);
    summary.embed = run_embed(c.embed);
  }
  if (fs::exists(c.analyze.out)) {
    stage("analyze", "done already (delete analysis.h5 to redo)");
  } else {
    stage("analyze", "-> " + c.analyze.out);
    summary.analyze = run_analyze(c.analyze);
  }
  if (analysis_has_hotspots(c.analyze.out)) {
    stage("hotspots", "done already (in analysis.h5; run infofrag hotspots to redo)");
  } else {
    stage("hotspots", "-> " + c.analyze.out + " /hotspots");
    summary.hotspots = run_hotspots(c.hotspots);
  }
  if (fs::exists(c.traverse.out)) {
    stage("traverse", "done already (delete traversals.h5 to redo)");
  } else {
    stage("traverse", "-> " + c.traverse.out);
    fs::create_directories(figures);
    summary.traverse = run_traverse(c.traverse);
  }
  if (!c.mc_enabled) {
    // not asked for
  } else if (fs::exists(c.mc.out)) {
    stage("mc", "done already (delete mc.h5 to redo)");
  } else {
    stage("mc", "-> " + c.mc.out);
    summary.mc = run_monte_carlo(c.mc);
  }
  if (!c.metrics_enabled) {
    // not asked for
  } else if (fs::exists(c.metrics.out)) {
    stage("metrics", "done already (delete metrics.h5 to redo)");
  } else {
    MetricsConfig metrics = c.metrics;
    std::string why;
    if (c.metrics_intervention && data::find_factor_grid(*data::open_dataset(c.train.data), why)) {
      metrics.ensemble = c.train.out;
      stage("metrics", "-> " + c.metrics.out + " (with the BetaVAE and FactorVAE scores)");
    } else {
      stage("metrics",
            "-> " + c.metrics.out +
                (c.metrics_intervention ? " (no BetaVAE and FactorVAE scores: " + why + ")"
                                        : std::string()));
    }
    summary.metrics = run_metrics(metrics);
  }
  if (!c.fuse_enabled) {
    // not asked for
  } else if (fs::exists(c.fuse.out)) {
    stage("fuse", "done already (delete fused.h5 to redo)");
  } else {
    stage("fuse", "-> " + c.fuse.out);
    summary.fuse = run_fuse(c.fuse);
  }
  if (!c.figures.enabled) {
    stage("figures", "disabled");
  } else if (fs::exists(figures / "structure.png")) {
    stage("figures", "done already (delete figures/ to redo)");
  } else {
    stage("figures", "-> " + figures.string());
    const std::string command =
        shell_quoted(c.figures.python) + " " + shell_quoted(c.figures.script) + " --analysis " +
        shell_quoted(c.analyze.out) + " --traversals " + shell_quoted(c.traverse.out) +
        " --ensemble " + shell_quoted(c.train.out) + " --matrix " +
        shell_quoted(fields::format(c.figures.matrix)) + " --out " +
        shell_quoted(figures.string()) + " >&2";
    if (std::system(command.c_str()) != 0) {
      throw Error("figures: the plotting script failed: " + command);
    }
  }
  return summary;
}

}  // namespace infofrag
