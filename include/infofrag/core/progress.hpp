#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace infofrag {

/// A progress bar with ETA on stderr. It stays silent for jobs shorter than `kQuietSeconds`,
/// redraws one line in place on a terminal, and prints a plain line per 10% otherwise
/// (logs, CI). Not thread-safe: call `advance` from one thread.
class Progress {
 public:
  static constexpr double kQuietSeconds = 2.0;

  /// `total` units of work; `enabled` = false makes every call a no-op. `stream` and
  /// `quiet_seconds` are for tests.
  Progress(std::string label, int64_t total, bool enabled = true, std::FILE* stream = stderr,
           double quiet_seconds = kQuietSeconds);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Marks `units` more units as done.
  void advance(int64_t units = 1);
  /// Prints the final line (if anything was printed before). Called by the destructor.
  void finish();

 private:
  void draw(bool final_line);

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  bool enabled_;
  std::FILE* stream_;
  double quiet_seconds_;
  bool tty_;
  bool shown_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

/// "1m05s"-style rendering of a duration in seconds.
std::string format_duration(double seconds);

}  // namespace infofrag
