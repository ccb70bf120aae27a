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
  std::string split = "train";     ///< fashion-mnist: train (60,000), test (10,000) or all (70,000)
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

/// dSprites factor classes of one image, in index order (color is constant and omitted).
struct DspritesFactors {
  int64_t shape = 0;        ///< 0 square, 1 ellipse, 2 heart
  int64_t scale = 0;        ///< 0..5: scale 0.5, 0.6, ..., 1.0
  int64_t orientation = 0;  ///< 0..39: angle 2π·orientation/39 (39 draws like 0)
  int64_t pos_x = 0;        ///< 0..31: centre x = 16 + 32·pos_x/31 pixels
  int64_t pos_y = 0;        ///< 0..31: centre y = 16 + 32·pos_y/31 pixels, 0 at the top
};

/// Classes of each dSprites factor, in index order (the last varies fastest).
inline constexpr int64_t kDspritesShapes = 3;
inline constexpr int64_t kDspritesScales = 6;
inline constexpr int64_t kDspritesOrientations = 40;
inline constexpr int64_t kDspritesPositions = 32;
inline constexpr int64_t kDspritesSize = kDspritesShapes * kDspritesScales * kDspritesOrientations *
                                         kDspritesPositions * kDspritesPositions;  // 737,280
inline constexpr int64_t kDspritesSide = 64;  ///< images are 64×64 pixels

/// Flat index = shape·245760 + scale·40960 + orientation·1024 + pos_x·32 + pos_y, the order
/// of the original dSprites file. Throws ConfigError for a factor out of range.
int64_t dsprites_index(const DspritesFactors& factors);
/// The inverse of `dsprites_index`; `index` must be in [0, kDspritesSize).
DspritesFactors dsprites_factors(int64_t index);
/// Renders one dSprite: float32 [1, 64, 64] of 0/1, a pixel on when its centre lies inside
/// the shape (the rules of tests/fixtures/dsprites/README.md). Throws ConfigError for a
/// factor out of range.
torch::Tensor render_dsprite(const DspritesFactors& factors);

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
