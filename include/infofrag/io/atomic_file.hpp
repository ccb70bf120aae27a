#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

namespace infofrag {

/// A path a stage reads, which none of its outputs may replace.
struct StageInput {
  std::string option;  ///< the option that named it, for messages ("--embeddings")
  std::string path;
  /// True for a folder whose content the stage reads (an ensemble's members/): outputs inside
  /// it are refused too. False for a file.
  bool whole_folder = false;
};

/// True when `a` and `b` name one file: the same after resolving symbolic links (the file
/// itself need not exist), or hard links to one inode.
bool is_same_file(const std::string& a, const std::string& b);

/// Throws ConfigError when `path`, given by `option`, cannot be an output file: empty, a
/// folder, in a folder that does not exist, or when it resolves (through symbolic and hard
/// links, also when only its folder is a link) to one of `inputs` or into a `whole_folder`
/// input. Stages call it before long work, so a typo fails at once and no input is replaced.
void check_output_path(const std::string& path, const std::vector<StageInput>& inputs = {},
                       const std::string& option = "--out");

/// Throws ConfigError when an output folder (`train --out DIR`), given by `option`, would write
/// over an input: when one of `inputs` is, or lies inside, one of the `written` parts of the
/// folder (paths relative to it: "config.ini", "members"). The folder need not exist yet.
void check_output_folder(const std::string& folder, const std::vector<std::string>& written,
                         const std::vector<StageInput>& inputs, const std::string& option);

/// Throws ConfigError when `path` is empty ("`option` is required") and InputError when it
/// does not exist, naming the option.
void check_input_path(const std::string& path, const std::string& option);

/// An output written under a temporary name beside `path` and renamed onto it by `commit()`.
/// An interrupted or failed run thus never leaves a file that looks finished, and never
/// destroys an older file at `path`. The destructor removes an uncommitted temporary.
/// Temporaries are named `path.partial-PID`; those of processes no longer alive (killed
/// runs) are removed when the next AtomicFile for `path` is made.
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
  /// Renames the temporary onto `path`. Throws InputError, and removes the temporary, when
  /// writing it failed (a full disk shows up when HDF5 closes the file), so that only
  /// complete files ever appear at `path`.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

/// Creates `path` holding `text` unless a file of that name exists, atomically and without
/// ever replacing one: the text is written to a temporary beside it
/// (`path.partial-HOST-PID`) and linked to `path` (link(2) fails when the name exists, on
/// local and network file systems alike). Returns true when this call created the file,
/// false when it already existed (whoever made it wrote it whole). InputError naming the file
/// when it cannot be written. Several processes may race on one `path`: one wins.
bool create_file_once(const std::string& path, const std::string& text);

/// Writes `text` to `path` through a temporary renamed over it, so that a reader sees the
/// old or the new content, whole. InputError naming the file when it cannot be written.
void replace_file(const std::string& path, const std::string& text);

/// An in-place update of an existing file (`hotspots` adding /hotspots to an analysis file):
/// a copy beside the file's real location, edited and renamed over it. A symbolic link at
/// `path` is kept and its target updated. The file's identity (device, inode, size, mtime) is
/// noted at construction, before the caller reads it; `copy` takes an exclusive lock (flock)
/// on the file, held until `commit` or destruction, and refuses when the file changed since;
/// so of two concurrent updates one fails with a clear message and none is silently lost.
class FileUpdate {
 public:
  /// `option` names the file in messages ("--analysis"). Throws when the file is missing.
  FileUpdate(const std::string& path, const std::string& option);
  ~FileUpdate();
  FileUpdate(const FileUpdate&) = delete;
  FileUpdate& operator=(const FileUpdate&) = delete;

  /// The file's real location (symbolic links resolved).
  const std::string& target() const { return output_.path(); }
  /// Locks the file, checks that it is unchanged, copies it to a temporary beside it and
  /// returns the temporary's path, to edit. Throws InputError when another process holds
  /// the lock or the file changed.
  const std::string& copy();
  /// Renames the edited copy over the file and releases the lock.
  void commit();

 private:
  std::string path_;
  std::string option_;
  AtomicFile output_;
  struct stat before_ {};
  int fd_ = -1;
};

}  // namespace infofrag
