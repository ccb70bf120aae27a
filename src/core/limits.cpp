#include "infofrag/core/limits.hpp"

#include <unistd.h>

#include <cstdio>

#include "infofrag/core/error.hpp"

namespace infofrag {

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

std::string bytes_string(double bytes) {
  char text[64];
  const double gib = bytes / (1024.0 * 1024.0 * 1024.0);
  if (gib >= 1e6) {
    std::snprintf(text, sizeof text, "%.3g GiB", gib);
  } else if (gib >= 1) {
    std::snprintf(text, sizeof text, "%.1f GiB", gib);
  } else {
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
  return text;
}

void check_memory(double bytes, const std::string& what, const std::string& how) {
  const double memory = physical_memory_bytes();
  if (memory <= 0 || bytes <= memory) return;
  throw ConfigError(what + ": would need " + bytes_string(bytes) + " (" + how +
                    "), more than this machine's " + bytes_string(memory) + " of memory");
}

void check_count(double count, double limit, const std::string& what, const std::string& unit) {
  if (count <= limit) return;
  char text[160];
  std::snprintf(text, sizeof text, ": %.4g %s, more than the limit of %.0f", count, unit.c_str(),
                limit);
  throw ConfigError(what + text);
}

}  // namespace infofrag
