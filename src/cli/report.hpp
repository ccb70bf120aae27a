#pragma once

#include <string>

#include "infofrag/analyze/summary.hpp"

/// The command layer's printing: library functions return result structs, and these turn
/// them into the text the `infofrag` commands print.
namespace infofrag::cli {

/// The text `infofrag summarize` prints.
std::string format_summary(const AnalysisSummary& summary);

/// `infofrag summarize`: `summarize_analysis`, printed to stdout. Returns the exit code (0).
int run_summarize(const SummarizeConfig& config);

}  // namespace infofrag::cli
