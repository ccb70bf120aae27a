#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"
#include "infofrag/core/lists.hpp"

namespace infofrag::data {

/// The datasets infofrag knows. A runtime choice: a switch.
enum class DatasetKind {
  kDsprites,
  kColorDsprites,  ///< dSprites in a random colour per image (Locatello et al. 2019)
  kNoisyDsprites,  ///< dSprites on uniform noise (Locatello et al. 2019)
  kShapes3d,       ///< the public 3dshapes.h5 (Burgess & Kim 2018)
  kFashionMnist,
  kCircle,
  kHdf5
};
inline const std::vector<Choice<DatasetKind>>& field_choices(DatasetKind) {
  static const std::vector<Choice<DatasetKind>> table = {
      {DatasetKind::kDsprites, "dsprites"},
      {DatasetKind::kColorDsprites, "color-dsprites"},
      {DatasetKind::kNoisyDsprites, "noisy-dsprites"},
      {DatasetKind::kShapes3d, "shapes3d"},
      {DatasetKind::kFashionMnist, "fashion-mnist"},
      {DatasetKind::kCircle, "circle"},
      {DatasetKind::kHdf5, "hdf5"}};
  return table;
}

/// Fashion-MNIST's parts: train (60,000), test (10,000) or all (70,000).
enum class Split { kTrain, kTest, kAll };
inline const std::vector<Choice<Split>>& field_choices(Split) {
  static const std::vector<Choice<Split>> table = {
      {Split::kTrain, "train"}, {Split::kTest, "test"}, {Split::kAll, "all"}};
  return table;
}

/// Which data a stage reads. Section [data] of a sweep config.
struct DataConfig {
  DatasetKind dataset = DatasetKind::kDsprites;  ///< which dataset
  /// fashion-mnist: the folder with the IDX files (empty = /usr/share/datasets/fashion-mnist);
  /// hdf5: the file; shapes3d: 3dshapes.h5. Unused otherwise.
  std::string path;
  Split split = Split::kTrain;     ///< fashion-mnist: which part
  int64_t circle_points = 100000;  ///< circle: number of points, angles evenly spaced
  int64_t circle_bins = 8;         ///< circle: classes of the binned angle (its factor)

  /// Section [data]; the attribute names are those of member files.
  template <class V>
  void fields(V& v) {
    using namespace infofrag::fields;
    v(dataset, "dataset",
      "dsprites, color-dsprites, noisy-dsprites, shapes3d, fashion-mnist, circle or hdf5");
    v(path, "path",
      "fashion-mnist: folder of the IDX files (empty = /usr/share/datasets/fashion-mnist); "
      "hdf5: the file; shapes3d: 3dshapes.h5",
      attr("data_path"));
    v(split, "split", "fashion-mnist: train, test or all", attr("data_split"));
    v(circle_points, "circle-points", "circle: number of evenly spaced points", at_least(1));
    v(circle_bins, "circle-bins", "circle: classes of the binned angle", at_least(1));
  }
  bool operator==(const DataConfig& o) const {
    return dataset == o.dataset && path == o.path && split == o.split &&
           circle_points == o.circle_points && circle_bins == o.circle_bins;
  }
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
  /// items(indices) with the nuisance that the dataset draws at random (color-dsprites'
  /// colour, noisy-dsprites' noise) drawn afresh for item k from keys[k] (one key per index),
  /// as the study draws a new one at each sampling; items(indices) draws each item's from its
  /// index alone. Training passes keys of (member seed, step, item). Datasets without such a
  /// nuisance return items(indices).
  virtual torch::Tensor draw_items(const std::vector<int64_t>& indices,
                                   const std::vector<uint64_t>& keys) const;
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
  DataConfig data;    ///< which dataset
  IndexList indices;  ///< items to export, e.g. "0,5,100:200"
  std::string out;    ///< output HDF5 file, in the `hdf5` dataset layout

  template <class V>
  void fields(V& v) {
    data.fields(v);
    v(indices, "indices", "items to export, e.g. 0,5,100:200", infofrag::fields::required());
  }
  template <class V>
  void files(V& v) {
    v(out, "out", "output HDF5 file", infofrag::fields::required());
  }
};

/// `infofrag export-data`: writes the chosen items in the layout the `hdf5` dataset reads
/// (/images uint8 [n, C, H, W] as value·255, or /vectors float32 [n, D]; /labels int64 [n, F]
/// with attribute factor_names; /index int64 [n], the dataset rows). Returns 0.
int run_export_data(const ExportDataConfig& config);

}  // namespace infofrag::data
