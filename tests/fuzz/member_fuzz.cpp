// libFuzzer harness: the member-file reader (a trained VAE's attributes and weights) on
// arbitrary bytes. Only infofrag::Error may escape it.
#include "fuzz_input.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/ensemble/ensemble.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = infofrag::fuzz::write_input(data, size, ".h5");
  try {
    (void)infofrag::ensemble::read_member(path);
    (void)infofrag::ensemble::read_member_weights(path);
  } catch (const infofrag::Error&) {
  }
  return 0;
}
