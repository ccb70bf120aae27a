#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace infofrag::h5 {

/// What a dataset holds, as far as infofrag cares.
enum class Kind { kFloat, kInteger, kString, kOther };

struct DatasetInfo {
  std::vector<int64_t> shape;  ///< dimensions, outermost first
  Kind kind = Kind::kOther;
};

/// An attribute value as infofrag writes them.
using AttrValue = std::variant<int64_t, double, std::string, std::vector<std::string>>;

/// Why HDF5 failed to finish (flush and close) the file at `path` since the last call
/// (" (No space left on device)"), or nullopt when it did not fail. A File's destructor
/// cannot throw, so it records the failure here; AtomicFile::commit asks before renaming.
std::optional<std::string> close_failure(const std::string& path);

/// An open HDF5 file. Every error is an InputError that names the file and the object
/// ("runs.h5: /members/a/mu ..."), with HDF5's own message appended where it has one.
/// Object names are absolute paths ("/members/a/mu"); parent groups are created on write.
class File {
 public:
  /// Opens an existing file read-only.
  static File open(const std::string& path);
  /// Creates (or truncates) a file for writing.
  static File create(const std::string& path);
  /// Opens an existing file for reading and writing. Callers that must not damage the file
  /// on failure open a copy (see AtomicFile) and rename it when done.
  static File open_for_update(const std::string& path);

  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  const std::string& path() const { return path_; }
  /// "path: name", the prefix of every message about `name`.
  std::string where(const std::string& name) const;

  /// True when every component of `name` exists.
  bool has(const std::string& name) const;
  bool is_group(const std::string& name) const;
  /// Names of the children of group `name`, in HDF5's name order.
  std::vector<std::string> list(const std::string& group) const;
  DatasetInfo info(const std::string& name) const;

  /// Reads a whole numeric dataset, converted by HDF5 to `dtype` (kFloat32, kFloat64 or
  /// kInt64). Float targets require a float dataset; kInt64 requires an integer one.
  torch::Tensor read(const std::string& name, torch::Dtype dtype) const;
  /// Reads the rows `rows` (indices into the first dimension, in any order, repeats allowed)
  /// of a numeric dataset, converted to `dtype` as `read` does, without reading the rest:
  /// [rows.size(), *shape[1:]]. kUInt8 reads an integer dataset of bytes. InputError when a
  /// row is out of range.
  torch::Tensor read_rows(const std::string& name, const std::vector<int64_t>& rows,
                          torch::Dtype dtype) const;
  /// Reads a 1-D (or scalar) dataset of fixed- or variable-length strings.
  std::vector<std::string> read_strings(const std::string& name) const;
  bool has_attr(const std::string& object, const std::string& attr) const;
  /// Reads a string attribute, scalar or 1-D, fixed- or variable-length.
  std::vector<std::string> read_string_attr(const std::string& object,
                                            const std::string& attr) const;
  /// Names of the attributes of `object`, in name order.
  std::vector<std::string> attr_names(const std::string& object) const;
  /// True when `attr` exists and is a single number.
  bool is_number_attr(const std::string& object, const std::string& attr) const;
  /// Reads a numeric scalar attribute as double.
  double read_number_attr(const std::string& object, const std::string& attr) const;

  /// Writes a CPU tensor (float32, float64, int64 or uint8) as a new dataset.
  void write(const std::string& name, const torch::Tensor& tensor);
  /// Writes variable-length UTF-8 strings as a 1-D dataset.
  void write_strings(const std::string& name, const std::vector<std::string>& values);
  void create_group(const std::string& name);
  /// Unlinks `name` (a dataset or a whole group) if it exists.
  void remove(const std::string& name);
  /// Sets (or replaces) an attribute of the object `object` ("/" for the root).
  void set_attr(const std::string& object, const std::string& attr, const AttrValue& value);

 private:
  File(std::string path, int64_t id) : path_(std::move(path)), id_(id) {}

  std::string path_;
  int64_t id_ = -1;
};

}  // namespace infofrag::h5
