#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

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
  std::snprintf(line, sizeof line, "  %3s %5s %8s %10s %9s %8s  %-14s %7s  %s\n", "#", "size",
                "members", "recurrence", "I bits", "NMI in", "best factor", "NMI", "medoid");
  out += line;
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

std::string format_train_summary(const train::TrainSummary& s, const std::string& out) {
  return "infofrag train: " + std::to_string(s.finished) + " members finished, " +
         std::to_string(s.failed) + " failed, " + std::to_string(s.skipped) +
         " already done; ensemble in " + out + "\n";
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
  std::cerr << format_train_summary(train::train_sweep(config), config.out);
  return 0;
}

int run_pipeline(const RunConfig& config) {
  const RunSummary s = infofrag::run_pipeline(config);
  std::cerr << format_train_summary(s.train, s.ensemble);
  if (s.hotspots) std::cout << format_hotspots(*s.hotspots);
  std::cout << "run folder " << s.out
            << ": ensemble/, embeddings.h5, analysis.h5 (with /hotspots), traversals.h5; "
               "figures in "
            << s.figures << "\n";
  return 0;
}

}  // namespace infofrag::cli
