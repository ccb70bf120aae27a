#include "infofrag/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "infofrag/core/error.hpp"
#include "infofrag/io/h5.hpp"

namespace infofrag {

namespace fs = std::filesystem;

namespace {

/// `path` made absolute with every symbolic link in its existing part resolved, so that two
/// spellings of one place compare equal even when the file itself does not exist yet.
fs::path resolved(const fs::path& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (ec) return path.lexically_normal();
  fs::path r = fs::weakly_canonical(absolute, ec);
  return ec ? absolute.lexically_normal() : r;
}

/// True when `path` is `folder` or lies inside it (both resolved).
bool is_within(const fs::path& path, const fs::path& folder) {
  auto p = path.begin();
  for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
    if (f->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *f) return false;
  }
  return true;
}

}  // namespace

bool is_same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    const bool same = fs::equivalent(a, b, ec);  // hard links too
    if (!ec) return same;
  }
  return resolved(a) == resolved(b);
}

namespace {

/// Removes `path.partial-PID` files left by processes that are no longer alive. A file of a
/// live process (ours, or a PID reused since) is left alone.
void remove_stale_temporaries(const fs::path& path) {
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string prefix = path.filename().string() + ".partial-";
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid <= 0 || pid == getpid()) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

}  // namespace

void check_output_path(const std::string& path, const std::vector<StageInput>& inputs,
                       const std::string& option) {
  if (path.empty()) throw ConfigError(option + " is required (no output file given)");
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw ConfigError(option + " " + path + ": the output folder '" + folder.string() +
                      "' does not exist");
  }
  if (fs::is_directory(target, ec)) {
    throw ConfigError(option + " " + path + ": is a folder; give a file name for the output");
  }
  for (const StageInput& input : inputs) {
    if (input.path.empty()) continue;
    const bool clash = input.whole_folder ? is_within(resolved(target), resolved(input.path))
                                          : is_same_file(path, input.path);
    if (!clash) continue;
    const fs::path real_out = resolved(target);
    std::string through;
    if (input.whole_folder) {
      through = " (it resolves to " + real_out.string() + ")";
    } else if (path != input.path) {
      through = real_out == resolved(input.path) ? " (both resolve to " + real_out.string() + ")"
                                                 : " (the same file through a hard link)";
    }
    throw ConfigError(option + " " + path + (input.whole_folder ? ": is inside " : ": is ") +
                      "the input " + input.option + " " + input.path + through +
                      "; writing it would destroy the input, give another output path");
  }
}

void check_output_folder(const std::string& folder, const std::vector<std::string>& written,
                         const std::vector<StageInput>& inputs, const std::string& option) {
  if (folder.empty()) throw ConfigError(option + " is required (no output folder given)");
  for (const std::string& part : written) {
    const fs::path out = resolved(fs::path(folder) / part);
    for (const StageInput& input : inputs) {
      if (input.path.empty() || !is_within(resolved(input.path), out)) continue;
      throw ConfigError(option + " " + folder + ": would write over the input " + input.option +
                        " " + input.path + " (" + out.string() +
                        " is written by this command); give another output folder");
    }
  }
}

void check_input_path(const std::string& path, const std::string& option) {
  if (path.empty()) throw ConfigError(option + " is required (no input file given)");
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(option + " " + path + ": no such file");
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  check_output_path(path_);
  remove_stale_temporaries(path_);
  temp_path_ = path_ + ".partial-" + std::to_string(getpid());
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_path_, ec);
  }
}

void AtomicFile::commit() {
  if (const auto cause = h5::close_failure(temp_path_)) {  // a full disk shows up here
    std::error_code ignored;
    fs::remove(temp_path_, ignored);
    throw InputError(path_ + ": cannot be written completely" + *cause);
  }
  std::error_code ec;
  fs::rename(temp_path_, path_, ec);
  if (ec) throw InputError(path_ + ": cannot move the finished output into place: " + ec.message());
  committed_ = true;
}

namespace {

/// `path.partial-HOST-PID`: unique across the machines sharing a folder, and left alone by
/// `remove_stale_temporaries` (whose pid test means nothing for another host's process).
std::string host_temporary(const std::string& path) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "host");
  return path + ".partial-" + host + "-" + std::to_string(getpid());
}

void write_whole(const std::string& path, const std::string& text, const std::string& target) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(target + ": cannot be written (" + std::strerror(errno) + ")");
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string cause = std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      throw InputError(target + ": cannot be written (" + cause + ")");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string cause = std::strerror(errno);
    ::unlink(path.c_str());
    throw InputError(target + ": cannot be written (" + cause + ")");
  }
}

}  // namespace

bool create_file_once(const std::string& path, const std::string& text) {
  const std::string temp = host_temporary(path);
  write_whole(temp, text, path);
  const int linked = ::link(temp.c_str(), path.c_str());
  const int cause = errno;
  ::unlink(temp.c_str());
  if (linked == 0) return true;
  if (cause == EEXIST) return false;
  throw InputError(path + ": cannot be created (" + std::strerror(cause) + ")");
}

void replace_file(const std::string& path, const std::string& text) {
  const std::string temp = host_temporary(path);
  write_whole(temp, text, path);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string cause = std::strerror(errno);
    ::unlink(temp.c_str());
    throw InputError(path + ": cannot move the new content into place (" + cause + ")");
  }
}

namespace {

std::string real_path(const std::string& path, const std::string& option) {
  check_input_path(path, option);
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec) throw InputError(option + " " + path + ": " + ec.message());
  return real.string();
}

struct stat stat_of(const std::string& path, const std::string& option) {
  struct stat s {};
  if (::stat(path.c_str(), &s) != 0) {
    throw InputError(option + " " + path + ": " + std::strerror(errno));
  }
  return s;
}

bool same_state(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

}  // namespace

FileUpdate::FileUpdate(const std::string& path, const std::string& option)
    : path_(path), option_(option), output_(real_path(path, option)) {
  before_ = stat_of(target(), option_);
}

FileUpdate::~FileUpdate() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

const std::string& FileUpdate::copy() {
  const std::string changed = option_ + " " + path_ +
                              ": was changed by another program while infofrag worked on it; "
                              "its new content is kept and this update dropped: run again";
  if (fd_ < 0) {
    fd_ = ::open(target().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(option_ + " " + path_ + ": " + std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      throw InputError(option_ + " " + path_ +
                       ": another process is updating this file now; its result is kept and "
                       "this update dropped: run again when it has finished");
    }
  }
  struct stat locked {};
  if (fstat(fd_, &locked) != 0 || !same_state(locked, before_) ||
      !same_state(stat_of(target(), option_), before_)) {
    throw InputError(changed);
  }
  std::error_code ec;
  fs::copy_file(target(), output_.temp_path(), fs::copy_options::overwrite_existing, ec);
  if (ec) {
    throw InputError(option_ + " " + path_ + ": cannot copy it to " + output_.temp_path() + ": " +
                     ec.message());
  }
  return output_.temp_path();
}

void FileUpdate::commit() {
  if (fd_ < 0) throw std::logic_error("FileUpdate::commit called before copy");
  output_.commit();
  ::close(fd_);
  fd_ = -1;
}

}  // namespace infofrag
