#pragma once
// Constructors of the concrete datasets, for open_dataset's switch. Each validates its part
// of the config and its files.

#include <memory>

#include "infofrag/data/dataset.hpp"

namespace infofrag::data {

/// dsprites, color-dsprites or noisy-dsprites (`kind`).
std::unique_ptr<Dataset> open_dsprites(DatasetKind kind);
/// shapes3d: 3dshapes.h5 at config.path.
std::unique_ptr<Dataset> open_shapes3d(const DataConfig& config);
std::unique_ptr<Dataset> open_fashion_mnist(const DataConfig& config);
std::unique_ptr<Dataset> open_circle(const DataConfig& config);
std::unique_ptr<Dataset> open_hdf5_dataset(const DataConfig& config);

/// int64 [B] view of `indices` for index_select; the caller keeps `indices` alive.
torch::Tensor index_tensor(const std::vector<int64_t>& indices);

/// float32 images in [0, 1] from bytes: value/255. Every dataset that stores bytes uses this
/// one expression, so an exported and re-read image is bit-identical.
torch::Tensor bytes_to_unit(const torch::Tensor& bytes);

}  // namespace infofrag::data
