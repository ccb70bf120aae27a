// Shapes3D (Burgess & Kim 2018, deepmind/3d-shapes), read from the public 3dshapes.h5: images
// uint8 [480000, 64, 64, 3] and labels float64 [480000, 6], the factors' values. Images are
// read on demand, row by row, so the 5.9 GB file never sits in memory.
#include <mutex>

#include "datasets.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/io/h5.hpp"

namespace infofrag::data {

namespace {

/// The factors of 3dshapes.h5's label columns, in column order.
const std::vector<std::string> kShapes3dFactors = {"floor_hue", "wall_hue", "object_hue",
                                                   "scale",     "shape",    "orientation"};

class Shapes3d : public Dataset {
 public:
  Shapes3d(h5::File file, torch::Tensor classes)
      : file_(std::move(file)), classes_(std::move(classes)) {}

  DatasetKind kind() const override { return DatasetKind::kShapes3d; }
  int64_t size() const override { return classes_.size(0); }
  std::vector<int64_t> item_shape() const override { return {3, 64, 64}; }

  torch::Tensor items(const std::vector<int64_t>& indices) const override {
    torch::Tensor bytes;
    {
      const std::lock_guard<std::mutex> lock(mutex_);              // libhdf5 is not thread-safe
      bytes = file_.read_rows("/images", indices, torch::kUInt8);  // [B, 64, 64, 3]
    }
    return bytes_to_unit(bytes.permute({0, 3, 1, 2}).contiguous());
  }
  torch::Tensor labels(const std::vector<int64_t>& indices) const override {
    return classes_.index_select(0, index_tensor(indices));
  }
  std::vector<std::string> factor_names() const override { return kShapes3dFactors; }

 private:
  h5::File file_;
  torch::Tensor classes_;  ///< int64 [n, 6]
  mutable std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Dataset> open_shapes3d(const DataConfig& config) {
  if (config.path.empty()) {
    throw ConfigError(
        "dataset shapes3d needs --path, the file 3dshapes.h5 (from "
        "https://storage.googleapis.com/3d-shapes/3dshapes.h5)");
  }
  h5::File file = h5::File::open(config.path);
  for (const char* name : {"/images", "/labels"}) {
    if (!file.has(name)) {
      throw InputError(file.where(name) +
                       " is missing; 3dshapes.h5 holds /images [480000, 64, 64, 3] and /labels "
                       "[480000, 6]");
    }
  }
  const h5::DatasetInfo images = file.info("/images");
  if (images.shape.size() != 4 || images.shape[1] != 64 || images.shape[2] != 64 ||
      images.shape[3] != 3 || images.kind != h5::Kind::kInteger || images.shape[0] == 0) {
    throw InputError(file.where("/images") + " has shape " + shape_string(images.shape) +
                     (images.kind == h5::Kind::kInteger ? "" : " and is not of bytes") +
                     "; expected uint8 [n, 64, 64, 3] (3dshapes.h5's layout)");
  }
  const h5::DatasetInfo labels = file.info("/labels");
  if (labels.shape.size() != 2 || labels.shape[0] != images.shape[0] || labels.shape[1] != 6 ||
      labels.kind != h5::Kind::kFloat) {
    throw InputError(file.where("/labels") + " has shape " + shape_string(labels.shape) +
                     "; expected float [" + std::to_string(images.shape[0]) +
                     ", 6], the values of floor_hue, wall_hue, object_hue, scale, shape and "
                     "orientation");
  }
  // Each factor's float values, in increasing order, become its classes 0, 1, ...
  const torch::Tensor values = file.read("/labels", torch::kFloat64);
  if (!torch::isfinite(values).all().item<bool>()) {
    throw InputError(file.where("/labels") + " holds a NaN or infinity");
  }
  std::vector<torch::Tensor> columns;
  for (int64_t f = 0; f < 6; ++f) {
    const auto column = values.select(1, f).contiguous();
    columns.push_back(
        std::get<1>(torch::_unique(column, /*sorted=*/true, /*return_inverse=*/true)));
  }
  return std::make_unique<Shapes3d>(std::move(file), torch::stack(columns, 1));
}

}  // namespace infofrag::data
