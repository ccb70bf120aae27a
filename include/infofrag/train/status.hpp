#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"
#include "infofrag/train/packs.hpp"

namespace infofrag::train {

/// `infofrag status`: where a sweep in an ensemble folder stands.
struct StatusConfig {
  std::string ensemble;  ///< the ensemble folder (`infofrag status DIR`)

  template <class V>
  void fields(V&) {}
  template <class V>
  void files(V& v) {
    using namespace infofrag::fields;
    v(ensemble, "ensemble", "ensemble folder of infofrag train (or give it as the one argument)",
      required());
  }
};

/// Where one pack stands.
enum class PackState {
  kEnded,     ///< every member's file is there
  kTraining,  ///< a process holds its lease
  kWaiting,   ///< nobody trains it now (not started, preempted, or its holder died)
};
/// "ended", "training", "waiting".
const char* pack_state_name(PackState state);

struct PackStatus {
  int64_t index = 0;
  std::vector<std::string> members;  ///< member ids
  PackState state = PackState::kWaiting;
  int64_t steps_done = 0;          ///< by its checkpoint or lease (the sweep's steps when ended)
  std::optional<PackLease> lease;  ///< its lock file, when it has one
  LeaseState lease_state = LeaseState::kReleased;
  double steps_per_s = 0;  ///< its holder's rate since it took the pack (0 when unknown)
};

/// What `sweep_status` found.
struct SweepStatus {
  std::string ensemble;
  int64_t steps = 0;        ///< steps per member
  int64_t members = 0;      ///< in the sweep
  int64_t finished = 0;     ///< member files with status finished
  int64_t failed = 0;       ///< member files with status failed
  int64_t in_progress = 0;  ///< members of packs being trained now
  int64_t waiting = 0;      ///< members of packs nobody trains now
  std::vector<PackStatus> packs;
  /// Lock files whose lease lapsed or whose holder is gone, while their pack has not ended:
  /// the next `train` on the folder takes them over.
  std::vector<std::string> stale_locks;
  double member_steps_per_s = 0;  ///< all holders together (0 when unknown)
  double eta_s = -1;              ///< remaining member-steps at that rate; −1 when unknown
};

/// Reads the folder's config.ini, member files, checkpoints and lock files. Changes nothing.
/// InputError naming the folder or file when it is not an ensemble folder of `train`, or a
/// lock file is garbage.
SweepStatus sweep_status(const StatusConfig& config);

}  // namespace infofrag::train
