// The user's own data in one HDF5 file, in the layout `infofrag export-data` writes.
#include <sstream>

#include "datasets.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"
#include "infofrag/io/h5.hpp"

namespace infofrag::data {

namespace {

std::vector<int64_t> shape_of(const torch::Tensor& t) {
  return std::vector<int64_t>(t.sizes().begin(), t.sizes().end());
}

/// Position [i, j, ...] of flat element `flat` in `t`.
std::vector<int64_t> position(const torch::Tensor& t, int64_t flat) {
  std::vector<int64_t> at(static_cast<size_t>(t.dim()));
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    at[static_cast<size_t>(d)] = flat % t.size(d);
    flat /= t.size(d);
  }
  return at;
}

/// Throws when `values` holds a NaN or an infinity, naming the first one.
void check_finite(const torch::Tensor& values, const std::string& where) {
  const torch::Tensor bad = torch::logical_not(torch::isfinite(values)).flatten();
  if (!bad.any().item<bool>()) return;
  const int64_t flat = bad.nonzero()[0][0].item<int64_t>();
  throw InputError(where + " holds " + value_string(values.flatten()[flat].item<double>()) +
                   " at " + shape_string(position(values, flat)) + "; all values must be finite");
}

/// uint8 images from an integer dataset, whose values must be bytes.
torch::Tensor read_byte_images(const h5::File& file, const std::string& name) {
  const torch::Tensor values = file.read(name, torch::kInt64);
  const torch::Tensor bad = torch::logical_or(values<0, values> 255).flatten();
  if (bad.any().item<bool>()) {
    const int64_t flat = bad.nonzero()[0][0].item<int64_t>();
    throw InputError(file.where(name) + " holds " +
                     std::to_string(values.flatten()[flat].item<int64_t>()) + " at " +
                     shape_string(position(values, flat)) +
                     "; integer images must be bytes 0..255 (read as value/255)");
  }
  return values.to(torch::kUInt8);
}

class Hdf5Dataset : public Dataset {
 public:
  Hdf5Dataset(torch::Tensor data, torch::Tensor labels, std::vector<std::string> names)
      : data_(std::move(data)), labels_(std::move(labels)), names_(std::move(names)) {}

  DatasetKind kind() const override { return DatasetKind::kHdf5; }
  int64_t size() const override { return data_.size(0); }
  std::vector<int64_t> item_shape() const override {
    return std::vector<int64_t>(data_.sizes().begin() + 1, data_.sizes().end());
  }
  torch::Tensor items(const std::vector<int64_t>& indices) const override {
    const torch::Tensor rows = data_.index_select(0, index_tensor(indices));
    return data_.scalar_type() == torch::kUInt8 ? bytes_to_unit(rows) : rows;
  }
  torch::Tensor labels(const std::vector<int64_t>& indices) const override {
    return labels_.index_select(0, index_tensor(indices));
  }
  std::vector<std::string> factor_names() const override { return names_; }

 private:
  torch::Tensor data_;              ///< uint8 or float32 [n, C, H, W] or [n, D]
  torch::Tensor labels_;            ///< int64 [n, F], F = 0 without /labels
  std::vector<std::string> names_;  ///< F factor names
};

}  // namespace

std::unique_ptr<Dataset> open_hdf5_dataset(const DataConfig& config) {
  if (config.path.empty()) {
    throw ConfigError("dataset hdf5 needs --path, the HDF5 file holding /images or /vectors");
  }
  const h5::File file = h5::File::open(config.path);
  const bool has_images = file.has("/images");
  const bool has_vectors = file.has("/vectors");
  if (has_images == has_vectors) {
    throw InputError(config.path +
                     (has_images ? ": holds both /images and /vectors"
                                 : ": holds neither /images nor /vectors") +
                     "; a dataset file holds exactly one of them");
  }
  const std::string name = has_images ? "/images" : "/vectors";
  const h5::DatasetInfo info = file.info(name);
  const size_t rank = has_images ? 4 : 2;
  if (info.shape.size() != rank) {
    throw InputError(file.where(name) + " has shape " + shape_string(info.shape) + "; expected " +
                     (has_images ? "[n, C, H, W]" : "[n, D]"));
  }
  if (info.shape[0] == 0)
    throw InputError(file.where(name) + " holds no items (shape " + shape_string(info.shape) + ")");
  torch::Tensor data;
  if (info.kind == h5::Kind::kInteger && has_images) {
    data = read_byte_images(file, name);
  } else if (info.kind == h5::Kind::kFloat) {
    // Read as float64 so that a value beyond float32's range shows as itself.
    const torch::Tensor values = file.read(name, torch::kFloat64);
    check_finite(values, file.where(name));
    data = values.to(torch::kFloat32);
    check_finite(data, file.where(name) + " (as float32)");
  } else {
    throw InputError(file.where(name) + (has_images ? " must hold uint8 or float numbers"
                                                    : " must hold float numbers"));
  }

  const int64_t n = info.shape[0];
  torch::Tensor labels = torch::zeros({n, 0}, torch::kInt64);
  std::vector<std::string> names;
  if (file.has("/labels")) {
    labels = file.read("/labels", torch::kInt64);
    if (labels.dim() == 1) labels = labels.unsqueeze(1);
    if (labels.dim() != 2 || labels.size(0) != n) {
      throw InputError(file.where("/labels") + " has shape " + shape_string(shape_of(labels)) +
                       " but " + name + " has " + std::to_string(n) + " items; expected [" +
                       std::to_string(n) + ", F]");
    }
    const int64_t f = labels.size(1);
    if (file.has_attr("/labels", "factor_names")) {
      names = file.read_string_attr("/labels", "factor_names");
      if (static_cast<int64_t>(names.size()) != f) {
        throw InputError(file.where("/labels") + " attribute factor_names has " +
                         std::to_string(names.size()) + " names but the labels have " +
                         std::to_string(f) + " factors");
      }
    } else {
      for (int64_t k = 0; k < f; ++k) names.push_back("factor_" + std::to_string(k));
    }
  }
  return std::make_unique<Hdf5Dataset>(std::move(data), std::move(labels), std::move(names));
}

}  // namespace infofrag::data
