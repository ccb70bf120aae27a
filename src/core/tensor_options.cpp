#include "infofrag/core/tensor_options.hpp"

#include <malloc.h>

#include "infofrag/core/error.hpp"

namespace infofrag {

torch::Dtype parse_dtype(const std::string& name, const std::string& option) {
  if (name == "float32") return torch::kFloat32;
  if (name == "float64") return torch::kFloat64;
  throw ConfigError(option + " '" + name + "' is not supported; use float32 or float64");
}

void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // serve blocks up to 1 GiB from the heap...
  mallopt(M_TRIM_THRESHOLD, -1);       // ...and never shrink the heap
  mallopt(M_TOP_PAD, 256 << 20);       // grow it in 256 MiB steps
}

}  // namespace infofrag
