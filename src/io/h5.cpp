#include "infofrag/io/h5.hpp"

#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <type_traits>

#include "infofrag/core/error.hpp"
#include "infofrag/core/limits.hpp"

namespace infofrag::h5 {

static_assert(std::is_same_v<hid_t, int64_t>, "infofrag needs HDF5 >= 1.10 (64-bit hid_t)");

namespace {

/// Owns an HDF5 identifier and closes it with the matching H5*close.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Id(Id&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

/// Turns off HDF5's habit of printing its error stack to stderr; we report errors ourselves.
void quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

struct StackSummary {
  std::string innermost;  ///< the innermost description
  std::string system;     ///< the operating system's message, where HDF5 quotes one
  bool locked = false;    ///< another process holds the file's lock
};

herr_t summarize_error(unsigned n, const H5E_error2_t* error, void* out) {
  auto& summary = *static_cast<StackSummary*>(out);
  const std::string desc = error->desc ? error->desc : "";
  if (n == 0) summary.innermost = desc;
  if (desc.find("unable to lock file") != std::string::npos) summary.locked = true;
  // I/O failures quote errno: "..., errno = 28, error message = 'No space left on device', ..."
  const size_t at = desc.find("error message = '");
  if (summary.system.empty() && at != std::string::npos) {
    const size_t begin = at + 17;
    const size_t end = desc.find('\'', begin);
    if (end != std::string::npos) summary.system = desc.substr(begin, end - begin);
  }
  return 0;
}

/// The cause of the last HDF5 failure in one short line: the system's message where HDF5
/// quotes one (" (No space left on device)"), else HDF5's innermost description
/// (" (HDF5: ...)"), else "". Clears HDF5's error stack.
std::string hdf5_says() {
  StackSummary summary;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, summarize_error, &summary);
  H5Eclear2(H5E_DEFAULT);
  if (summary.locked) return " (another process is writing it and holds its lock; try again)";
  if (!summary.system.empty()) return " (" + summary.system + ")";
  if (summary.innermost.empty()) return "";
  constexpr size_t kLongest = 160;
  if (summary.innermost.size() > kLongest) summary.innermost.resize(kLongest);
  return " (HDF5: " + summary.innermost + ")";
}

/// Close failures by path, reported by check_closed (destructors cannot throw).
std::mutex close_failures_mutex;
std::map<std::string, std::string> close_failures;

void close_file(hid_t id, const std::string& path) {
  if (H5Fclose(id) >= 0) return;
  const std::string cause = hdf5_says();
  const std::lock_guard<std::mutex> lock(close_failures_mutex);
  close_failures[path] = cause;
}

Id link_creation_plist() {
  Id plist(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(plist.get(), 1);
  return plist;
}

/// A variable-length UTF-8 string type.
Id vlen_string_type() {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

std::vector<int64_t> space_shape(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// Reads strings from a dataset or attribute whose file type is `file_type`. `read` is
/// called with the memory type and a buffer.
template <typename ReadFn>
std::vector<std::string> read_string_values(hid_t file_type, hid_t space, int64_t count,
                                            ReadFn read, const std::string& where) {
  if (H5Tget_class(file_type) != H5T_STRING) {
    throw InputError(where + " does not hold strings");
  }
  // A claimed count is checked before buffers are made for it (a damaged file can claim any).
  const double bytes =
      static_cast<double>(count) *
      (64 + static_cast<double>(H5Tis_variable_str(file_type) > 0 ? 0 : H5Tget_size(file_type)));
  const double memory = physical_memory_bytes();
  if (memory > 0 && bytes > memory) {
    throw InputError(where + " claims " + std::to_string(count) +
                     " strings: reading them would need " + bytes_string(bytes) +
                     ", more than this machine's " + bytes_string(memory) + " of memory");
  }
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(count));
  if (H5Tis_variable_str(file_type) > 0) {
    Id mem_type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem_type.get(), H5T_VARIABLE);
    H5Tset_cset(mem_type.get(), H5Tget_cset(file_type));
    std::vector<char*> buffer(static_cast<size_t>(count), nullptr);
    if (read(mem_type.get(), buffer.data()) < 0) {
      throw InputError(where + " cannot be read" + hdf5_says());
    }
    for (char* s : buffer) values.emplace_back(s ? s : "");
    H5Dvlen_reclaim(mem_type.get(), space, H5P_DEFAULT, buffer.data());
  } else {
    const size_t size = H5Tget_size(file_type);
    Id mem_type(H5Tcopy(file_type), H5Tclose);
    std::vector<char> buffer(size * static_cast<size_t>(count) + 1, '\0');
    if (read(mem_type.get(), buffer.data()) < 0) {
      throw InputError(where + " cannot be read" + hdf5_says());
    }
    for (int64_t i = 0; i < count; ++i) {
      std::string s(buffer.data() + i * size, size);
      s.erase(s.find_last_not_of(std::string("\0 ", 2)) + 1);
      values.push_back(std::move(s));
    }
  }
  return values;
}

std::vector<const char*> c_strings(const std::vector<std::string>& values) {
  std::vector<const char*> pointers(values.size());
  std::transform(values.begin(), values.end(), pointers.begin(),
                 [](const std::string& v) { return v.c_str(); });
  return pointers;
}

hid_t native_type(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat32:
      return H5T_NATIVE_FLOAT;
    case torch::kFloat64:
      return H5T_NATIVE_DOUBLE;
    case torch::kInt64:
      return H5T_NATIVE_INT64;
    case torch::kUInt8:
      return H5T_NATIVE_UINT8;
    default:
      TORCH_CHECK(false, "h5: unsupported tensor dtype ", dtype);
  }
}

/// `path` as messages name it: AtomicFile's temporaries ("A.h5.partial-123") are named after
/// the file the user asked for.
std::string shown(std::string path) {
  const size_t partial = path.rfind(".partial-");
  if (partial != std::string::npos &&
      path.find_first_not_of("0123456789", partial + 9) == std::string::npos) {
    path.resize(partial);
  }
  return path;
}

}  // namespace

File File::open(const std::string& path) {
  quiet();
  if (path.empty()) throw InputError("no input file given (the file name is empty)");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path + ": is a folder, not an HDF5 file");
  }
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) throw InputError(path + ": cannot be read" + hdf5_says());
  if (is_hdf5 == 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path + ": not an HDF5 file (no HDF5 signature found)");
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    const std::string cause = hdf5_says();
    if (cause.find("holds its lock") != std::string::npos) {
      throw InputError(path + ": cannot be opened now" + cause);
    }
    throw InputError(path + ": cannot be opened as HDF5; it may be truncated or corrupt" + cause);
  }
  return File(path, id);
}

File File::open_for_update(const std::string& path) {
  File check = open(path);  // the same checks and messages as for reading
  H5Fclose(check.id_);
  check.id_ = -1;
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (id < 0) throw InputError(shown(path) + ": cannot be opened for writing" + hdf5_says());
  return File(path, id);
}

void File::remove(const std::string& name) {
  if (!has(name)) return;
  if (H5Ldelete(static_cast<hid_t>(id_), name.c_str(), H5P_DEFAULT) < 0) {
    throw InputError(where(name) + ": cannot be removed" + hdf5_says());
  }
}

File File::create(const std::string& path) {
  quiet();
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) throw InputError(shown(path) + ": cannot create this file" + hdf5_says());
  return File(path, id);
}

File::File(File&& other) noexcept : path_(std::move(other.path_)), id_(other.id_) {
  other.id_ = -1;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) close_file(id_, path_);
    path_ = std::move(other.path_);
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

File::~File() {
  if (id_ >= 0) close_file(id_, path_);
}

std::optional<std::string> close_failure(const std::string& path) {
  const std::lock_guard<std::mutex> lock(close_failures_mutex);
  const auto found = close_failures.find(path);
  if (found == close_failures.end()) return std::nullopt;
  std::string cause = found->second;
  close_failures.erase(found);
  return cause;
}

std::string File::where(const std::string& name) const { return shown(path_) + ": " + name; }

bool File::has(const std::string& name) const {
  if (name == "/" || name.empty()) return true;
  // H5Lexists fails (rather than answering false) when a parent is missing, so walk down.
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = name.find('/', pos + 1);
    const std::string prefix = name.substr(0, pos);
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  return true;
}

bool File::is_group(const std::string& name) const {
  if (!has(name)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(id_, name.c_str(), &info, H5P_DEFAULT) < 0) {
    throw InputError(where(name) + " cannot be inspected" + hdf5_says());
  }
  return info.type == H5O_TYPE_GROUP;
}

std::vector<std::string> File::list(const std::string& group) const {
  Id g(H5Gopen2(id_, group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) throw InputError(where(group) + " is not a group" + hdf5_says());
  H5G_info_t info;
  H5Gget_info(g.get(), &info);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size =
        H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) throw InputError(where(group) + " cannot be listed" + hdf5_says());
    std::string name(static_cast<size_t>(size), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(),
                       static_cast<size_t>(size) + 1, H5P_DEFAULT);
    names.push_back(std::move(name));
  }
  return names;
}

DatasetInfo File::info(const std::string& name) const {
  Id dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.ok()) throw InputError(where(name) + " is not a dataset" + hdf5_says());
  Id space(H5Dget_space(dataset.get()), H5Sclose);
  Id type(H5Dget_type(dataset.get()), H5Tclose);
  DatasetInfo result;
  result.shape = space_shape(space.get());
  switch (H5Tget_class(type.get())) {
    case H5T_FLOAT:
      result.kind = Kind::kFloat;
      break;
    case H5T_INTEGER:
      result.kind = Kind::kInteger;
      break;
    case H5T_STRING:
      result.kind = Kind::kString;
      break;
    default:
      result.kind = Kind::kOther;
      break;
  }
  return result;
}

torch::Tensor File::read(const std::string& name, torch::Dtype dtype) const {
  const DatasetInfo meta = info(name);
  const bool want_float = dtype == torch::kFloat32 || dtype == torch::kFloat64;
  if (want_float && meta.kind != Kind::kFloat) {
    throw InputError(where(name) + " must hold floating-point numbers (float32 or float64)");
  }
  if (!want_float && meta.kind != Kind::kInteger) {
    throw InputError(where(name) + " must hold integers");
  }
  double bytes = static_cast<double>(torch::elementSize(dtype));
  for (int64_t d : meta.shape) bytes *= static_cast<double>(d);
  const double memory = physical_memory_bytes();
  if (memory > 0 && bytes > memory) {
    throw InputError(where(name) + " has shape " + shape_string(meta.shape) +
                     ": reading it would need " + bytes_string(bytes) +
                     ", more than this machine's " + bytes_string(memory) + " of memory");
  }
  torch::Tensor out = torch::empty(meta.shape, torch::TensorOptions().dtype(dtype));
  Id dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (out.numel() > 0 && H5Dread(dataset.get(), native_type(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                 out.data_ptr()) < 0) {
    throw InputError(where(name) + " cannot be read; the file may be truncated or corrupt" +
                     hdf5_says());
  }
  return out;
}

torch::Tensor File::read_rows(const std::string& name, const std::vector<int64_t>& rows,
                              torch::Dtype dtype) const {
  const DatasetInfo meta = info(name);
  const bool want_float = dtype == torch::kFloat32 || dtype == torch::kFloat64;
  if (want_float ? meta.kind != Kind::kFloat : meta.kind != Kind::kInteger) {
    throw InputError(where(name) +
                     (want_float ? " must hold floating-point numbers" : " must hold integers"));
  }
  if (meta.shape.empty()) throw InputError(where(name) + " is a scalar, not rows");
  std::vector<int64_t> shape = meta.shape;
  shape[0] = static_cast<int64_t>(rows.size());
  torch::Tensor out = torch::empty(shape, torch::TensorOptions().dtype(dtype));
  if (out.numel() == 0) return out;
  Id dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  Id file_space(H5Dget_space(dataset.get()), H5Sclose);
  std::vector<hsize_t> start(meta.shape.size(), 0), count(meta.shape.begin(), meta.shape.end());
  count[0] = 1;
  std::vector<hsize_t> row_shape = count;
  Id memory_space(H5Screate_simple(static_cast<int>(row_shape.size()), row_shape.data(), nullptr),
                  H5Sclose);
  const int64_t row_bytes = out.numel() / shape[0] * static_cast<int64_t>(out.element_size());
  auto* bytes = static_cast<char*>(out.data_ptr());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= meta.shape[0]) {
      throw InputError(where(name) + ": row " + std::to_string(rows[i]) + " is out of range [0, " +
                       std::to_string(meta.shape[0]) + ")");
    }
    start[0] = static_cast<hsize_t>(rows[i]);
    if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr) < 0 ||
        H5Dread(dataset.get(), native_type(dtype), memory_space.get(), file_space.get(),
                H5P_DEFAULT, bytes + static_cast<int64_t>(i) * row_bytes) < 0) {
      throw InputError(where(name) + " cannot be read; the file may be truncated or corrupt" +
                       hdf5_says());
    }
  }
  return out;
}

std::vector<std::string> File::read_strings(const std::string& name) const {
  Id dataset(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.ok()) throw InputError(where(name) + " is not a dataset" + hdf5_says());
  Id space(H5Dget_space(dataset.get()), H5Sclose);
  Id type(H5Dget_type(dataset.get()), H5Tclose);
  const std::vector<int64_t> shape = space_shape(space.get());
  if (shape.size() > 1) {
    throw InputError(where(name) + " must be a 1-D list of strings, has shape " +
                     shape_string(shape));
  }
  return read_string_values(
      type.get(), space.get(), element_count(shape),
      [&](hid_t mem_type, void* buffer) {
        return H5Dread(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
      },
      where(name));
}

bool File::has_attr(const std::string& object, const std::string& attr) const {
  const htri_t exists = H5Aexists_by_name(id_, object.c_str(), attr.c_str(), H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  return exists > 0;
}

std::vector<std::string> File::read_string_attr(const std::string& object,
                                                const std::string& attr) const {
  const std::string here = where(object) + " attribute '" + attr + "'";
  Id a(H5Aopen_by_name(id_, object.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) throw InputError(here + " is missing" + hdf5_says());
  Id space(H5Aget_space(a.get()), H5Sclose);
  Id type(H5Aget_type(a.get()), H5Tclose);
  const std::vector<int64_t> shape = space_shape(space.get());
  if (shape.size() > 1) {
    throw InputError(here + " must be a string or a 1-D list of strings, has shape " +
                     shape_string(shape));
  }
  return read_string_values(
      type.get(), space.get(), element_count(shape),
      [&](hid_t mem_type, void* buffer) { return H5Aread(a.get(), mem_type, buffer); }, here);
}

std::vector<std::string> File::attr_names(const std::string& object) const {
  Id o(H5Oopen(id_, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!o.ok()) throw InputError(where(object) + " is missing" + hdf5_says());
  std::vector<std::string> names;
  const int count = H5Aget_num_attrs(o.get());
  for (int i = 0; i < count; ++i) {
    Id a(H5Aopen_by_idx(o.get(), ".", H5_INDEX_NAME, H5_ITER_INC, static_cast<hsize_t>(i),
                        H5P_DEFAULT, H5P_DEFAULT),
         H5Aclose);
    if (!a.ok()) continue;
    const ssize_t size = H5Aget_name(a.get(), 0, nullptr);
    std::string name(static_cast<size_t>(std::max<ssize_t>(size, 0)), '\0');
    H5Aget_name(a.get(), name.size() + 1, name.data());
    names.push_back(name);
  }
  return names;
}

bool File::is_number_attr(const std::string& object, const std::string& attr) const {
  Id a(H5Aopen_by_name(id_, object.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) return false;
  Id space(H5Aget_space(a.get()), H5Sclose);
  Id type(H5Aget_type(a.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  return (type_class == H5T_FLOAT || type_class == H5T_INTEGER) &&
         H5Sget_simple_extent_npoints(space.get()) == 1;
}

double File::read_number_attr(const std::string& object, const std::string& attr) const {
  const std::string here = where(object) + " attribute '" + attr + "'";
  Id a(H5Aopen_by_name(id_, object.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) throw InputError(here + " is missing" + hdf5_says());
  Id space(H5Aget_space(a.get()), H5Sclose);
  Id type(H5Aget_type(a.get()), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if ((type_class != H5T_FLOAT && type_class != H5T_INTEGER) ||
      H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw InputError(here + " must be a single number");
  }
  double value = 0;
  if (H5Aread(a.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    throw InputError(here + " cannot be read" + hdf5_says());
  }
  return value;
}

void File::write(const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor data = tensor.contiguous().cpu();
  const std::vector<hsize_t> dims(data.sizes().begin(), data.sizes().end());
  Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  const hid_t type = native_type(data.scalar_type());
  Id lcpl = link_creation_plist();
  Id dataset(H5Dcreate2(id_, name.c_str(), type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
  if (!dataset.ok() || (data.numel() > 0 && H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL,
                                                     H5P_DEFAULT, data.data_ptr()) < 0)) {
    throw InputError(where(name) + " cannot be written" + hdf5_says());
  }
}

void File::write_strings(const std::string& name, const std::vector<std::string>& values) {
  const hsize_t count = values.size();
  Id space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  Id type = vlen_string_type();
  Id lcpl = link_creation_plist();
  Id dataset(
      H5Dcreate2(id_, name.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  const std::vector<const char*> pointers = c_strings(values);
  if (!dataset.ok() || (count > 0 && H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL,
                                              H5P_DEFAULT, pointers.data()) < 0)) {
    throw InputError(where(name) + " cannot be written" + hdf5_says());
  }
}

void File::create_group(const std::string& name) {
  if (has(name)) return;
  Id lcpl = link_creation_plist();
  Id group(H5Gcreate2(id_, name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!group.ok()) throw InputError(where(name) + " cannot be created" + hdf5_says());
}

void File::set_attr(const std::string& object, const std::string& attr, const AttrValue& value) {
  const std::string here = where(object) + " attribute '" + attr + "'";
  Id target(H5Oopen(id_, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!target.ok()) throw InputError(here + ": no such object" + hdf5_says());
  if (H5Aexists(target.get(), attr.c_str()) > 0) H5Adelete(target.get(), attr.c_str());

  auto write_attr = [&](hid_t type, hid_t space, const void* buffer) {
    Id a(H5Acreate2(target.get(), attr.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!a.ok() || H5Awrite(a.get(), type, buffer) < 0) {
      throw InputError(here + " cannot be written" + hdf5_says());
    }
  };
  Id scalar(H5Screate(H5S_SCALAR), H5Sclose);
  if (const auto* v = std::get_if<int64_t>(&value)) {
    write_attr(H5T_NATIVE_INT64, scalar.get(), v);
  } else if (const auto* v = std::get_if<double>(&value)) {
    write_attr(H5T_NATIVE_DOUBLE, scalar.get(), v);
  } else if (const auto* v = std::get_if<std::string>(&value)) {
    Id type = vlen_string_type();
    const char* pointer = v->c_str();
    write_attr(type.get(), scalar.get(), &pointer);
  } else {
    const auto& list = std::get<std::vector<std::string>>(value);
    const hsize_t count = list.size();
    Id space(H5Screate_simple(1, &count, nullptr), H5Sclose);
    Id type = vlen_string_type();
    const std::vector<const char*> pointers = c_strings(list);
    write_attr(type.get(), space.get(), pointers.data());
  }
}

}  // namespace infofrag::h5
