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

}  // namespace infofrag::cli
