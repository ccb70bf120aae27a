#include "report.hpp"

#include <signal.h>
#include <algorithm>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "infofrag/core/stop.hpp"

namespace infofrag::cli {

namespace {

std::string fixed(double value, int digits = 3) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

}  // namespace

std::string format_summary(const AnalysisSummary& s) {
  std::ostringstream out;
  out << "analysis " << s.path << "\n";
  out << "  " << s.members << " members, " << s.channels << " channels, " << s.fingerprint_size
      << " fingerprint points\n";
  out << "  " << s.informative << " channels carry >= " << s.min_info_bits
      << " bits; total I(X;U) over channels " << fixed(s.total_info_bits, 2) << " bits\n";
  if (std::isfinite(s.mean_nmi_between_members)) {
    out << "  mean NMI between informative channels of different members: "
        << fixed(s.mean_nmi_between_members) << "\n";
  }
  out << "  most informative channels:\n";
  char line[256];
  std::snprintf(line, sizeof line, "    %-16s %4s %12s  %-14s %6s\n", "member", "dim",
                "I(X;U) bits", "best factor", "NMI");
  out << line;
  for (const SummaryChannel& c : s.top) {
    const bool labels = !c.best_factor.empty();
    std::snprintf(line, sizeof line, "    %-16s %4lld %12s  %-14s %6s\n", c.member.c_str(),
                  static_cast<long long>(c.dim), fixed(c.info_bits).c_str(),
                  labels ? c.best_factor.c_str() : "-",
                  labels ? fixed(c.best_factor_nmi).c_str() : "");
    out << line;
  }
  if (!s.factors.empty()) {
    out << "  factors:\n";
    std::snprintf(line, sizeof line, "    %-14s %8s %10s %14s\n", "factor", "H bits", "best NMI",
                  "channels>0.5");
    out << line;
    for (const SummaryFactor& f : s.factors) {
      std::snprintf(line, sizeof line, "    %-14s %8s %10s %14lld\n", f.name.c_str(),
                    fixed(f.entropy_bits).c_str(), fixed(f.best_nmi).c_str(),
                    static_cast<long long>(f.channels_above_half));
      out << line;
    }
  }
  return out.str();
}

int run_summarize(const SummarizeConfig& config) {
  std::cout << format_summary(summarize_analysis(config));
  return 0;
}

std::string format_hotspots(const HotspotsReport& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "hotspots in %s: %lld of %lld channels kept (I >= %g bits), %zu hotspots\n",
                r.analysis.c_str(), static_cast<long long>(r.kept),
                static_cast<long long>(r.channels), r.min_info_bits, r.hotspots.size());
  out += line;
  // The column heads as one literal (their widths match the rows' formats below).
  out += "    #  size  members recurrence    I bits   NMI in  best factor        NMI  medoid\n";
  for (size_t h = 0; h < r.hotspots.size(); ++h) {
    const Hotspot& s = r.hotspots[h];
    std::snprintf(
        line, sizeof line, "  %3zu %5lld %8lld %10.2f %9.3f %8.3f  %-14s %7.3f  %s/%lld\n", h,
        static_cast<long long>(s.size), static_cast<long long>(s.members), s.recurrence,
        s.mean_info_bits, s.mean_nmi, s.best_factor.empty() ? "-" : s.best_factor.c_str(),
        s.best_factor_nmi, r.medoid_member[h].c_str(), static_cast<long long>(r.medoid_dim[h]));
    out += line;
  }
  return out;
}

int run_hotspots(const HotspotsConfig& config) {
  std::cout << format_hotspots(infofrag::run_hotspots(config));
  return 0;
}

std::string format_fuse_log(const FuseReport& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "fuse: %lld members -> %lld dims over %lld points by %s in %.2fs: I(X;U) = %.3f "
                "bits, mean NMI %.4f, mean VI %.4f bits\n",
                static_cast<long long>(r.targets), static_cast<long long>(r.dims),
                static_cast<long long>(r.points), fields::format(r.similarity).c_str(), r.seconds,
                r.info_bits, r.mean_nmi, r.mean_vi_bits);
  out += line;
  for (size_t f = 0; f < r.factor_nmi.size(); ++f) {
    std::snprintf(line, sizeof line, "fuse: NMI with factor %s: %.4f\n", r.factor_names[f].c_str(),
                  r.factor_nmi[f]);
    out += line;
  }
  out += "fuse: wrote " + r.out + (r.member_file.empty() ? "" : " and " + r.member_file) + "\n";
  return out;
}

std::string format_fuse_amortized(const FuseReport& r) {
  if (r.member_file.empty()) return "";
  char line[512];
  std::snprintf(line, sizeof line,
                "amortized encoder: NMI with the fused posteriors %.4f on %lld held-out points, "
                "%.4f on %lld training points\n",
                r.holdout_nmi, static_cast<long long>(r.holdout_points), r.train_nmi,
                static_cast<long long>(r.train_points));
  return line;
}

int run_fuse(const FuseConfig& config) {
  const FuseReport report = infofrag::run_fuse(config);
  std::cerr << format_fuse_log(report);
  std::cout << format_fuse_amortized(report);
  return 0;
}

namespace {

std::string printed(const char* format, ...) __attribute__((format(printf, 1, 2)));

/// printf into a string (the reports' numbers, with their usual precision).
std::string printed(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string text(static_cast<size_t>(std::max(size, 0)) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  va_end(args);
  text.resize(static_cast<size_t>(std::max(size, 0)));
  return text;
}

}  // namespace

std::string format_embed(const EmbedReport& r) {
  std::string text;
  for (const SkippedMember& m : r.skipped) {
    text += printed("infofrag embed: skipped member %s: %s at step %lld\n", m.id.c_str(),
                    m.status.c_str(), static_cast<long long>(m.steps_done));
  }
  return text + printed("infofrag embed: %zu members x %lld points -> %s\n", r.members,
                        static_cast<long long>(r.points), r.out.c_str());
}

std::string format_analyze(const AnalyzeReport& r) {
  const AnalyzeSeconds& s = r.seconds;
  return printed(
      "analyze: %zu members, %lld channels, %lld points, %zu factors -> %s\n"
      "analyze: wall time read %.3fs, fingerprints %.3fs, pairwise %.3fs, labels %.3fs, "
      "write %.3fs\n",
      r.members, static_cast<long long>(r.channels), static_cast<long long>(r.points), r.factors,
      r.out.c_str(), s.read, s.fingerprints, s.pairwise, s.labels, s.write);
}

std::string format_monte_carlo(const MonteCarloReport& r) {
  return printed(
      "mc: %zu members, %lld points, %lld samples, fingerprint over %lld points -> %s\n"
      "mc: wall time read %.3fs, monte carlo %.3fs, fingerprint %.3fs, write %.3fs\n",
      r.members, static_cast<long long>(r.points), static_cast<long long>(r.samples),
      static_cast<long long>(r.fingerprint_size), r.out.c_str(), r.read_seconds,
      r.monte_carlo_seconds, r.fingerprint_seconds, r.write_seconds);
}

std::string format_metrics(const MetricsReport& r) {
  const MetricsSeconds& s = r.seconds;
  return printed(
      "metrics: %zu members, %zu channels, %lld points -> %s\n"
      "metrics: wall time read %.3fs, cka linear %.3fs, cka rbf %.3fs, cka coefficient %.3fs, "
      "shape %.3fs, udr %.3fs, mig %.3fs, sap %.3fs, modularity %.3fs, explicitness %.3fs, dci "
      "%.3fs, beta-vae %.3fs, factor-vae %.3fs, write %.3fs\n",
      r.members, r.channels, static_cast<long long>(r.points), r.out.c_str(), s.read, s.cka_linear,
      s.cka_rbf, s.cka_coefficient, s.shape, s.udr, s.mig, s.sap, s.modularity, s.explicitness,
      s.dci, s.beta_vae, s.factor_vae, s.write);
}

std::string format_traverse(const TraverseReport& r) {
  return printed("infofrag traverse: %zu hotspot medoids -> %s%s%s\n", r.hotspots, r.out.c_str(),
                 r.png.empty() ? "" : ", ", r.png.c_str());
}

std::string format_synth(const SynthReport& r) {
  return printed("synth: wrote %s (%lld members x %lld channels, %lld points)\n", r.out.c_str(),
                 static_cast<long long>(r.members), static_cast<long long>(r.channels),
                 static_cast<long long>(r.points));
}

int run_embed(const EmbedConfig& config) {
  std::cerr << format_embed(infofrag::run_embed(config));
  return 0;
}

int run_analyze(const AnalyzeConfig& config) {
  std::cerr << format_analyze(infofrag::run_analyze(config));
  return 0;
}

int run_monte_carlo(const MonteCarloConfig& config) {
  std::cerr << format_monte_carlo(infofrag::run_monte_carlo(config));
  return 0;
}

int run_metrics(const MetricsConfig& config) {
  std::cerr << format_metrics(infofrag::run_metrics(config));
  return 0;
}

int run_traverse(const TraverseConfig& config) {
  std::cerr << format_traverse(infofrag::run_traverse(config));
  return 0;
}

int run_synth(const SynthConfig& config) {
  std::cerr << format_synth(infofrag::run_synth(config));
  return 0;
}

std::string format_train_summary(const train::TrainSummary& s, const std::string& out) {
  std::string text;
  for (const auto& f : s.failures) {
    text += "infofrag train: member " + f.id + " failed: its loss became NaN or inf at step " +
            std::to_string(f.step) + "; marked failed, and embed skips it\n";
  }
  text += "infofrag train: " + std::to_string(s.finished) + " members finished, " +
          std::to_string(s.failed) + " failed, " + std::to_string(s.skipped) + " already done";
  if (s.lost > 0) text += ", " + std::to_string(s.lost) + " packs taken over by others";
  text += "; ensemble in " + out + "\n";
  if (s.stopped_by != 0) {
    text += "infofrag train: stopped by signal " + std::to_string(s.stopped_by) + " (" +
            strsignal(s.stopped_by) + ") after a checkpoint; run the same command " +
            "again to resume (exit status " + std::to_string(train::kExitStoppedToResume) + ")\n";
  }
  return text;
}

void stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = [](int signal) { request_stop(signal); };
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
}

int run_train(const train::TrainConfig& config) {
  if (config.dry_run) {
    train::train_sweep(config);  // validates everything, data and model included
    const auto members = train::expand_sweep(config);
    std::cout << members.size() << " members, packs of " << config.pack_size << ", " << config.steps
              << " steps each:\n";
    for (const auto& m : members) std::cout << "  " << m.id << "\n";
    return 0;
  }
  stop_on_signals();
  const train::TrainSummary summary = train::train_sweep(config);
  std::cerr << format_train_summary(summary, config.out);
  return summary.stopped_by != 0 ? train::kExitStoppedToResume : 0;
}

namespace {

std::string duration(double seconds) {
  if (seconds < 0) return "unknown";
  const long long s = static_cast<long long>(seconds + 0.5);
  char text[64];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%lldh %02lldm", s / 3600, s / 60 % 60);
  } else if (s >= 60) {
    std::snprintf(text, sizeof text, "%lldm %02llds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%llds", s);
  }
  return text;
}

}  // namespace

std::string format_status(const train::SweepStatus& s) {
  std::ostringstream out;
  out << "ensemble " << s.ensemble << ": " << s.members << " members, " << s.steps
      << " steps each, in " << s.packs.size() << " packs\n"
      << "members: " << s.finished << " finished, " << s.failed << " failed, " << s.in_progress
      << " in progress, " << s.waiting << " waiting\n";
  if (s.member_steps_per_s > 0) {
    out << "rate: " << fixed(s.member_steps_per_s, 1) << " member-steps/s; ETA "
        << duration(s.eta_s) << "\n";
  } else if (s.eta_s == 0) {
    out << "every pack has ended\n";
  } else {
    out << "rate: unknown (no holder has renewed its lease yet); ETA unknown\n";
  }
  const double now = train::detail::now_s();
  char line[512];
  out << " pack  state         steps  holder\n";  // the column heads, as one literal
  for (const auto& p : s.packs) {
    std::string holder;
    if (p.lease && p.state != train::PackState::kEnded) {
      holder = p.lease->host + ":" + std::to_string(p.lease->pid) + " (" +
               train::lease_state_name(p.lease_state);
      if (p.lease_state == train::LeaseState::kHeld) {
        holder += ", lease " + duration(p.lease->expires_s - now) + " left";
        if (p.steps_per_s > 0) holder += ", " + fixed(p.steps_per_s, 1) + " steps/s";
      }
      holder += ")";
    }
    std::snprintf(line, sizeof line, "%5lld  %-8s  %9lld  %s\n", static_cast<long long>(p.index),
                  train::pack_state_name(p.state), static_cast<long long>(p.steps_done),
                  holder.c_str());
    out << line;
  }
  if (!s.stale_locks.empty()) {
    out << "stale locks (the next infofrag train on the folder takes their packs over):\n";
    for (const auto& file : s.stale_locks) out << "  " << file << "\n";
  }
  return out.str();
}

int run_status(const train::StatusConfig& config) {
  std::cout << format_status(train::sweep_status(config));
  return 0;
}

int run_slurm(const slurm::SlurmConfig& config) {
  const slurm::SlurmConfig& c = config;
  const slurm::SlurmScripts scripts = slurm::write_scripts(c);
  std::ifstream train(scripts.train_script);
  std::cout << "# " << scripts.train_script << " (" << scripts.tasks << " tasks over "
            << scripts.packs << " packs of " << scripts.members << " members):\n"
            << train.rdbuf() << "\n";
  std::ifstream analysis(scripts.analysis_script);
  std::cout << "# " << scripts.analysis_script << ":\n" << analysis.rdbuf() << "\n";
  if (!c.submit) {
    std::cout << "# Not submitted. To submit (the analysis job waits for the array): "
              << scripts.submit_script << "\n";
    return 0;
  }
  const slurm::Submission jobs = slurm::submit(c, scripts);
  std::cout << "submitted: training array " << jobs.array_job << " (" << scripts.tasks
            << " tasks), analysis job " << jobs.analysis_job << " (afterok:" << jobs.array_job
            << "); logs in " << scripts.logs << ", progress: infofrag status "
            << (std::filesystem::path(c.run.out) / "ensemble").string() << "\n";
  return 0;
}

int run_pipeline(const RunConfig& config) {
  stop_on_signals();
  const RunSummary s =
      infofrag::run_pipeline(config, [](const std::string& stage, const std::string& what) {
        std::cerr << printed("infofrag run: %-9s %s\n", stage.c_str(), what.c_str());
      });
  std::cerr << format_train_summary(s.train, s.ensemble);
  if (s.train.stopped_by != 0) return train::kExitStoppedToResume;
  if (s.embed) std::cerr << format_embed(*s.embed);
  if (s.analyze) std::cerr << format_analyze(*s.analyze);
  if (s.traverse) std::cerr << format_traverse(*s.traverse);
  if (s.mc) std::cerr << format_monte_carlo(*s.mc);
  if (s.metrics) std::cerr << format_metrics(*s.metrics);
  if (s.hotspots) std::cout << format_hotspots(*s.hotspots);
  if (s.fuse) {
    std::cerr << format_fuse_log(*s.fuse);
    std::cout << format_fuse_amortized(*s.fuse);
  }
  std::cout << "run folder " << s.out
            << ": ensemble/, embeddings.h5, analysis.h5 (with /hotspots), traversals.h5; "
               "figures in "
            << s.figures << "\n";
  return 0;
}

}  // namespace infofrag::cli
