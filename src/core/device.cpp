#include "infofrag/core/device.hpp"

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

torch::Device resolve_device(const std::string& name, const std::string& option) {
  if (name == "auto") return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  return parse_device(name, option);
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

}  // namespace infofrag
