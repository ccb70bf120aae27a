#include "data_files.hpp"

#include <filesystem>
#include <system_error>

#include "infofrag/core/error.hpp"

namespace fs = std::filesystem;

namespace infofrag::cli {

std::string data_file(const std::string& name) {
  std::error_code error;
  // Linux: the executable itself, with symbolic links resolved.
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (error) {
    throw ConfigError("cannot locate the infofrag command (/proc/self/exe): " + error.message() +
                      "; give " + name + "'s path explicitly");
  }
  const fs::path folder = exe.parent_path();
  const fs::path candidates[] = {folder / ".." / "share" / "infofrag" / name,
                                 folder / "share" / "infofrag" / name};
  for (const fs::path& candidate : candidates) {
    if (fs::exists(candidate, error)) return candidate.lexically_normal().string();
  }
  throw ConfigError(name + ": not found beside the command (looked in " +
                    candidates[0].lexically_normal().string() + " and " +
                    candidates[1].lexically_normal().string() + "); give its path explicitly");
}

}  // namespace infofrag::cli
