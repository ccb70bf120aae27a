#include "infofrag/core/tensor_options.hpp"

#include <malloc.h>

#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"

namespace infofrag {

namespace fields {

torch::Dtype Traits<torch::Dtype>::parse(const std::string& text) {
  const std::string name = trim(text);
  if (name == "float32") return torch::kFloat32;
  if (name == "float64") return torch::kFloat64;
  throw BadValue("is not float32 or float64");
}

std::string Traits<torch::Dtype>::format(torch::Dtype dtype) {
  return dtype == torch::kFloat64 ? "float64" : "float32";
}

}  // namespace fields

void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // serve blocks up to 1 GiB from the heap...
  mallopt(M_TRIM_THRESHOLD, -1);       // ...and never shrink the heap
  mallopt(M_TOP_PAD, 256 << 20);       // grow it in 256 MiB steps
}

}  // namespace infofrag
