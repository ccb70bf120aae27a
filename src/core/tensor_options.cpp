#include "infofrag/core/tensor_options.hpp"

#include <malloc.h>

#include <optional>

#include "infofrag/core/error.hpp"

namespace infofrag {

torch::Device parse_device(const std::string& name, const std::string& option) {
  if (name.rfind("cpu", 0) != 0 && name.rfind("cuda", 0) != 0) {
    throw ConfigError(option + " '" + name + "' is not a device; use cpu, cuda or cuda:N");
  }
  std::optional<torch::Device> device;
  try {
    device.emplace(name);
  } catch (const c10::Error&) {
    throw ConfigError(option + " '" + name + "' is not a device; use cpu, cuda or cuda:N");
  }
  if (device->is_cuda()) {
    if (!torch::cuda::is_available()) {
      throw ConfigError(option + " '" + name +
                        "': CUDA is not available (this LibTorch was built without CUDA, or "
                        "no GPU is visible); use --device cpu");
    }
    const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (device->has_index() && device->index() >= count) {
      throw ConfigError(option + " '" + name + "': only " + std::to_string(count) +
                        " CUDA device(s) visible");
    }
  }
  return *device;
}

torch::Dtype parse_dtype(const std::string& name, const std::string& option) {
  if (name == "float32") return torch::kFloat32;
  if (name == "float64") return torch::kFloat64;
  throw ConfigError(option + " '" + name + "' is not supported; use float32 or float64");
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // serve blocks up to 1 GiB from the heap...
  mallopt(M_TRIM_THRESHOLD, -1);       // ...and never shrink the heap
  mallopt(M_TOP_PAD, 256 << 20);       // grow it in 256 MiB steps
}

}  // namespace infofrag
