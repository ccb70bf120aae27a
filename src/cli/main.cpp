// The infofrag command: a table of subcommands. Each parses its options, declared once in its
// config struct's field table, and calls one library function. No science here.
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "data_files.hpp"
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
#include "infofrag/metrics/metrics.hpp"
#include "infofrag/pipeline/run.hpp"
#include "infofrag/synth/synth.hpp"
#include "infofrag/train/trainer.hpp"
#include "infofrag/traverse/traverse.hpp"
#include "infofrag/version.hpp"
#include "options.hpp"
#include "report.hpp"

namespace {

namespace po = infofrag::cli::po;

struct Command {
  const char* line;                     ///< one line for `infofrag --help`
  std::function<int(int, char**)> run;  ///< parses argv into the config and runs it
};

/// The options of a config: its own files first, then its fields.
template <class Config>
void bind(po::options_description& options, Config& config) {
  infofrag::cli::Binder binder(options);
  config.files(binder);
  config.fields(binder);
}

/// Sections an INI file may have: every command's own, and those of `infofrag run`.
const std::set<std::string>& known_sections();

template <class Config>
Command command(const char* line, const char* summary, int (*run)(const Config&)) {
  return {line, [=](int argc, char** argv) {
            Config config;
            po::options_description options("Options");
            bind(options, config);
            if (!infofrag::cli::parse(argc, argv, argv[0], summary, options, known_sections())) {
              return 0;
            }
            return run(config);
          }};
}

/// `infofrag slurm`: the jobs run this very command, and its plotting script, unless the
/// config names others.
int run_slurm(const infofrag::slurm::SlurmConfig& config) {
  infofrag::slurm::SlurmConfig c = config;
  if (c.run.figures.enabled && c.run.figures.script.empty()) {
    c.run.figures.script = infofrag::cli::data_file("plot_figures.py");
  }
  if (c.command.empty()) c.command = std::filesystem::read_symlink("/proc/self/exe").string();
  return infofrag::cli::run_slurm(c);
}

/// `infofrag status DIR`: a first argument that is not an option is the --ensemble folder.
Command positional_ensemble(Command c) {
  auto run = c.run;
  c.run = [run](int argc, char** argv) {
    std::vector<char*> args(argv, argv + argc);
    static char ensemble_option[] = "--ensemble";
    if (argc >= 2 && argv[1][0] != '-') args.insert(args.begin() + 1, ensemble_option);
    return run(static_cast<int>(args.size()), args.data());
  };
  return c;
}

/// `infofrag run`, with the plotting script installed beside the command unless one is given.
int run_pipeline(const infofrag::RunConfig& config) {
  infofrag::RunConfig c = config;
  if (c.figures.enabled && c.figures.script.empty()) {
    c.figures.script = infofrag::cli::data_file("plot_figures.py");
  }
  return infofrag::cli::run_pipeline(c);
}

const std::map<std::string, Command>& commands() {
  using namespace infofrag;
  static const std::map<std::string, Command> table = {
      {"analyze",
       command<AnalyzeConfig>(
           "embeddings file -> I(X;U), NMI, VI (analysis file)",
           "Bhattacharyya fingerprints of every channel -> I(X;U), NMI and VI between all "
           "channels, with ground-truth factors, and between whole latent spaces.",
           cli::run_analyze)},
      {"mc", command<MonteCarloConfig>(
                 "embeddings file -> whole spaces by Monte Carlo, with errors",
                 "Whole latent spaces by Monte Carlo: I(X;U), I(X;U,U'), I(X;U,V), NMI and VI "
                 "with standard errors, next to the Bhattacharyya fingerprint estimate.",
                 cli::run_monte_carlo)},
      {"metrics",
       command<MetricsConfig>(
           "embeddings file -> CKA, shape metric, MIG, SAP, modularity, UDR",
           "The field's yardsticks beside the fingerprint: linear and RBF CKA on the means, CKA "
           "on the Bhattacharyya coefficient matrices and the Gaussian stochastic shape "
           "distance, between whole latent spaces and between channels; MIG, SAP "
           "(continuous) and modularity on each member's means against /fingerprint/labels; "
           "UDR between members.",
           cli::run_metrics)},
      {"synth", command<SynthConfig>(
                    "synthetic ensemble with known structure -> embeddings file",
                    "Writes the embeddings of a synthetic ensemble with known structure: members "
                    "whose channels encode chosen discrete or continuous factors, with noise, "
                    "plus uninformative channels.",
                    cli::run_synth)},
      {"summarize",
       command<SummarizeConfig>("print a summary of an analysis file",
                                "Prints a short summary of an analysis file.", cli::run_summarize)},
      {"export-data",
       command<data::ExportDataConfig>(
           "chosen dataset items -> HDF5 file",
           "Writes chosen items of a dataset in the layout of the hdf5 dataset (images, "
           "labels, factor names), for inspection and checks.",
           data::run_export_data)},
      {"train",
       command<train::TrainConfig>(
           "sweep config -> ensemble folder (trained VAEs)",
           "Trains a sweep of repeated VAE runs (grid values x seeds), K members at a time in "
           "one batched model, with checkpoints: running the same command again resumes. "
           "A sweep config has sections [data], [model], [objective] and [train]; on the "
           "command line, options keep their section (--train.steps 100).",
           cli::run_train)},
      {"slurm",
       command<slurm::SlurmConfig>(
           "config -> sbatch scripts: a training job array and the analysis job after it",
           "Writes sbatch scripts for a Slurm cluster under <out>/slurm/: a job array whose "
           "tasks train the shards of the sweep into <out>/ensemble (requeued and resumed "
           "when preempted), and a job that waits for it (afterok) and runs embed -> analyze "
           "-> hotspots -> traverse -> figures. Prints them; --submit submits them. Reads the "
           "same config as infofrag run.",
           run_slurm)},
      {"status", positional_ensemble(command<train::StatusConfig>(
                     "ensemble folder -> where its sweep stands",
                     "Where the sweep in an ensemble folder stands: members finished, failed, "
                     "in progress (steps done, which process holds the pack) and waiting, the "
                     "rate and ETA, and stale locks. Usage: infofrag status DIR.",
                     cli::run_status))},
      {"embed", command<EmbedConfig>(
                    "ensemble folder -> embeddings file",
                    "Runs every finished member's encoder over one fingerprint sample of the "
                    "ensemble's dataset and writes the embeddings file.",
                    cli::run_embed)},
      {"fuse", command<FuseConfig>(
                   "embeddings file -> one fused representation of members",
                   "Fuses members into one representation: free D-dimensional Gaussian "
                   "posteriors over the fingerprint points, optimized to maximize their mean "
                   "similarity (info, vi or nmi) with every member (the paper's Section 4.4).",
                   cli::run_fuse)},
      {"hotspots",
       command<HotspotsConfig>(
           "analysis file -> OPTICS hotspots (in the same file)",
           "OPTICS over the channel-by-channel distances of an analysis file: hotspots "
           "(clusters of channels that recur across members), their table, and fragment "
           "statistics per member, per factor and per swept value.",
           cli::run_hotspots)},
      {"traverse",
       command<TraverseConfig>("hotspot medoids -> decoded latent traversals",
                               "Decodes a latent traversal of each hotspot's medoid channel, the "
                               "member's other channels held at their mean over the fingerprint.",
                               cli::run_traverse)},
      {"run",
       command<RunConfig>(
           "config -> train, embed, analyze, hotspots, traverse, (mc, metrics, fuse,) figures",
           "The whole pipeline in one command: train -> embed -> analyze -> hotspots -> "
           "traverse -> (mc) -> (metrics) -> (fuse) -> figures, into one folder. Every stage's "
           "options are checked before any work. Resumable: training resumes, and a "
           "stage whose output is complete is skipped. One config file holds every "
           "stage's section ([data] [model] [objective] [train] [embed] [analyze] "
           "[hotspots] [traverse] [mc] [metrics] [fuse] [figures]).",
           run_pipeline)},
  };
  return table;
}

const std::set<std::string>& known_sections() {
  static const std::set<std::string> sections = [] {
    std::set<std::string> out;
    for (const auto& entry : commands()) out.insert(entry.first);
    infofrag::RunConfig run;
    po::options_description options;
    bind(options, run);
    for (const auto& option : options.options()) {
      const std::string& name = option->long_name();
      if (name.find('.') != std::string::npos) out.insert(name.substr(0, name.find('.')));
    }
    return out;
  }();
  return sections;
}

void usage(std::FILE* stream) {
  std::fprintf(stream,
               "infofrag %s: how ensembles of VAEs split information into fragments\n\n"
               "usage: infofrag <command> [options]   (infofrag <command> --help)\n\n"
               "commands:\n",
               infofrag::kVersion);
  for (const auto& [name, entry] : commands()) {
    std::fprintf(stream, "  %-12s %s\n", name.c_str(), entry.line);
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
    return entry->second.run(argc - 1, argv + 1);
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
