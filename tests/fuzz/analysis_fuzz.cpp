// libFuzzer harness: the readers of the analysis file (summarize's, and the hotspots view)
// on arbitrary bytes. Only infofrag::Error may escape them.
#include "fuzz_input.hpp"
#include "infofrag/analyze/summary.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/hotspots/hotspots.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = infofrag::fuzz::write_input(data, size, ".h5");
  try {
    infofrag::SummarizeConfig config;
    config.analysis = path;
    (void)infofrag::summarize_analysis(config);
  } catch (const infofrag::Error&) {
  }
  try {
    (void)infofrag::read_analysis_view(path, "");
  } catch (const infofrag::Error&) {
  }
  return 0;
}
