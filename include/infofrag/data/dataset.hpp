#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace infofrag::data {

/// The datasets infofrag knows. A runtime choice: `parse_dataset_kind` and a switch.
enum class DatasetKind { kDsprites, kFashionMnist, kCircle, kHdf5 };

/// "dsprites", "fashion-mnist", "circle" or "hdf5"; throws ConfigError naming `option`.
DatasetKind parse_dataset_kind(const std::string& name, const std::string& option = "dataset");
std::string dataset_kind_name(DatasetKind kind);

/// Which data a stage reads. Section [data] of a sweep config.
struct DataConfig {
  std::string dataset = "dsprites";  ///< dsprites, fashion-mnist, circle or hdf5
  /// fashion-mnist: the folder with the IDX files (empty = /usr/share/datasets/fashion-mnist);
  /// hdf5: the file. Unused otherwise.
  std::string path;
  std::string split = "train";   ///< fashion-mnist: train (60,000), test (10,000) or all (70,000)
  int64_t circle_points = 100000;  ///< circle: number of points, angles evenly spaced
  int64_t circle_bins = 8;         ///< circle: classes of the binned angle (its factor)
};

/// A dataset of images or vectors, read by index, with ground-truth factor classes where
/// the dataset has them. Implementations are cheap to query from several threads.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual DatasetKind kind() const = 0;
  /// Number of items.
  virtual int64_t size() const = 0;
  /// Shape of one item: [C, H, W] for images, [D] for vectors.
  virtual std::vector<int64_t> item_shape() const = 0;
  /// float32 [B, *item_shape()], images in [0, 1]. Indices must be in [0, size()).
  virtual torch::Tensor items(const std::vector<int64_t>& indices) const = 0;
  /// int64 [B, F] factor classes (F = factor_names().size(), 0 when there are no labels).
  virtual torch::Tensor labels(const std::vector<int64_t>& indices) const = 0;
  /// F names, in the column order of `labels`.
  virtual std::vector<std::string> factor_names() const = 0;

  bool is_image() const { return item_shape().size() == 3; }
};

/// Opens the dataset `config` describes. Throws ConfigError for an unknown dataset or split,
/// InputError for missing or malformed files (naming the path, and for fashion-mnist the
/// Debian package that provides it).
std::unique_ptr<Dataset> open_dataset(const DataConfig& config);

/// Parses an index list such as "0,5,100:200" (a:b is a..b-1) against a dataset of `size`
/// items; throws ConfigError naming `option` and the bad piece.
std::vector<int64_t> parse_index_list(const std::string& text, int64_t size,
                                      const std::string& option = "indices");

/// Options of `infofrag export-data`.
struct ExportDataConfig {
  DataConfig data;      ///< which dataset
  std::string indices;  ///< items to export, e.g. "0,5,100:200"
  std::string out;      ///< output HDF5 file, in the `hdf5` dataset layout
};

/// `infofrag export-data`: writes the chosen items in the layout the `hdf5` dataset reads
/// (/images uint8 [n, C, H, W] as value·255, or /vectors float32 [n, D]; /labels int64 [n, F]
/// with attribute factor_names; /index int64 [n], the dataset rows). Returns 0.
int run_export_data(const ExportDataConfig& config);

}  // namespace infofrag::data
