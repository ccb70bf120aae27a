#include "infofrag/io/atomic_file.hpp"

#include <unistd.h>

#include <filesystem>

#include "infofrag/core/error.hpp"

namespace infofrag {

namespace fs = std::filesystem;

void check_output_path(const std::string& path) {
  if (path.empty()) throw ConfigError("no output file given");
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw ConfigError(path + ": the output folder '" + folder.string() + "' does not exist");
  }
  if (fs::is_directory(target, ec)) {
    throw ConfigError(path + ": is a folder; give a file name for the output");
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  check_output_path(path_);
  temp_path_ = path_ + ".partial-" + std::to_string(getpid());
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_path_, ec);
  }
}

void AtomicFile::commit() {
  std::error_code ec;
  fs::rename(temp_path_, path_, ec);
  if (ec) throw InputError(path_ + ": cannot move the finished output into place: " + ec.message());
  committed_ = true;
}

}  // namespace infofrag
