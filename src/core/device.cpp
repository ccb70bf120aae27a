#include "infofrag/core/device.hpp"

#include <optional>

#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"

namespace infofrag {

namespace {

/// The device `name` names, or why it cannot be used here ("" when it can).
std::string device_problem(const std::string& name, std::optional<torch::Device>& device) {
  const std::string syntax = "is not a device; use auto, cpu, cuda or cuda:N";
  if (name.rfind("cpu", 0) != 0 && name.rfind("cuda", 0) != 0) return syntax;
  try {
    device.emplace(name);
  } catch (const c10::Error&) {
    return syntax;
  }
  if (device->is_cuda()) {
    if (!torch::cuda::is_available()) {
      return "CUDA is not available (this LibTorch was built without CUDA, or no GPU is "
             "visible); use cpu";
    }
    const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (device->has_index() && device->index() >= count) {
      return "only " + std::to_string(count) + " CUDA device(s) visible";
    }
  }
  return "";
}

}  // namespace

torch::Device parse_device(const std::string& name, const std::string& option) {
  std::optional<torch::Device> device;
  const std::string problem = device_problem(name, device);
  if (!problem.empty()) throw ConfigError(option + " '" + name + "' " + problem);
  return *device;
}

torch::Device resolve_device(const std::string& name, const std::string& option) {
  if (name == "auto") return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  return parse_device(name, option);
}

torch::Device resolve_device(const DeviceChoice& choice, const std::string& option) {
  if (!choice.device) return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  return parse_device(choice.device->str(), option);
}

namespace fields {

DeviceChoice Traits<DeviceChoice>::parse(const std::string& text) {
  const std::string name = trim(text);
  if (name == "auto") return DeviceChoice::automatic();
  std::optional<torch::Device> device;
  const std::string problem = device_problem(name, device);
  if (!problem.empty()) throw BadValue(problem);
  return {device};
}

std::string Traits<DeviceChoice>::format(const DeviceChoice& choice) {
  return choice.device ? choice.device->str() : "auto";
}

}  // namespace fields

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

}  // namespace infofrag
