#include "infofrag/pipeline/run.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/core/device.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/tensor_options.hpp"
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

void stage(const char* name, const char* what) {
  std::fprintf(stderr, "infofrag run: %-9s %s\n", name, what);
}

}  // namespace

int run_pipeline(RunConfig c) {
  if (c.out.empty()) throw ConfigError("--out: the run folder is required");
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
  const fs::path figures = root / "figures";
  c.traverse.png = (figures / "traversals_grid.png").string();

  // Every stage's options are checked before the (long) training.
  train::TrainConfig dry = c.train;
  dry.dry_run = true;
  train::train_sweep(dry);
  if (c.embed.fingerprint_size < 1) {
    throw ConfigError("embed.fingerprint-size " + std::to_string(c.embed.fingerprint_size) +
                      ": must be at least 1");
  }
  parse_device(c.analyze.device, "analyze.device");
  parse_dtype(c.analyze.dtype, "analyze.dtype");
  check_hotspots_config(c.hotspots);
  if (c.traverse.steps < 2) throw ConfigError("traverse.steps: needs at least 2 values");
  if (c.figures.matrix != "nmi" && c.figures.matrix != "exp-vi") {
    throw ConfigError("figures.matrix '" + c.figures.matrix + "': nmi or exp-vi");
  }
  if (c.figures.enabled && c.figures.script.empty()) {
    throw ConfigError("figures.script: the path of plot_figures.py is required to draw figures");
  }
  if (c.figures.enabled && !fs::exists(c.figures.script)) {
    throw ConfigError("figures.script " + c.figures.script + ": no such file");
  }
  check_output_folder(c.out,
                      {"ensemble", "embeddings.h5", "analysis.h5", "traversals.h5", "figures"},
                      {{"data.path", c.train.data.path}, {"figures.script", c.figures.script}},
                      "--out");
  fs::create_directories(root);

  stage("train", ("-> " + c.train.out).c_str());
  train::run_train(c.train);
  if (fs::exists(c.embed.out)) {
    stage("embed", "done already (delete embeddings.h5 to redo)");
  } else {
    stage("embed", ("-> " + c.embed.out).c_str());
    run_embed(c.embed);
  }
  if (fs::exists(c.analyze.out)) {
    stage("analyze", "done already (delete analysis.h5 to redo)");
  } else {
    stage("analyze", ("-> " + c.analyze.out).c_str());
    run_analyze(c.analyze);
  }
  if (analysis_has_hotspots(c.analyze.out)) {
    stage("hotspots", "done already (in analysis.h5; run infofrag hotspots to redo)");
  } else {
    stage("hotspots", ("-> " + c.analyze.out + " /hotspots").c_str());
    run_hotspots(c.hotspots);
  }
  if (fs::exists(c.traverse.out)) {
    stage("traverse", "done already (delete traversals.h5 to redo)");
  } else {
    stage("traverse", ("-> " + c.traverse.out).c_str());
    fs::create_directories(figures);
    run_traverse(c.traverse);
  }
  if (!c.figures.enabled) {
    stage("figures", "disabled");
  } else if (fs::exists(figures / "structure.png")) {
    stage("figures", "done already (delete figures/ to redo)");
  } else {
    stage("figures", ("-> " + figures.string()).c_str());
    const std::string command = shell_quoted(c.figures.python) + " " + shell_quoted(c.figures.script) +
                                " --analysis " + shell_quoted(c.analyze.out) + " --traversals " +
                                shell_quoted(c.traverse.out) + " --ensemble " + shell_quoted(c.train.out) +
                                " --matrix " + shell_quoted(c.figures.matrix) + " --out " +
                                shell_quoted(figures.string()) + " >&2";
    if (std::system(command.c_str()) != 0) {
      throw Error("figures: the plotting script failed: " + command);
    }
  }
  std::printf(
      "run folder %s: ensemble/, embeddings.h5, analysis.h5 (with /hotspots), "
      "traversals.h5; figures in %s\n",
      c.out.c_str(), figures.string().c_str());
  return 0;
}

}  // namespace infofrag
