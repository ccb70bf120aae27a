#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>

#include "infofrag/core/fields.hpp"

namespace infofrag {

/// Parses a device name ("cpu", "cuda", "cuda:1"). Throws ConfigError naming `option` when
/// the name is invalid or CUDA is requested but not available in this build or machine.
torch::Device parse_device(const std::string& name, const std::string& option = "--device");

/// Like `parse_device`, and "auto" means CUDA when available, else CPU.
torch::Device resolve_device(const std::string& name, const std::string& option = "--device");

/// A device option, parsed once at the boundary: auto (CUDA when available, else CPU), cpu,
/// cuda or cuda:N.
struct DeviceChoice {
  std::optional<torch::Device> device;  ///< empty = auto

  static DeviceChoice automatic() { return {}; }
  static DeviceChoice cpu() { return {torch::Device(torch::kCPU)}; }
  static DeviceChoice cuda() { return {torch::Device(torch::kCUDA)}; }
  bool operator==(const DeviceChoice& other) const { return device == other.device; }
};

/// The device to run on. ConfigError naming `option` when CUDA is asked for but this build or
/// machine has none, or the index is past the visible devices.
torch::Device resolve_device(const DeviceChoice& choice, const std::string& option = "--device");

/// Blocks until queued work on `device` is done, so wall-clock timings are honest on CUDA.
void synchronize(const torch::Device& device);

namespace fields {
template <>
struct Traits<DeviceChoice> {
  static DeviceChoice parse(const std::string& text);
  static std::string format(const DeviceChoice& choice);
};

/// The `device` option of every stage that computes, declared once for all of them.
template <class V>
void device_field(V& v, DeviceChoice& device) {
  v(device, "device", "auto, cpu, cuda or cuda:N", runtime());
}
}  // namespace fields

}  // namespace infofrag
