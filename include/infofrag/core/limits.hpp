#pragma once

#include <cstdint>
#include <string>

namespace infofrag {

// Sizes are checked before anything is allocated or written (README, "Limits"): what follows
// from an option or a claimed dimension is refused at once, with what it would need, rather
// than ending in an allocator's message or a hang.

/// Ensemble members in one sweep or synthetic file: each is a file or an HDF5 group.
constexpr int64_t kMaxMembers = 100000;
/// Latent channels of one model (`model.latents`).
constexpr int64_t kMaxLatents = 65536;
/// Optimizer steps of one run (`train.steps`, `fuse --steps`): 1e9 steps are years of work.
constexpr int64_t kMaxSteps = 1000000000;

/// Bytes of physical memory of this machine (sysconf), or 0 when unknown.
double physical_memory_bytes();

/// "12.5 GiB", for messages.
std::string bytes_string(double bytes);

/// Throws ConfigError "`what` would need N GiB (`how`), more than this machine's M GiB of
/// memory" when `bytes` exceeds the physical memory. `what` names the option and its value.
void check_memory(double bytes, const std::string& what, const std::string& how);

/// Throws ConfigError "`what`: more than the limit of `limit` `unit`" when `count` > `limit`.
/// `count` is a double so that products of options cannot overflow before the check.
void check_count(double count, double limit, const std::string& what, const std::string& unit);

}  // namespace infofrag
