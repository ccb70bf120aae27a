#include "infofrag/data/dataset.hpp"

#include <cctype>
#include <cstdlib>

#include "datasets.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"

namespace infofrag::data {

DatasetKind parse_dataset_kind(const std::string& name, const std::string& option) {
  if (name == "dsprites") return DatasetKind::kDsprites;
  if (name == "fashion-mnist") return DatasetKind::kFashionMnist;
  if (name == "circle") return DatasetKind::kCircle;
  if (name == "hdf5") return DatasetKind::kHdf5;
  throw ConfigError(option + " '" + name +
                    "' is not a dataset; choose dsprites, fashion-mnist, circle or hdf5");
}

std::string dataset_kind_name(DatasetKind kind) {
  switch (kind) {
    case DatasetKind::kDsprites:
      return "dsprites";
    case DatasetKind::kFashionMnist:
      return "fashion-mnist";
    case DatasetKind::kCircle:
      return "circle";
    case DatasetKind::kHdf5:
      return "hdf5";
  }
  TORCH_CHECK(false, "dataset_kind_name: unknown kind");
}

std::unique_ptr<Dataset> open_dataset(const DataConfig& config) {
  switch (parse_dataset_kind(config.dataset)) {
    case DatasetKind::kDsprites:
      return open_dsprites();
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
