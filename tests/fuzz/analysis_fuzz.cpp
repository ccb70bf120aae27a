// libFuzzer harness: the analysis file's checked reader (every part, as hotspots and
// traverse ask for them) and summarize on arbitrary bytes. Only infofrag::Error may escape them.
#include "fuzz_input.hpp"
#include "infofrag/analyze/analysis_file.hpp"
#include "infofrag/analyze/summary.hpp"
#include "infofrag/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = infofrag::fuzz::write_input(data, size, ".h5");
  try {
    infofrag::SummarizeConfig config;
    config.analysis = path;
    (void)infofrag::summarize_analysis(config);
  } catch (const infofrag::Error&) {
  }
  try {
    infofrag::AnalysisParts parts;
    parts.similarity = true;
    parts.hotspots = true;
    parts.member_attr = "beta";
    (void)infofrag::read_analysis(path, parts);
  } catch (const infofrag::Error&) {
  }
  return 0;
}
