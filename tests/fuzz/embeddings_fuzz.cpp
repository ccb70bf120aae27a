// libFuzzer harness: the embeddings reader (read_embeddings) on arbitrary bytes. A user error
// (infofrag::Error) is the expected outcome of bad input; anything else that escapes (another
// exception, a crash, a sanitizer report, a leak) is a finding.
#include "fuzz_input.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/io/embeddings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = infofrag::fuzz::write_input(data, size, ".h5");
  try {
    const infofrag::Embeddings e = infofrag::read_embeddings(path);
    (void)e.channels();
    (void)e.points();
  } catch (const infofrag::Error&) {
  }
  return 0;
}
