// The disentanglement_lib study's datasets beside dSprites: color-dsprites and noisy-dsprites
// (procedural, from the dSprites renderer) and Shapes3D read from a file in the public
// 3dshapes.h5 layout that the test writes.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "infofrag/core/error.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/io/h5.hpp"
#include "support.hpp"
#include "support_data.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

using namespace infofrag::data;
using infofrag::test::TempDir;

namespace {

std::unique_ptr<Dataset> open(DatasetKind kind, const std::string& path = "") {
  return infofrag::test::open_dataset_of(kind, path);
}

const std::vector<int64_t> kRows = {0, 1, 5000, 123456, 737279, 5000};

}  // namespace

TEST_CASE("data/color-dsprites: each image is its dSprite times a colour in [0.5, 1]^3", "[data]") {
  const auto plain = open(DatasetKind::kDsprites);
  const auto colour = open(DatasetKind::kColorDsprites);
  CHECK(colour->size() == plain->size());
  CHECK(colour->item_shape() == std::vector<int64_t>{3, 64, 64});
  CHECK(colour->factor_names() == plain->factor_names());
  CHECK(torch::equal(colour->labels(kRows), plain->labels(kRows)));
  const auto mask = plain->items(kRows);  // [6, 1, 64, 64] of 0/1
  const auto images = colour->items(kRows);
  REQUIRE(images.sizes() == torch::IntArrayRef({6, 3, 64, 64}));
  std::vector<torch::Tensor> colours;
  for (int64_t i = 0; i < 6; ++i) {
    INFO("row " << kRows[static_cast<size_t>(i)]);
    // The colour: the value of each channel on the shape; 0 off it.
    const auto on = mask[i][0] > 0.5;
    REQUIRE(on.any().item<bool>());
    const auto c = images[i].index({torch::indexing::Slice(), on}).amax(1);  // [3]
    CHECK(torch::equal(images[i].index({torch::indexing::Slice(), on}).amin(1), c));
    CHECK(images[i].index({torch::indexing::Slice(), ~on}).abs().max().item<float>() == 0);
    CHECK(c.min().item<float>() >= 0.5F);
    CHECK(c.max().item<float>() <= 1.0F);
    colours.push_back(c);
  }
  // A function of the row: row 5000 twice gives one colour; other rows other colours.
  CHECK(torch::equal(colours[2], colours[5]));
  CHECK_FALSE(torch::equal(colours[0], colours[1]));
  CHECK(torch::equal(colour->items({5000}), colour->items({5000})));
  // Over many rows the colours fill [0.5, 1] uniformly: mean 0.75, sd 0.5/sqrt(12).
  std::vector<int64_t> many;
  for (int64_t i = 0; i < 2000; ++i) many.push_back(i * 367);
  const auto batch = colour->items(many).amax({2, 3});  // [2000, 3]
  CHECK(batch.mean().item<double>() == Approx(0.75).margin(0.01));
  CHECK(batch.std().item<double>() == Approx(0.5 / std::sqrt(12.0)).margin(0.01));
}

TEST_CASE("data/noisy-dsprites: the shape at 1 on uniform noise, in three channels", "[data]") {
  const auto plain = open(DatasetKind::kDsprites);
  const auto noisy = open(DatasetKind::kNoisyDsprites);
  CHECK(noisy->item_shape() == std::vector<int64_t>{3, 64, 64});
  CHECK(torch::equal(noisy->labels(kRows), plain->labels(kRows)));
  const auto mask = plain->items(kRows);
  const auto images = noisy->items(kRows);
  for (int64_t i = 0; i < 6; ++i) {
    const auto on = mask[i][0] > 0.5;
    CHECK(images[i].index({torch::indexing::Slice(), on}).min().item<float>() == 1.0F);
    const auto off = images[i].index({torch::indexing::Slice(), ~on});
    // min(x + u, 1) with x = 0 off the shape: the noise itself, uniform in [0, 1).
    CHECK(off.min().item<float>() >= 0.0F);
    CHECK(off.max().item<float>() < 1.0F);
    CHECK(off.mean().item<double>() == Approx(0.5).margin(0.02));
    CHECK(off.std().item<double>() == Approx(1.0 / std::sqrt(12.0)).margin(0.02));
  }
  CHECK(torch::equal(images[2], images[5]));  // the same row, the same noise
  // The channels carry independent noise.
  CHECK_FALSE(torch::equal(images[0][0], images[0][1]));
}

TEST_CASE("data/color- and noisy-dsprites: draw_items draws the colour or noise afresh per key",
          "[data]") {
  const auto plain = open(DatasetKind::kDsprites);
  const auto mask = plain->items(kRows);
  std::vector<uint64_t> keys;
  for (size_t i = 0; i < kRows.size(); ++i) keys.push_back(1000 + i);
  for (const auto kind : {DatasetKind::kColorDsprites, DatasetKind::kNoisyDsprites}) {
    const auto data = open(kind);
    INFO((kind == DatasetKind::kColorDsprites ? "color-dsprites" : "noisy-dsprites"));
    const auto drawn = data->draw_items(kRows, keys);
    REQUIRE(drawn.sizes() == torch::IntArrayRef({6, 3, 64, 64}));
    // The same keys, the same images; the shape is the row's, whatever the key.
    CHECK(torch::equal(drawn, data->draw_items(kRows, keys)));
    for (int64_t i = 0; i < 6; ++i) {
      const auto on = mask[i][0] > 0.5;
      const auto on_values = drawn[i].index({torch::indexing::Slice(), on});
      if (kind == DatasetKind::kNoisyDsprites) {
        CHECK(on_values.min().item<float>() == 1.0F);
      } else {
        CHECK(drawn[i].index({torch::indexing::Slice(), ~on}).abs().max().item<float>() == 0);
        CHECK(on_values.min().item<float>() >= 0.5F);
      }
    }
    // Row 5000 under two keys: two colours (or noises), as the study draws a new one at each
    // sampling, and neither is the one items() draws from the row alone.
    CHECK_FALSE(torch::equal(drawn[2], drawn[5]));
    CHECK_FALSE(torch::equal(drawn[2], data->items({5000})[0]));
    CHECK_THROWS(data->draw_items(kRows, {1, 2}));
  }
  // One row drawn 2,000 times: its colours fill [0.5, 1]^3 uniformly.
  const std::vector<int64_t> same(2000, 5000);
  std::vector<uint64_t> many;
  for (uint64_t i = 0; i < 2000; ++i) many.push_back(i * 7919);
  const auto colours = open(DatasetKind::kColorDsprites)->draw_items(same, many).amax({2, 3});
  CHECK(colours.mean().item<double>() == Approx(0.75).margin(0.01));
  CHECK(colours.std().item<double>() == Approx(0.5 / std::sqrt(12.0)).margin(0.01));
  CHECK(colours.min().item<double>() >= 0.5);
  // Datasets without a nuisance give their items.
  CHECK(torch::equal(plain->draw_items(kRows, keys), mask));
}

namespace {

/// A small file in 3dshapes.h5's layout: uint8 images [n, 64, 64, 3] and float64 labels
/// [n, 6] holding factor values as the public file does (hues in [0, 0.9], scale in
/// [0.75, 1.25], shape 0..3, orientation in [-30, 30]), in a scrambled order.
struct Shapes3dFile {
  torch::Tensor images;   ///< uint8 [n, 64, 64, 3]
  torch::Tensor classes;  ///< int64 [n, 6], the expected classes
};

Shapes3dFile write_shapes3d(const std::string& path, int64_t n) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(3);
  Shapes3dFile f;
  f.images = torch::randint(0, 256, {n, 64, 64, 3}, generator, torch::kInt64).to(torch::kUInt8);
  const std::vector<int64_t> sizes = {10, 10, 10, 8, 4, 15};
  std::vector<torch::Tensor> values, classes;
  for (size_t j = 0; j < sizes.size(); ++j) {
    const auto c = torch::randint(0, sizes[j], {n}, generator, torch::kInt64);
    const auto v = c.to(torch::kFloat64);
    switch (j) {
      case 3:
        values.push_back(0.75 + v * (0.5 / 7));
        break;
      case 4:
        values.push_back(v);
        break;
      case 5:
        values.push_back(-30 + v * (60.0 / 14));
        break;
      default:
        values.push_back(v / 10);
    }
    // Classes count the values present, in increasing order.
    const auto present = std::get<0>(torch::_unique(c, /*sorted=*/true));
    classes.push_back(torch::searchsorted(present, c));
  }
  f.classes = torch::stack(classes, 1);
  auto file = infofrag::h5::File::create(path);
  file.write("/images", f.images);
  file.write("/labels", torch::stack(values, 1).contiguous());
  return f;
}

}  // namespace

TEST_CASE("data/shapes3d: 3dshapes.h5 read directly, factor values as named classes", "[data]") {
  TempDir dir;
  const auto written = write_shapes3d(dir.path("3dshapes.h5"), 300);
  const auto data = open(DatasetKind::kShapes3d, dir.path("3dshapes.h5"));
  CHECK(data->size() == 300);
  CHECK(data->item_shape() == std::vector<int64_t>{3, 64, 64});
  CHECK(data->factor_names() == std::vector<std::string>{"floor_hue", "wall_hue", "object_hue",
                                                         "scale", "shape", "orientation"});
  const std::vector<int64_t> rows = {299, 0, 17, 17, 150};
  const auto items = data->items(rows);
  REQUIRE(items.sizes() == torch::IntArrayRef({5, 3, 64, 64}));
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << rows[i]);
    const auto expected =
        written.images[rows[i]].permute({2, 0, 1}).to(torch::kFloat32) / 255.0F;  // [3, 64, 64]
    CHECK(torch::allclose(items[static_cast<int64_t>(i)], expected, 0, 1e-7));
    CHECK(torch::equal(data->labels({rows[i]})[0], written.classes[rows[i]]));
  }
  // Classes span 0..size-1: 4 shapes, 15 orientations.
  std::vector<int64_t> all(300);
  for (int64_t i = 0; i < 300; ++i) all[static_cast<size_t>(i)] = i;
  const auto labels = data->labels(all);
  CHECK(labels.select(1, 4).max().item<int64_t>() == 3);
  CHECK(labels.select(1, 5).max().item<int64_t>() == 14);
  CHECK(labels.min().item<int64_t>() == 0);
}

TEST_CASE("data/shapes3d: an unreadable or wrong file names the file and what is wrong", "[data]") {
  TempDir dir;
  const auto expect_error = [&](const std::string& path, const std::string& message) {
    try {
      open(DatasetKind::kShapes3d, path);
      FAIL("no error for " << path);
    } catch (const infofrag::Error& e) {
      INFO(e.what());
      CHECK_THAT(e.what(), Catch::Contains(message));
    }
  };
  expect_error("", "dataset shapes3d needs --path");
  expect_error(dir.path("missing.h5"), dir.path("missing.h5"));
  std::ofstream(dir.path("text.h5")) << "not an HDF5 file\n";
  expect_error(dir.path("text.h5"), dir.path("text.h5"));
  {
    auto f = infofrag::h5::File::create(dir.path("no_labels.h5"));
    f.write("/images", torch::zeros({4, 64, 64, 3}, torch::kUInt8));
  }
  expect_error(dir.path("no_labels.h5"), "/labels is missing");
  {
    auto f = infofrag::h5::File::create(dir.path("chw.h5"));
    f.write("/images", torch::zeros({4, 3, 64, 64}, torch::kUInt8));
    f.write("/labels", torch::zeros({4, 6}, torch::kFloat64));
  }
  expect_error(dir.path("chw.h5"), "/images has shape [4, 3, 64, 64]");
  {
    auto f = infofrag::h5::File::create(dir.path("five.h5"));
    f.write("/images", torch::zeros({4, 64, 64, 3}, torch::kUInt8));
    f.write("/labels", torch::zeros({4, 5}, torch::kFloat64));
  }
  expect_error(dir.path("five.h5"), "/labels has shape [4, 5]");
  // Through the CLI, before any training.
  const auto run = infofrag::test::run_cli({"train", "--data.dataset", "shapes3d", "--data.path",
                                            dir.path("chw.h5"), "--out", dir.path("e")});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("chw.h5: /images has shape"));
  CHECK_FALSE(std::filesystem::exists(dir.path("e")));
}
