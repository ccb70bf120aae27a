#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "infofrag/core/error.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/train/sweep.hpp"

/// How the packs of a sweep are shared out among processes that train one ensemble folder
/// together (README, "Running a sweep on a cluster"): a plan every process computes alike,
/// shards of it, and a lock per pack with a lease that a crashed holder cannot leave stuck.
namespace infofrag::train {

/// True when pack `pack` is in `shard`'s share.
bool in_shard(int64_t pack, const Shard& shard);

/// One pack of the plan: K consecutive members of `expand_sweep`, trained in one model.
struct PackPlan {
  int64_t index = 0;  ///< j: checkpoints/pack_<j>.h5, checkpoints/pack_<j>.lock.<g>
  std::vector<MemberSpec> members;
};

/// The packs of a sweep: its members in `expand_sweep` order cut into groups of `pack_size`
/// (the last may be smaller). A pure function of the sweep, so that every process, on any
/// machine, with or without a shard, agrees on which members train together, and a member's
/// weights do not depend on how the work was split.
std::vector<PackPlan> plan_packs(const std::vector<MemberSpec>& members, int64_t pack_size);

/// A pack's lock file, `checkpoints/pack_<j>.lock.<g>` (g: its generation), as text lines
/// `key = value`. A lease: the holder renews it at every checkpoint and at least every
/// quarter of its length; a lease that expired, or whose holder process is gone (same host,
/// no process with that pid and start time), or that its holder released, may be taken over
/// by creating the next generation. Creating a generation is atomic and never replaces a
/// file (written under a temporary name, then link(2)), so two processes taking over one
/// stale lease cannot both succeed; the holder of generation g owns the pack while no
/// generation above g exists.
struct PackLease {
  std::string file;        ///< the lock file it was read from
  int64_t pack = 0;        ///< j
  int64_t generation = 0;  ///< g
  std::string host;        ///< holder's host name (gethostname)
  int64_t pid = 0;         ///< holder's process id on `host`
  std::string pid_start;   ///< the process's start time (/proc/<pid>/stat), against pid reuse
  std::string token;       ///< random; tells this holding apart from any other
  double acquired_s = 0;   ///< Unix time when taken
  double renewed_s = 0;    ///< Unix time of the last renewal
  double expires_s = 0;    ///< Unix time when it lapses unless renewed
  int64_t start_step = 0;  ///< steps done when taken
  int64_t step = 0;        ///< steps done at the last renewal
  bool released = false;   ///< given back (preempted): free for anyone
};

/// Why a lease is or is not in force.
enum class LeaseState {
  kHeld,      ///< its holder is training the pack
  kReleased,  ///< given back by its holder
  kExpired,   ///< not renewed in time
  kDead,      ///< its holder process is no longer alive (checked on the holder's host only)
};
/// "held", "released", "expired", "holder gone".
const char* lease_state_name(LeaseState state);

/// The state of `lease` at Unix time `now_s`, as seen from this machine.
LeaseState lease_state(const PackLease& lease, double now_s);

/// The pack's current lease: its highest generation, or nothing when it has no lock file.
/// InputError naming the file when that file is not a lock of this pack (garbage): training
/// stops there rather than guess, and the message says to remove the file when no process
/// trains the pack.
std::optional<PackLease> read_lease(const std::string& ensemble_dir, int64_t pack);

/// The lock file's text for `lease` (what `read_lease` parses).
std::string lease_text(const PackLease& lease);

/// Another process took the pack over (this process's lease had lapsed).
class LeaseLost : public InputError {
 public:
  using InputError::InputError;
};

/// A held lock of one pack. Made by `acquire`; renew it while training, then `release` it
/// (preempted: the next process resumes from the checkpoint) or `finish` it (the pack ended:
/// its lock files are removed).
class PackLock {
 public:
  /// Takes pack `pack` of `ensemble_dir` when nobody holds it: no lock file, or the
  /// current lease released, expired or of a dead holder. `step` is the steps the pack has
  /// done (for `infofrag status`). Returns nothing when another process holds it.
  /// InputError for a garbage lock file (`read_lease`).
  static std::optional<PackLock> acquire(const std::string& ensemble_dir, int64_t pack,
                                         double lease_s, int64_t step);

  PackLock(PackLock&& other) noexcept;
  PackLock& operator=(PackLock&&) = delete;
  PackLock(const PackLock&) = delete;
  ~PackLock();  ///< releases a lock neither released nor finished (an exception unwinding)

  const PackLease& lease() const { return lease_; }
  /// True when a quarter of the lease has passed since the last renewal.
  bool renewal_due() const;
  /// Throws LeaseLost when another process has taken the pack over.
  void check() const;
  /// `check`, then extends the lease by its length, recording `step` (by rename).
  void renew(int64_t step);
  /// Gives the pack back at `step` (the checkpoint's), for the next process to resume.
  void release(int64_t step);
  /// The pack ended: removes its lock files and its temporaries left by killed holders.
  void finish();

 private:
  PackLock(std::string dir, PackLease lease, double lease_s);
  std::string dir_;
  PackLease lease_;
  double lease_s_ = 0;
  std::chrono::steady_clock::time_point renewed_at_;
  bool done_ = false;
};

/// Lock files of pack `pack` in `ensemble_dir` as (generation, path), lowest first.
std::vector<std::pair<int64_t, std::string>> lock_files(const std::string& ensemble_dir,
                                                        int64_t pack);

namespace detail {
/// This machine's name (gethostname).
std::string host_name();
/// Unix time now, in seconds.
double now_s();
}  // namespace detail

}  // namespace infofrag::train
