#include "infofrag/data/dataset.hpp"

#include <cctype>
#include <cstdlib>

#include "datasets.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"

namespace infofrag::data {

torch::Tensor Dataset::draw_items(const std::vector<int64_t>& indices,
                                  const std::vector<uint64_t>& keys) const {
  TORCH_CHECK(keys.size() == indices.size(), "draw_items: ", keys.size(), " keys for ",
              indices.size(), " indices");
  return items(indices);
}

std::unique_ptr<Dataset> open_dataset(const DataConfig& config) {
  fields::check(config, "data.");
  switch (config.dataset) {
    case DatasetKind::kDsprites:
    case DatasetKind::kColorDsprites:
    case DatasetKind::kNoisyDsprites:
      return open_dsprites(config.dataset);
    case DatasetKind::kShapes3d:
      return open_shapes3d(config);
    case DatasetKind::kFashionMnist:
      return open_fashion_mnist(config);
    case DatasetKind::kCircle:
      return open_circle(config);
    case DatasetKind::kHdf5:
      return open_hdf5_dataset(config);
  }
  TORCH_CHECK(false, "open_dataset: unknown kind");
}

torch::Tensor index_tensor(const std::vector<int64_t>& indices) {
  // from_blob wants a non-const pointer but never writes through it here.
  return torch::from_blob(const_cast<int64_t*>(indices.data()),
                          {static_cast<int64_t>(indices.size())}, torch::kInt64);
}

torch::Tensor bytes_to_unit(const torch::Tensor& bytes) {
  return bytes.to(torch::kFloat32).div_(255.0);
}

}  // namespace infofrag::data
