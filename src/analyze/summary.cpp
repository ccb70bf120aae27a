#include "infofrag/analyze/summary.hpp"

#include <torch/torch.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/io/h5.hpp"

namespace infofrag {

namespace {

std::string fixed(double value, int digits = 3) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

}  // namespace

void validate(const SummarizeConfig& config, const std::string& prefix) {
  fields::check(config, prefix);
  fields::check_files(config, "--");
}

std::string summarize_analysis(const SummarizeConfig& config) {
  validate(config);
  const h5::File file = h5::File::open(config.analysis);
  for (const char* name :
       {"/channels/member", "/channels/dim", "/channels/info_bits", "/similarity/nmi"}) {
    if (!file.has(name)) {
      throw InputError(file.where(name) +
                       " is missing; is this an analysis file written by "
                       "infofrag analyze?");
    }
  }
  const std::vector<std::string> member = file.read_strings("/channels/member");
  const torch::Tensor dim = file.read("/channels/dim", torch::kInt64);
  const torch::Tensor info = file.read("/channels/info_bits", torch::kFloat64);
  const torch::Tensor nmi = file.read("/similarity/nmi", torch::kFloat64);
  const int64_t m = info.size(0);
  const std::set<std::string> members(member.begin(), member.end());

  std::vector<std::string> factors;
  torch::Tensor label_nmi, factor_info;
  if (file.has("/labels/nmi")) {
    factors = file.read_strings("/labels/factor_names");
    label_nmi = file.read("/labels/nmi", torch::kFloat64);
    factor_info = file.read("/labels/info_bits", torch::kFloat64);
  }

  const torch::Tensor informative = info.ge(config.min_info_bits);
  const int64_t n_informative = informative.sum().item<int64_t>();
  std::ostringstream out;
  out << "analysis " << config.analysis << "\n";
  out << "  " << members.size() << " members, " << m << " channels, "
      << static_cast<int64_t>(file.read_number_attr("/", "fingerprint_size"))
      << " fingerprint points\n";
  out << "  " << n_informative << " channels carry >= " << config.min_info_bits
      << " bits; total I(X;U) over channels " << fixed(info.sum().item<double>(), 2) << " bits\n";

  // Mean NMI between informative channels of different members: how often the same
  // information is found again.
  if (n_informative > 1) {
    double sum = 0;
    int64_t count = 0;
    const auto info_a = info.accessor<double, 1>();
    const auto nmi_a = nmi.accessor<double, 2>();
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = i + 1; j < m; ++j) {
        if (info_a[i] >= config.min_info_bits && info_a[j] >= config.min_info_bits &&
            member[static_cast<size_t>(i)] != member[static_cast<size_t>(j)]) {
          sum += nmi_a[i][j];
          ++count;
        }
      }
    }
    if (count > 0) {
      out << "  mean NMI between informative channels of different members: "
          << fixed(sum / static_cast<double>(count)) << "\n";
    }
  }

  const torch::Tensor order = info.argsort(/*dim=*/0, /*descending=*/true);
  const int64_t shown = std::min(config.top, m);
  out << "  most informative channels:\n";
  char line[256];
  std::snprintf(line, sizeof line, "    %-16s %4s %12s  %-14s %6s\n", "member", "dim",
                "I(X;U) bits", "best factor", "NMI");
  out << line;
  for (int64_t r = 0; r < shown; ++r) {
    const int64_t c = order[r].item<int64_t>();
    std::string factor = "-", factor_nmi = "";
    if (!factors.empty()) {
      const int64_t best = label_nmi[c].argmax().item<int64_t>();
      factor = factors[static_cast<size_t>(best)];
      factor_nmi = fixed(label_nmi[c][best].item<double>());
    }
    std::snprintf(line, sizeof line, "    %-16s %4lld %12s  %-14s %6s\n",
                  member[static_cast<size_t>(c)].c_str(),
                  static_cast<long long>(dim[c].item<int64_t>()),
                  fixed(info[c].item<double>()).c_str(), factor.c_str(), factor_nmi.c_str());
    out << line;
  }
  if (!factors.empty()) {
    out << "  factors:\n";
    std::snprintf(line, sizeof line, "    %-14s %8s %10s %14s\n", "factor", "H bits", "best NMI",
                  "channels>0.5");
    out << line;
    for (size_t k = 0; k < factors.size(); ++k) {
      const torch::Tensor column = label_nmi.select(1, static_cast<int64_t>(k));
      std::snprintf(line, sizeof line, "    %-14s %8s %10s %14lld\n", factors[k].c_str(),
                    fixed(factor_info[static_cast<int64_t>(k)].item<double>()).c_str(),
                    fixed(column.max().item<double>()).c_str(),
                    static_cast<long long>(column.gt(0.5).sum().item<int64_t>()));
      out << line;
    }
  }
  return out.str();
}

int run_summarize(const SummarizeConfig& config) {
  validate(config);
  std::cout << summarize_analysis(config);
  return 0;
}

}  // namespace infofrag
