#include "infofrag/train/packs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "infofrag/core/text.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace infofrag::train {

namespace detail {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace detail

namespace {

/// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), "" when unknown.
std::string process_start(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return "";
  std::istringstream rest(text.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return "";
}

std::string random_token() {
  std::random_device device;
  std::ostringstream out;
  out << std::hex << device() << device() << device() << device();
  return out.str();
}

std::string read_text(const std::string& path, bool& missing) {
  std::ifstream in(path);
  missing = !in;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string lock_path(const std::string& dir, int64_t pack, int64_t generation) {
  return (fs::path(ensemble::checkpoints_dir(dir)) /
          ("pack_" + std::to_string(pack) + ".lock." + std::to_string(generation)))
      .string();
}

/// Parses a lock file; InputError naming it for anything that is not one of pack `pack`.
PackLease parse_lease(const std::string& text, const std::string& file, int64_t pack,
                      int64_t generation) {
  const std::string advice = "; if no process is training pack " + std::to_string(pack) +
                             ", remove this file and run again";
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const size_t eq = t.find('=');
    if (eq == std::string::npos) {
      throw InputError(file + ": is not an infofrag pack lock (line " + std::to_string(number) +
                       ": '" + printable(t, 60) + "')" + advice);
    }
    values[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  PackLease lease;
  lease.file = file;
  lease.generation = generation;
  const auto get = [&](const char* key) -> const std::string& {
    const auto found = values.find(key);
    if (found == values.end()) {
      throw InputError(file + ": is not an infofrag pack lock (no '" + key + "' line)" + advice);
    }
    return found->second;
  };
  const auto number_of = [&](const char* key) {
    try {
      return fields::parse<double>(get(key));
    } catch (const fields::BadValue& e) {
      throw InputError(file + ": is not an infofrag pack lock ('" + key + "' = '" +
                       printable(get(key), 40) + "' " + e.what() + ")" + advice);
    }
  };
  const auto count_of = [&](const char* key) {
    try {
      return fields::parse<int64_t>(get(key));
    } catch (const fields::BadValue& e) {
      throw InputError(file + ": is not an infofrag pack lock ('" + key + "' = '" +
                       printable(get(key), 40) + "' " + e.what() + ")" + advice);
    }
  };
  lease.pack = count_of("pack");
  if (lease.pack != pack) {
    throw InputError(file + ": is the lock of pack " + std::to_string(lease.pack) +
                     ", not of pack " + std::to_string(pack) + advice);
  }
  lease.host = get("host");
  lease.pid = count_of("pid");
  lease.pid_start = get("pid-start");
  lease.token = get("token");
  lease.acquired_s = number_of("acquired");
  lease.renewed_s = number_of("renewed");
  lease.expires_s = number_of("expires");
  lease.start_step = count_of("start-step");
  lease.step = count_of("step");
  const std::string& state = get("state");
  if (state != "held" && state != "released") {
    throw InputError(file + ": is not an infofrag pack lock (state = '" + printable(state, 40) +
                     "', expected held or released)" + advice);
  }
  lease.released = state == "released";
  return lease;
}

}  // namespace

bool in_shard(int64_t pack, const Shard& shard) { return pack % shard.count == shard.index; }

std::vector<PackPlan> plan_packs(const std::vector<MemberSpec>& members, int64_t pack_size) {
  TORCH_CHECK(pack_size >= 1, "plan_packs: pack_size must be at least 1");
  std::vector<PackPlan> packs;
  const size_t k = static_cast<size_t>(pack_size);
  for (size_t first = 0; first < members.size(); first += k) {
    PackPlan plan;
    plan.index = static_cast<int64_t>(packs.size());
    const auto begin = members.begin() + static_cast<std::ptrdiff_t>(first);
    plan.members.assign(begin,
                        begin + static_cast<std::ptrdiff_t>(std::min(k, members.size() - first)));
    packs.push_back(std::move(plan));
  }
  return packs;
}

const char* lease_state_name(LeaseState state) {
  switch (state) {
    case LeaseState::kHeld:
      return "held";
    case LeaseState::kReleased:
      return "released";
    case LeaseState::kExpired:
      return "expired";
    case LeaseState::kDead:
      return "holder gone";
  }
  return "?";
}

LeaseState lease_state(const PackLease& lease, double now_s) {
  if (lease.released) return LeaseState::kReleased;
  if (lease.host == detail::host_name()) {
    // On the holder's own machine its death is seen at once, not after the lease.
    const bool alive =
        lease.pid > 0 && (kill(static_cast<pid_t>(lease.pid), 0) == 0 || errno == EPERM);
    if (!alive || process_start(lease.pid) != lease.pid_start) return LeaseState::kDead;
  }
  if (lease.expires_s < now_s) return LeaseState::kExpired;
  return LeaseState::kHeld;
}

std::string lease_text(const PackLease& l) {
  std::ostringstream out;
  out.precision(17);
  out << "# infofrag pack lock: a lease on checkpoints/pack_" << l.pack
      << ".h5 (README, \"Running a sweep on a cluster\")\n"
      << "pack = " << l.pack << "\nhost = " << l.host << "\npid = " << l.pid
      << "\npid-start = " << l.pid_start << "\ntoken = " << l.token
      << "\nacquired = " << fields::format_double(l.acquired_s)
      << "\nrenewed = " << fields::format_double(l.renewed_s)
      << "\nexpires = " << fields::format_double(l.expires_s) << "\nstart-step = " << l.start_step
      << "\nstep = " << l.step << "\nstate = " << (l.released ? "released" : "held") << "\n";
  return out.str();
}

std::vector<std::pair<int64_t, std::string>> lock_files(const std::string& ensemble_dir,
                                                        int64_t pack) {
  std::vector<std::pair<int64_t, std::string>> out;
  const std::string prefix = "pack_" + std::to_string(pack) + ".lock.";
  std::error_code ec;
  for (fs::directory_iterator it(ensemble::checkpoints_dir(ensemble_dir), ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 15 || digits.find_first_not_of("0123456789") != std::string::npos) {
      continue;  // a temporary (".partial-...") or another file
    }
    out.emplace_back(std::stoll(digits), it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<PackLease> read_lease(const std::string& ensemble_dir, int64_t pack) {
  // A file may vanish between the listing and the read (its pack ended): list again.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto files = lock_files(ensemble_dir, pack);
    if (files.empty()) return std::nullopt;
    bool missing = false;
    const std::string text = read_text(files.back().second, missing);
    if (missing) continue;
    return parse_lease(text, files.back().second, pack, files.back().first);
  }
  throw InputError(ensemble::checkpoints_dir(ensemble_dir) + ": the lock files of pack " +
                   std::to_string(pack) + " keep changing; is something else writing there?");
}

PackLock::PackLock(std::string dir, PackLease lease, double lease_s)
    : dir_(std::move(dir)),
      lease_(std::move(lease)),
      lease_s_(lease_s),
      renewed_at_(std::chrono::steady_clock::now()) {}

PackLock::PackLock(PackLock&& other) noexcept
    : dir_(std::move(other.dir_)),
      lease_(std::move(other.lease_)),
      lease_s_(other.lease_s_),
      renewed_at_(other.renewed_at_),
      done_(other.done_) {
  other.done_ = true;
}

PackLock::~PackLock() {
  if (done_) return;
  try {
    release(lease_.step);
  } catch (...) {  // lost or unwritable: the lease lapses by itself
  }
}

std::optional<PackLock> PackLock::acquire(const std::string& ensemble_dir, int64_t pack,
                                          double lease_s, int64_t step) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const double now = detail::now_s();
    const auto current = read_lease(ensemble_dir, pack);
    if (current && lease_state(*current, now) == LeaseState::kHeld) return std::nullopt;
    PackLease lease;
    lease.pack = pack;
    lease.generation = current ? current->generation + 1 : 0;
    lease.file = lock_path(ensemble_dir, pack, lease.generation);
    lease.host = detail::host_name();
    lease.pid = static_cast<int64_t>(getpid());
    lease.pid_start = process_start(lease.pid);
    lease.token = random_token();
    lease.acquired_s = lease.renewed_s = now;
    lease.expires_s = now + lease_s;
    lease.start_step = lease.step = step;
    if (!create_file_once(lease.file, lease_text(lease))) continue;  // another was quicker
    PackLock lock(ensemble_dir, lease, lease_s);
    // Older generations are history now; a process still thinking it holds one finds its
    // file gone at its next check.
    for (const auto& [generation, path] : lock_files(ensemble_dir, pack)) {
      if (generation >= lease.generation) continue;
      std::error_code ignored;
      fs::remove(path, ignored);
    }
    return lock;
  }
  return std::nullopt;
}

bool PackLock::renewal_due() const {
  const double since =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - renewed_at_).count();
  return since > lease_s_ / 4;
}

void PackLock::check() const {
  const std::string lost = "pack " + std::to_string(lease_.pack) +
                           ": another process took it over (this process's lease in " +
                           lease_.file + " had lapsed); this process leaves it";
  bool missing = false;
  const std::string text = read_text(lease_.file, missing);
  if (missing) throw LeaseLost(lost);
  const PackLease held = parse_lease(text, lease_.file, lease_.pack, lease_.generation);
  if (held.token != lease_.token) throw LeaseLost(lost);
  const auto files = lock_files(dir_, lease_.pack);
  if (!files.empty() && files.back().first > lease_.generation) throw LeaseLost(lost);
}

void PackLock::renew(int64_t step) {
  check();
  const double now = detail::now_s();
  lease_.renewed_s = now;
  lease_.expires_s = now + lease_s_;
  lease_.step = step;
  replace_file(lease_.file, lease_text(lease_));
  renewed_at_ = std::chrono::steady_clock::now();
}

void PackLock::release(int64_t step) {
  if (done_) return;
  done_ = true;
  check();
  lease_.step = step;
  lease_.released = true;
  lease_.renewed_s = detail::now_s();
  replace_file(lease_.file, lease_text(lease_));
}

void PackLock::finish() {
  if (done_) return;
  done_ = true;
  // The pack's lock files, and temporaries that killed holders left (of its checkpoint,
  // pack_<j>.h5.partial-PID, and of lock files): nothing of an ended pack is written again.
  const std::string prefix = "pack_" + std::to_string(lease_.pack) + ".";
  std::error_code ec;
  std::vector<fs::path> left;
  for (fs::directory_iterator it(ensemble::checkpoints_dir(dir_), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) == 0) left.push_back(it->path());
  }
  for (const auto& path : left) {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
}

}  // namespace infofrag::train

namespace infofrag::fields {

train::Shard Traits<train::Shard>::parse(const std::string& text) {
  const std::string t = trim(text);
  const size_t slash = t.find('/');
  if (slash == std::string::npos) {
    throw BadValue("is not i/n (process i of n, counted from 0: 0/4, 1/4, 2/4, 3/4)");
  }
  train::Shard shard;
  try {
    shard.index = Traits<int64_t>::parse(t.substr(0, slash));
    shard.count = Traits<int64_t>::parse(t.substr(slash + 1));
  } catch (const BadValue&) {
    throw BadValue("is not i/n (two whole numbers, process i of n, counted from 0: 0/4)");
  }
  if (shard.count < 1) throw BadValue("n must be at least 1 (n processes share the sweep)");
  if (shard.index < 0 || shard.index >= shard.count) {
    throw BadValue("i must be 0 to n-1 = " + std::to_string(shard.count - 1) +
                   " (shards are counted from 0, as Slurm array tasks)");
  }
  return shard;
}

std::string Traits<train::Shard>::format(const train::Shard& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

}  // namespace infofrag::fields
