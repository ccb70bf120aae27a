// libFuzzer harness: the INI/config parser of the command line (`--config FILE`) on arbitrary
// bytes, with options of several kinds and a dotted section. Bad files must end in a user
// error (infofrag::Error or an option error), nothing else.
#include <boost/program_options.hpp>

#include "../../src/cli/options.hpp"
#include "fuzz_input.hpp"
#include "infofrag/core/error.hpp"

namespace po = boost::program_options;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = infofrag::fuzz::write_input(data, size, ".ini");
  std::string out, text;
  int64_t count = 0;
  double number = 0;
  bool flag = false;
  po::options_description options("Options");
  options.add_options()("out", po::value(&out), "output")(
      "count", po::value(&count)->default_value(count), "an integer")(
      "number", po::value(&number)->default_value(number), "a real number")(
      "flag", po::value(&flag)->default_value(flag), "true/false")(
      "train.text", po::value(&text)->default_value(text), "a dotted option");
  std::string config = path;
  char command[] = "analyze";
  char config_flag[] = "--config";
  char* argv[] = {command, config_flag, config.data(), nullptr};
  try {
    (void)infofrag::cli::parse(3, argv, "analyze", "fuzzing", options);
  } catch (const infofrag::Error&) {
  } catch (const po::error&) {
  }
  return 0;
}
