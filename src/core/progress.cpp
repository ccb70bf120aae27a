#include "infofrag/core/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace infofrag {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  char buffer[32];
  if (s >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%llds", static_cast<long long>(s));
  }
  return buffer;
}

Progress::Progress(std::string label, int64_t total, bool enabled, std::FILE* stream,
                   double quiet_seconds)
    : label_(std::move(label)),
      total_(total > 0 ? total : 1),
      enabled_(enabled),
      stream_(stream),
      quiet_seconds_(quiet_seconds),
      tty_(isatty(fileno(stream)) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(int64_t units) {
  if (!enabled_) return;
  done_ += units;
  if (seconds_since(start_) < quiet_seconds_) return;
  if (tty_) {
    if (seconds_since(last_draw_) >= 0.2 || done_ >= total_) draw(false);
  } else {
    const int decile = static_cast<int>(10 * done_ / total_);
    if (decile != last_decile_) draw(false);
  }
}

void Progress::finish() {
  if (!enabled_) return;
  if (shown_ && (tty_ || last_decile_ < 10)) draw(true);
  enabled_ = false;
}

void Progress::draw(bool final_line) {
  const double elapsed = seconds_since(start_);
  const double fraction = static_cast<double>(done_) / static_cast<double>(total_);
  const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : NAN;
  const int percent = static_cast<int>(100 * fraction);
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * fraction);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stream_, "\r%s [%s] %3d%% %s elapsed, ETA %s ", label_.c_str(), bar.c_str(),
                 percent, format_duration(elapsed).c_str(),
                 final_line ? "0s" : format_duration(eta).c_str());
    if (final_line) std::fputc('\n', stream_);
  } else {
    std::fprintf(stream_, "%s: %3d%% (%lld/%lld), %s elapsed, ETA %s\n", label_.c_str(), percent,
                 static_cast<long long>(done_), static_cast<long long>(total_),
                 format_duration(elapsed).c_str(),
                 final_line ? "0s" : format_duration(eta).c_str());
    last_decile_ = static_cast<int>(10 * done_ / total_);
  }
  std::fflush(stream_);
  shown_ = true;
  last_draw_ = std::chrono::steady_clock::now();
}

}  // namespace infofrag
