#pragma once

#include <cstdint>
#include <string>

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

/// A short human-readable summary of an analysis file: sizes, how many channels carry
/// information, the most informative channels with their best-matching factor, and each
/// factor's best channel.
std::string summarize_analysis(const SummarizeConfig& config);

/// `infofrag summarize`: prints `summarize_analysis` to stdout. Returns the exit code (0).
int run_summarize(const SummarizeConfig& config);

}  // namespace infofrag
