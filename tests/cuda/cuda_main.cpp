// The CUDA tests' runner. Where CUDA is absent (a LibTorch without CUDA, or no GPU visible)
// it runs nothing and exits with kSkipped, which CTest reports as "Not Run" / skipped
// (SKIP_RETURN_CODE), never as passed.
#define CATCH_CONFIG_RUNNER
#include <torch/torch.h>

#include <cstdio>

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace {
constexpr int kSkipped = 77;  // tests/CMakeLists.txt: SKIP_RETURN_CODE
}

int main(int argc, char** argv) {
  if (!torch::cuda::is_available()) {
    std::printf("skipped: CUDA is not available to LibTorch %s (built without CUDA, or no GPU)\n",
                TORCH_VERSION);
    return kSkipped;
  }
  const int failed = Catch::Session().run(argc, argv);
  // Catch returns the number of failed tests: 77 of them must not read as "skipped".
  return failed == kSkipped ? 1 : failed;
}
