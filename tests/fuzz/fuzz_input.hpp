#pragma once
// The bytes of one fuzzer input, written to a file of this process that the readers under
// test open by name (they read paths, as the commands do).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace infofrag::fuzz {

inline const std::string& input_path(const char* suffix) {
  static const std::string path = [&] {
    const std::filesystem::path folder = std::filesystem::is_directory("/dev/shm")
                                             ? "/dev/shm"
                                             : std::filesystem::temp_directory_path();
    return (folder / ("infofrag-fuzz-" + std::to_string(getpid()) + suffix)).string();
  }();
  return path;
}

inline const std::string& write_input(const uint8_t* data, size_t size, const char* suffix) {
  const std::string& path = input_path(suffix);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) __builtin_trap();
  if (size > 0) std::fwrite(data, 1, size, file);
  std::fclose(file);
  return path;
}

}  // namespace infofrag::fuzz
