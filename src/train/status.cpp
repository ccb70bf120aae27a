#include "infofrag/train/status.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/h5.hpp"

namespace fs = std::filesystem;

namespace infofrag::train {

const char* pack_state_name(PackState state) {
  switch (state) {
    case PackState::kEnded:
      return "ended";
    case PackState::kTraining:
      return "training";
    case PackState::kWaiting:
      return "waiting";
  }
  return "?";
}

SweepStatus sweep_status(const StatusConfig& config) {
  const std::string& dir = config.ensemble;
  if (dir.empty()) throw ConfigError("--ensemble is required (the ensemble folder)");
  const std::string ini = ensemble::config_file(dir);
  if (!fs::is_directory(dir)) throw InputError(dir + ": no such folder");
  if (!fs::is_regular_file(ini)) {
    throw InputError(dir + ": has no config.ini; is it an ensemble folder of infofrag train?");
  }
  std::ifstream in(ini);
  std::ostringstream text;
  text << in.rdbuf();
  TrainConfig sweep;
  fields::read_ini(sweep, text.str(), ini);
  sweep.out = dir;

  SweepStatus status;
  status.ensemble = dir;
  status.steps = sweep.steps;
  const auto members = expand_sweep(sweep);
  status.members = static_cast<int64_t>(members.size());
  const double now = detail::now_s();
  double remaining = 0;  // member-steps
  for (const auto& plan : plan_packs(members, sweep.pack_size)) {
    PackStatus pack;
    pack.index = plan.index;
    const int64_t k = static_cast<int64_t>(plan.members.size());
    bool ended = true;
    for (const auto& m : plan.members) {
      pack.members.push_back(m.id);
      const std::string file = ensemble::member_file(dir, m.id);
      if (!fs::exists(file)) {
        ended = false;
        continue;
      }
      (ensemble::read_member(file).status == "failed" ? status.failed : status.finished) += 1;
    }
    const std::string checkpoint = ensemble::checkpoint_file(dir, plan.index);
    if (ended) {
      pack.state = PackState::kEnded;
      pack.steps_done = sweep.steps;
    } else {
      pack.lease = read_lease(dir, plan.index);
      if (pack.lease) pack.lease_state = lease_state(*pack.lease, now);
      if (fs::exists(checkpoint)) {
        try {
          pack.steps_done =
              static_cast<int64_t>(h5::File::open(checkpoint).read_number_attr("/", "step"));
        } catch (const Error&) {  // replaced or removed while read: the lease tells
        }
      }
      if (pack.lease) pack.steps_done = std::max(pack.steps_done, pack.lease->step);
      const bool held = pack.lease && pack.lease_state == LeaseState::kHeld;
      pack.state = held ? PackState::kTraining : PackState::kWaiting;
      (held ? status.in_progress : status.waiting) += k;
      if (pack.lease &&
          (pack.lease_state == LeaseState::kExpired || pack.lease_state == LeaseState::kDead)) {
        status.stale_locks.push_back(pack.lease->file);
      }
      if (held && pack.lease->renewed_s > pack.lease->acquired_s) {
        pack.steps_per_s = static_cast<double>(pack.lease->step - pack.lease->start_step) /
                           (pack.lease->renewed_s - pack.lease->acquired_s);
        status.member_steps_per_s += pack.steps_per_s * static_cast<double>(k);
      }
      remaining += static_cast<double>((sweep.steps - pack.steps_done) * k);
    }
    status.packs.push_back(std::move(pack));
  }
  if (remaining == 0) {
    status.eta_s = 0;
  } else if (status.member_steps_per_s > 0) {
    status.eta_s = remaining / status.member_steps_per_s;
  }
  return status;
}

}  // namespace infofrag::train
