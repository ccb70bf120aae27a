#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"

namespace infofrag {

/// Options of `infofrag summarize`.
struct SummarizeConfig {
  std::string analysis;         ///< analysis file written by `infofrag analyze`
  int64_t top = 10;             ///< channels listed, most informative first
  double min_info_bits = 0.01;  ///< channels below this count as uninformative

  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(top, "top", "channels to list", at_least(0));
    v(min_info_bits, "min-info-bits", "channels below this count as uninformative", at_least(0),
      finite());
  }
  template <class V>
  void files(V& v) {
    v(analysis, "analysis", "analysis file", infofrag::fields::required());
  }
};

/// Throws ConfigError naming the option (`prefix` + name) and the value for a bad option.
void validate(const SummarizeConfig& config, const std::string& prefix = "--");

/// One of the most informative channels.
struct SummaryChannel {
  std::string member;
  int64_t dim = 0;
  double info_bits = 0;        ///< I(X;U)
  std::string best_factor;     ///< factor with the highest NMI ("" without labels)
  double best_factor_nmi = 0;  ///< that NMI
};

/// One ground-truth factor.
struct SummaryFactor {
  std::string name;
  double entropy_bits = 0;          ///< H(factor) = I(X;factor)
  double best_nmi = 0;              ///< highest NMI of any channel with it
  int64_t channels_above_half = 0;  ///< channels with NMI > 0.5 with it
};

/// What `summarize_analysis` finds in an analysis file.
struct AnalysisSummary {
  std::string path;
  int64_t members = 0;
  int64_t channels = 0;
  int64_t fingerprint_size = 0;
  double min_info_bits = 0;    ///< the floor used for `informative`
  int64_t informative = 0;     ///< channels with I(X;U) >= min_info_bits
  double total_info_bits = 0;  ///< Σ I(X;U) over all channels
  /// Mean NMI between informative channels of different members: how often the same
  /// information is found again; NaN when fewer than two such channels exist.
  double mean_nmi_between_members = 0;
  std::vector<SummaryChannel> top;     ///< most informative first, at most config.top
  std::vector<SummaryFactor> factors;  ///< empty without labels
};

/// Reads the analysis file `config.analysis` (checked) and summarizes it: sizes, how many
/// channels carry information, the most informative channels with their best-matching
/// factor, and each factor's best channel. The command layer prints it.
AnalysisSummary summarize_analysis(const SummarizeConfig& config);

}  // namespace infofrag
