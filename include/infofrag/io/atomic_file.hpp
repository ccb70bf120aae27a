#pragma once

#include <string>

namespace infofrag {

/// Throws ConfigError when `path` cannot be an output file: empty, a folder, or in a folder
/// that does not exist. Stages call it before long work, so a typo fails at once.
void check_output_path(const std::string& path);

/// An output written under a temporary name beside `path` and renamed onto it by `commit()`.
/// An interrupted or failed run thus never leaves a file that looks finished, and never
/// destroys an older file at `path`. The destructor removes an uncommitted temporary.
class AtomicFile {
 public:
  /// Checks `path` with `check_output_path`.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Where to write until `commit`.
  const std::string& temp_path() const { return temp_path_; }
  const std::string& path() const { return path_; }
  /// Renames the temporary onto `path`.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

}  // namespace infofrag
