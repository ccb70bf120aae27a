// The infofrag command: parses options into each stage's config struct and dispatches to
// one library function per subcommand. No science here.
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <map>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/analyze/monte_carlo.hpp"
#include "infofrag/analyze/summary.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/tensor_options.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/fuse/fuse.hpp"
#include "infofrag/hotspots/hotspots.hpp"
#include "infofrag/traverse/traverse.hpp"
#include "infofrag/pipeline/run.hpp"
#include "infofrag/synth/synth.hpp"
#include "infofrag/train/trainer.hpp"
#include "infofrag/version.hpp"
#include "data_files.hpp"
#include "options.hpp"
#include "report.hpp"

namespace {

using infofrag::cli::parse;
namespace po = infofrag::cli::po;

/// The options of each stage, under `prefix` ("" for the stage's own command, "analyze."
/// for its section in `infofrag run`). Input and output paths are added by the commands.
void add_analyze_options(po::options_description& o, infofrag::AnalyzeConfig& c,
                         const std::string& p) {
  o.add_options()((p + "device").c_str(), po::value(&c.device)->default_value(c.device),
                  "cpu, cuda or cuda:N")(
      (p + "dtype").c_str(), po::value(&c.dtype)->default_value(c.dtype), "float32 or float64")(
      (p + "fingerprint-size").c_str(),
      po::value(&c.fingerprint_size)->default_value(c.fingerprint_size),
      "use the first K fingerprint points (0 = all)")(
      (p + "nmi-floor-bits").c_str(), po::value(&c.nmi_floor_bits)->default_value(c.nmi_floor_bits),
      "NMI is reported as 0 for channels whose 2I(X;U) - I(X;U,U') is below this")(
      (p + "memory-budget-mb").c_str(),
      po::value(&c.memory_budget_mb)->default_value(c.memory_budget_mb),
      "working memory of one tile of fingerprint rows (MiB)")(
      (p + "tile-rows").c_str(), po::value(&c.tile_rows)->default_value(c.tile_rows),
      "fingerprint rows per tile (0 = automatic)")(
      (p + "whole-spaces").c_str(), po::value(&c.whole_spaces)->default_value(c.whole_spaces),
      "also compare members' whole latent spaces (true/false)")(
      (p + "progress").c_str(), po::value(&c.progress)->default_value(c.progress),
      "progress bar on stderr (true/false)");
}

int analyze_command(int argc, char** argv) {
  infofrag::AnalyzeConfig c;
  po::options_description o("Options");
  o.add_options()("embeddings", po::value(&c.embeddings), "input embeddings file (required)")(
      "out", po::value(&c.out), "output analysis file (required)");
  add_analyze_options(o, c, "");
  if (!parse(argc, argv, "analyze",
             "Bhattacharyya fingerprints of every channel -> I(X;U), NMI and VI between all "
             "channels, with ground-truth factors, and between whole latent spaces.",
             o)) {
    return 0;
  }
  return infofrag::run_analyze(c);
}

int mc_command(int argc, char** argv) {
  infofrag::MonteCarloConfig c;
  po::options_description o("Options");
  o.add_options()("embeddings", po::value(&c.embeddings),
                  "input embeddings file: its points are the dataset (required)")(
      "out", po::value(&c.out), "output file (required)")(
      "members", po::value(&c.members)->default_value(c.members),
      "member ids to compare, comma-separated (empty = all)")(
      "samples", po::value(&c.samples)->default_value(c.samples), "Monte Carlo samples S")(
      "chunk", po::value(&c.chunk)->default_value(c.chunk),
      "dataset points per chunk of the log-mean-exp (bounds memory)")(
      "seed", po::value(&c.seed)->default_value(c.seed), "seed of the draws")(
      "device", po::value(&c.device)->default_value(c.device), "auto, cpu, cuda or cuda:N")(
      "fingerprint-size", po::value(&c.fingerprint_size)->default_value(c.fingerprint_size),
      "fingerprint estimate over the first K points (0 = all)")(
      "nmi-floor-bits", po::value(&c.nmi_floor_bits)->default_value(c.nmi_floor_bits),
      "NMI is reported as 0 for spaces whose 2I(X;U) - I(X;U,U') is below this")(
      "progress", po::value(&c.progress)->default_value(c.progress),
      "progress bar on stderr (true/false)");
  if (!parse(argc, argv, "mc",
             "Whole latent spaces by Monte Carlo: I(X;U), I(X;U,U'), I(X;U,V), NMI and VI with "
             "standard errors, next to the Bhattacharyya fingerprint estimate.",
             o)) {
    return 0;
  }
  return infofrag::run_monte_carlo(c);
}

int synth_command(int argc, char** argv) {
  infofrag::SynthConfig c;
  po::options_description o("Options");
  o.add_options()("out", po::value(&c.out), "output embeddings file (required)")(
      "points", po::value(&c.points)->default_value(c.points), "fingerprint points N")(
      "members", po::value(&c.members)->default_value(c.members), "ensemble members")(
      "dims", po::value(&c.dims)->default_value(c.dims), "latent channels per member")(
      "discrete", po::value(&c.discrete)->default_value(c.discrete),
      "classes of each discrete factor, comma-separated (empty for none)")(
      "continuous", po::value(&c.continuous)->default_value(c.continuous),
      "number of continuous factors (uniform on [0, 1])")(
      "bins", po::value(&c.bins)->default_value(c.bins), "label classes of each continuous factor")(
      "noise", po::value(&c.noise)->default_value(c.noise),
      "posterior std of encoding channels, cycled over members")(
      "encode-prob", po::value(&c.encode_prob)->default_value(c.encode_prob),
      "chance that a member encodes a given factor")(
      "seed", po::value(&c.seed)->default_value(c.seed), "random seed");
  if (!parse(argc, argv, "synth",
             "Writes the embeddings of a synthetic ensemble with known structure: members "
             "whose channels encode chosen discrete or continuous factors, with noise, plus "
             "uninformative channels.",
             o)) {
    return 0;
  }
  return infofrag::run_synth(c);
}

void add_data_options(po::options_description& o, infofrag::data::DataConfig& c,
                      const std::string& prefix) {
  o.add_options()((prefix + "dataset").c_str(), po::value(&c.dataset)->default_value(c.dataset),
                  "dsprites, fashion-mnist, circle or hdf5")(
      (prefix + "path").c_str(), po::value(&c.path)->default_value(c.path),
      "fashion-mnist: folder of the IDX files (empty = /usr/share/datasets/fashion-mnist); "
      "hdf5: the file")((prefix + "split").c_str(), po::value(&c.split)->default_value(c.split),
                        "fashion-mnist: train, test or all")(
      (prefix + "circle-points").c_str(),
      po::value(&c.circle_points)->default_value(c.circle_points),
      "circle: number of evenly spaced points")(
      (prefix + "circle-bins").c_str(), po::value(&c.circle_bins)->default_value(c.circle_bins),
      "circle: classes of the binned angle");
}

int export_data_command(int argc, char** argv) {
  infofrag::data::ExportDataConfig c;
  po::options_description o("Options");
  add_data_options(o, c.data, "");
  o.add_options()("indices", po::value(&c.indices), "items to export, e.g. 0,5,100:200 (required)")(
      "out", po::value(&c.out), "output HDF5 file (required)");
  if (!parse(argc, argv, "export-data",
             "Writes chosen items of a dataset in the layout of the hdf5 dataset (images, "
             "labels, factor names), for inspection and checks.",
             o)) {
    return 0;
  }
  return infofrag::data::run_export_data(c);
}

void add_train_options(po::options_description& o, infofrag::train::TrainConfig& c) {
  add_data_options(o, c.data, "data.");
  o.add_options()("model.kind", po::value(&c.model.kind)->default_value(c.model.kind),
                  "conv64 (64x64 images), conv28 (28x28 images) or mlp (vectors)")(
      "model.latents", po::value(&c.model.latents)->default_value(c.model.latents),
      "latent channels d")("model.widths",
                           po::value(&c.model.widths)->default_value(c.model.widths),
                           "mlp: hidden widths, comma-separated")(
      "model.activation", po::value(&c.model.activation)->default_value(c.model.activation),
      "mlp: relu or tanh")("objective.kind",
                           po::value(&c.objective.kind)->default_value(c.objective.kind),
                           "beta-vae or annealed-vae")(
      "objective.beta", po::value(&c.objective.beta)->default_value(c.objective.beta),
      "beta-vae: beta values (a grid dimension), comma-separated")(
      "objective.gamma", po::value(&c.objective.gamma)->default_value(c.objective.gamma),
      "annealed-vae: gamma values, comma-separated")(
      "objective.capacity", po::value(&c.objective.capacity)->default_value(c.objective.capacity),
      "annealed-vae: C_max values (nats), comma-separated")(
      "objective.capacity-steps",
      po::value(&c.objective.capacity_steps)->default_value(c.objective.capacity_steps),
      "annealed-vae: steps over which C rises linearly to C_max")(
      "train.steps", po::value(&c.steps)->default_value(c.steps), "optimizer steps per member")(
      "train.batch-size", po::value(&c.batch_size)->default_value(c.batch_size),
      "items per member per step")("train.lr", po::value(&c.lr)->default_value(c.lr),
                                   "Adam learning rates (a grid dimension), comma-separated")(
      "train.seeds", po::value(&c.seeds)->default_value(c.seeds), "seeds per grid point")(
      "train.first-seed", po::value(&c.first_seed)->default_value(c.first_seed), "first seed")(
      "train.pack-size", po::value(&c.pack_size)->default_value(c.pack_size),
      "K: members trained together in one batched model")(
      "train.checkpoint-every", po::value(&c.checkpoint_every)->default_value(c.checkpoint_every),
      "steps between checkpoints")("train.curve-window",
                                   po::value(&c.curve_window)->default_value(c.curve_window),
                                   "steps averaged into one point of the training curves")(
      "train.device", po::value(&c.device)->default_value(c.device), "auto, cpu, cuda or cuda:N")(
      "train.progress", po::value(&c.progress)->default_value(c.progress),
      "progress bar on stderr (true/false)");
}

int train_command(int argc, char** argv) {
  infofrag::train::TrainConfig c;
  po::options_description o("Options");
  o.add_options()("out", po::value(&c.out), "ensemble folder (required)")(
      "dry-run", po::bool_switch(&c.dry_run), "validate the sweep and list its members only");
  add_train_options(o, c);
  if (!parse(argc, argv, "train",
             "Trains a sweep of repeated VAE runs (grid values x seeds), K members at a time in "
             "one batched model, with checkpoints: running the same command again resumes. "
             "A sweep config has sections [data], [model], [objective] and [train]; on the "
             "command line, options keep their section (--train.steps 100).",
             o)) {
    return 0;
  }
  return infofrag::train::run_train(c);
}

void add_embed_options(po::options_description& o, infofrag::EmbedConfig& c, const std::string& p) {
  o.add_options()((p + "fingerprint-size").c_str(),
                  po::value(&c.fingerprint_size)->default_value(c.fingerprint_size),
                  "fingerprint points N drawn from the dataset")(
      (p + "indices").c_str(), po::value(&c.indices)->default_value(c.indices),
      "explicit dataset rows instead of a sample, e.g. 0:100000:500 (a:b:step)")(
      (p + "seed").c_str(), po::value(&c.seed)->default_value(c.seed),
      "seed of the fingerprint sample")((p + "device").c_str(),
                                        po::value(&c.device)->default_value(c.device),
                                        "auto, cpu, cuda or cuda:N")(
      (p + "batch-size").c_str(), po::value(&c.batch_size)->default_value(c.batch_size),
      "points encoded at once")((p + "progress").c_str(),
                                po::value(&c.progress)->default_value(c.progress),
                                "progress bar on stderr (true/false)");
}

int embed_command(int argc, char** argv) {
  infofrag::EmbedConfig c;
  po::options_description o("Options");
  o.add_options()("ensemble", po::value(&c.ensemble), "ensemble folder (required)")(
      "out", po::value(&c.out), "output embeddings file (required)");
  add_embed_options(o, c, "");
  if (!parse(argc, argv, "embed",
             "Runs every finished member's encoder over one fingerprint sample of the "
             "ensemble's dataset and writes the embeddings file.",
             o)) {
    return 0;
  }
  return infofrag::run_embed(c);
}

int fuse_command(int argc, char** argv) {
  infofrag::FuseConfig c;
  po::options_description o("Options");
  o.add_options()("embeddings", po::value(&c.embeddings), "input embeddings file (required)")(
      "out", po::value(&c.out), "output fusion file (required)")(
      "members", po::value(&c.members)->default_value(c.members),
      "member ids to fuse, comma-separated (empty = all)")(
      "channels", po::value(&c.channels)->default_value(c.channels),
      "only these channels, member:dim,... (grouped per member; empty = whole spaces)")(
      "dims", po::value(&c.dims)->default_value(c.dims), "D, dimensions of the fused space")(
      "similarity", po::value(&c.similarity)->default_value(c.similarity),
      "info (shared information), vi (-VI) or nmi")(
      "steps", po::value(&c.steps)->default_value(c.steps), "Adam steps")(
      "lr", po::value(&c.lr)->default_value(c.lr), "learning rate")(
      "optimizer", po::value(&c.optimizer)->default_value(c.optimizer),
      "adam or sgd (the paper's notebook: sgd, lr 3, 20000 steps)")(
      "seed", po::value(&c.seed)->default_value(c.seed),
      "seed of the initial posteriors and the held-out points")(
      "device", po::value(&c.device)->default_value(c.device), "auto, cpu, cuda or cuda:N")(
      "fingerprint-size", po::value(&c.fingerprint_size)->default_value(c.fingerprint_size),
      "fuse over the first K points (0 = all)")(
      "nmi-floor-bits", po::value(&c.nmi_floor_bits)->default_value(c.nmi_floor_bits),
      "reported NMI is 0 where 2I(X;U) - I(X;U,U') is below this")(
      "progress", po::value(&c.progress)->default_value(c.progress),
      "progress bar on stderr (true/false)")(
      "amortize", po::value(&c.amortize)->default_value(c.amortize),
      "also train an encoder into this ensemble folder, as member 'fused'")(
      "ensemble", po::value(&c.ensemble)->default_value(c.ensemble),
      "--amortize: the folder the members came from (model and dataset)")(
      "holdout", po::value(&c.holdout)->default_value(c.holdout),
      "--amortize: fraction of the points the encoder never sees")(
      "amortize-steps", po::value(&c.amortize_steps)->default_value(c.amortize_steps),
      "--amortize: Adam steps of the encoder")(
      "amortize-lr", po::value(&c.amortize_lr)->default_value(c.amortize_lr),
      "--amortize: learning rate of the encoder")(
      "amortize-batch-size",
      po::value(&c.amortize_batch_size)->default_value(c.amortize_batch_size),
      "--amortize: training points per step (0 = all)");
  if (!parse(argc, argv, "fuse",
             "Fuses members into one representation: free D-dimensional Gaussian posteriors "
             "over the fingerprint points, optimized by Adam to maximize their mean "
             "similarity (info, vi or nmi) with every member (the paper's Section 4.4).",
             o)) {
    return 0;
  }
  return infofrag::run_fuse(c);
}

void add_hotspots_options(po::options_description& o, infofrag::HotspotsConfig& c,
                          const std::string& p) {
  o.add_options()((p + "distance").c_str(), po::value(&c.distance)->default_value(c.distance),
                  "vi (VI clipped at 0) or nmi (-ln max(NMI, 1e-4))")(
      (p + "min-info-bits").c_str(), po::value(&c.min_info_bits)->default_value(c.min_info_bits),
      "channels with less I(X;U) are dropped")(
      (p + "min-samples").c_str(), po::value(&c.min_samples)->default_value(c.min_samples),
      "OPTICS min_samples")((p + "xi").c_str(), po::value(&c.xi)->default_value(c.xi), "OPTICS xi")(
      (p + "max-eps").c_str(), po::value(&c.max_eps)->default_value(c.max_eps), "OPTICS max_eps")(
      (p + "min-cluster-size").c_str(),
      po::value(&c.min_cluster_size)->default_value(c.min_cluster_size),
      "OPTICS min_cluster_size (0 = min-samples)")(
      (p + "sweep-attr").c_str(), po::value(&c.sweep_attr)->default_value(c.sweep_attr),
      "member attribute whose values split a sweep (hotspots per value)");
}

int hotspots_command(int argc, char** argv) {
  infofrag::HotspotsConfig c;
  po::options_description o("Options");
  o.add_options()("analysis", po::value(&c.analysis),
                  "analysis file (required); /hotspots is written into it");
  add_hotspots_options(o, c, "");
  if (!parse(argc, argv, "hotspots",
             "OPTICS over the channel-by-channel distances of an analysis file: hotspots "
             "(clusters of channels that recur across members), their table, and fragment "
             "statistics per member, per factor and per swept value.",
             o)) {
    return 0;
  }
  return infofrag::run_hotspots(c);
}

void add_traverse_options(po::options_description& o, infofrag::TraverseConfig& c,
                          const std::string& p) {
  o.add_options()((p + "steps").c_str(), po::value(&c.steps)->default_value(c.steps),
                  "values per traversal")(
      (p + "quantile").c_str(), po::value(&c.quantile)->default_value(c.quantile),
      "traverse the channel's posterior means from this quantile to 1 - quantile")(
      (p + "device").c_str(), po::value(&c.device)->default_value(c.device),
      "auto, cpu, cuda or cuda:N");
}

int traverse_command(int argc, char** argv) {
  infofrag::TraverseConfig c;
  po::options_description o("Options");
  o.add_options()("analysis", po::value(&c.analysis), "analysis file with /hotspots (required)")(
      "embeddings", po::value(&c.embeddings),
      "the embeddings file it was computed from (required)")(
      "ensemble", po::value(&c.ensemble), "ensemble folder with the members' weights (required)")(
      "out", po::value(&c.out), "output traversals file (required)")(
      "png", po::value(&c.png)->default_value(c.png), "also a PNG grid (image data)");
  add_traverse_options(o, c, "");
  if (!parse(argc, argv, "traverse",
             "Decodes a latent traversal of each hotspot's medoid channel, the member's other "
             "channels held at their mean over the fingerprint.",
             o)) {
    return 0;
  }
  return infofrag::run_traverse(c);
}

int run_command(int argc, char** argv) {
  infofrag::RunConfig c;
  po::options_description o("Options");
  o.add_options()("out", po::value(&c.out), "run folder (required)");
  add_train_options(o, c.train);
  add_embed_options(o, c.embed, "embed.");
  add_analyze_options(o, c.analyze, "analyze.");
  add_hotspots_options(o, c.hotspots, "hotspots.");
  add_traverse_options(o, c.traverse, "traverse.");
  o.add_options()("figures.enabled",
                  po::value(&c.figures.enabled)->default_value(c.figures.enabled),
                  "draw the figures (true/false)")(
      "figures.python", po::value(&c.figures.python)->default_value(c.figures.python),
      "interpreter with numpy, h5py and matplotlib")(
      "figures.script", po::value(&c.figures.script)->default_value(c.figures.script),
      "plot_figures.py (empty = the one installed with this command, in "
      "<its folder>/../share/infofrag)")(
      "figures.matrix", po::value(&c.figures.matrix)->default_value(c.figures.matrix),
      "nmi or exp-vi: the structure figure's matrix");
  if (!parse(argc, argv, "run",
             "The whole pipeline in one command: train -> embed -> analyze -> hotspots -> "
             "traverse -> figures, into one folder. Resumable: training resumes, and a stage "
             "whose output is complete is skipped. One config file holds every stage's "
             "section ([data] [model] [objective] [train] [embed] [analyze] [hotspots] "
             "[traverse] [figures]).",
             o)) {
    return 0;
  }
  if (c.figures.enabled && c.figures.script.empty()) {
    c.figures.script = infofrag::cli::data_file("plot_figures.py");
  }
  return infofrag::run_pipeline(c);
}

int summarize_command(int argc, char** argv) {
  infofrag::SummarizeConfig c;
  po::options_description o("Options");
  o.add_options()("analysis", po::value(&c.analysis), "analysis file (required)")(
      "top", po::value(&c.top)->default_value(c.top), "channels to list")(
      "min-info-bits", po::value(&c.min_info_bits)->default_value(c.min_info_bits),
      "channels below this count as uninformative");
  if (!parse(argc, argv, "summarize", "Prints a short summary of an analysis file.", o)) {
    return 0;
  }
  return infofrag::cli::run_summarize(c);
}

const std::map<std::string, std::pair<std::function<int(int, char**)>, const char*>>& commands() {
  static const std::map<std::string, std::pair<std::function<int(int, char**)>, const char*>>
      table = {
          {"analyze", {analyze_command, "embeddings file -> I(X;U), NMI, VI (analysis file)"}},
          {"mc", {mc_command, "embeddings file -> whole spaces by Monte Carlo, with errors"}},
          {"synth", {synth_command, "synthetic ensemble with known structure -> embeddings file"}},
          {"summarize", {summarize_command, "print a summary of an analysis file"}},
          {"export-data", {export_data_command, "chosen dataset items -> HDF5 file"}},
          {"train", {train_command, "sweep config -> ensemble folder (trained VAEs)"}},
          {"embed", {embed_command, "ensemble folder -> embeddings file"}},
          {"fuse", {fuse_command, "embeddings file -> one fused representation of members"}},
          {"hotspots", {hotspots_command, "analysis file -> OPTICS hotspots (in the same file)"}},
          {"traverse", {traverse_command, "hotspot medoids -> decoded latent traversals"}},
          {"run", {run_command, "config -> train, embed, analyze, hotspots, traverse, figures"}},
      };
  return table;
}

void usage(std::FILE* stream) {
  std::fprintf(stream,
               "infofrag %s: how ensembles of VAEs split information into fragments\n\n"
               "usage: infofrag <command> [options]   (infofrag <command> --help)\n\n"
               "commands:\n",
               infofrag::kVersion);
  for (const auto& [name, entry] : commands()) {
    std::fprintf(stream, "  %-12s %s\n", name.c_str(), entry.second);
  }
  std::fprintf(stream, "  %-12s %s\n", "version", "print the version");
}

}  // namespace

int main(int argc, char** argv) {
  infofrag::keep_freed_memory();
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "version" || command == "--version") {
    std::printf("infofrag %s\n", infofrag::kVersion);
    return 0;
  }
  const auto entry = commands().find(command);
  if (entry == commands().end()) {
    std::fprintf(stderr, "infofrag: unknown command '%s'\n\n", command.c_str());
    usage(stderr);
    return 2;
  }
  try {
    return entry->second.first(argc - 1, argv + 1);
  } catch (const po::error& e) {
    std::fprintf(stderr, "infofrag %s: error: %s (see infofrag %s --help)\n", command.c_str(),
                 infofrag::printable(e.what()).c_str(), command.c_str());
  } catch (const infofrag::Error& e) {
    std::fprintf(stderr, "infofrag %s: error: %s\n", command.c_str(),
                 infofrag::printable(e.what()).c_str());
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "infofrag %s: internal error: %s\n", command.c_str(),
                 infofrag::printable(e.what_without_backtrace()).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "infofrag %s: error: %s\n", command.c_str(),
                 infofrag::printable(e.what()).c_str());
  }
  return 1;
}
