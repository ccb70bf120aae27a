// The factor grid: the dataset row of each combination of factor classes, which the BetaVAE
// and FactorVAE scores draw from. dSprites against its closed-form index, Shapes3D from a
// small file in the public 3dshapes.h5 layout (scrambled rows), and the datasets that have no
// grid refused with the reason.
#include <ATen/CPUGeneratorImpl.h>

#include "infofrag/core/error.hpp"
#include "infofrag/data/factor_grid.hpp"
#include "infofrag/io/h5.hpp"
#include "support.hpp"
#include "support_data.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

using namespace infofrag::data;
using infofrag::test::TempDir;
using infofrag::test::write_shapes3d_grid;

namespace {

std::unique_ptr<Dataset> open(DatasetKind kind, const std::string& path = "") {
  return infofrag::test::open_dataset_of(kind, path);
}

std::string grid_problem(const Dataset& data) {
  std::string why;
  CHECK_FALSE(find_factor_grid(data, why).has_value());
  return why;
}

}  // namespace

TEST_CASE("data/factor grid: dSprites rows are its closed-form index", "[data][grid]") {
  for (const DatasetKind kind : {DatasetKind::kDsprites, DatasetKind::kColorDsprites}) {
    const auto data = open(kind);
    const FactorGrid grid = factor_grid(*data, "test");
    CHECK(grid.names ==
          std::vector<std::string>{"shape", "scale", "orientation", "pos_x", "pos_y"});
    CHECK(grid.classes == std::vector<int64_t>{3, 6, 40, 32, 32});
    auto generator = at::make_generator<at::CPUGeneratorImpl>(1);
    std::vector<torch::Tensor> columns;
    for (const int64_t c : grid.classes) {
      columns.push_back(torch::randint(c, {200}, generator, torch::kInt64));
    }
    const torch::Tensor factors = torch::stack(columns, 1);
    const std::vector<int64_t> rows = grid.rows_of(factors);
    const auto f = factors.accessor<int64_t, 2>();
    for (int64_t b = 0; b < 200; ++b) {
      INFO("combination " << b);
      CHECK(rows[static_cast<size_t>(b)] ==
            dsprites_index({f[b][0], f[b][1], f[b][2], f[b][3], f[b][4]}));
    }
    CHECK(torch::equal(data->labels(rows), factors));
  }
}

TEST_CASE("data/factor grid: Shapes3D's scrambled rows found from their labels", "[data][grid]") {
  TempDir dir;
  write_shapes3d_grid(dir.path("3dshapes.h5"), {2, 3, 2, 2, 4, 3});  // 288 rows
  const auto data = open(DatasetKind::kShapes3d, dir.path("3dshapes.h5"));
  const FactorGrid grid = factor_grid(*data, "test");
  CHECK(grid.classes == std::vector<int64_t>{2, 3, 2, 2, 4, 3});
  CHECK(grid.columns == std::vector<int64_t>{0, 1, 2, 3, 4, 5});
  // Every combination: its row's labels are the combination.
  std::vector<torch::Tensor> all;
  for (int64_t i = 0; i < 288; ++i) {
    int64_t rest = i;
    std::vector<int64_t> combo(6);
    for (int64_t j = 5; j >= 0; --j) {
      combo[static_cast<size_t>(j)] = rest % grid.classes[static_cast<size_t>(j)];
      rest /= grid.classes[static_cast<size_t>(j)];
    }
    all.push_back(torch::tensor(combo, torch::kInt64));
  }
  const torch::Tensor factors = torch::stack(all);
  const std::vector<int64_t> rows = grid.rows_of(factors);
  CHECK(torch::equal(data->labels(rows), factors));
  // Each row once, and its image is that row's (combination number in the first byte).
  CHECK(std::get<0>(torch::_unique(torch::tensor(rows))).numel() == 288);
  CHECK(torch::equal(
      (data->items(rows).select(1, 0).select(1, 0).select(1, 0) * 255).round().to(torch::kInt64),
      torch::arange(288, torch::kInt64) % 256));
}

TEST_CASE("data/factor grid: datasets without one item per combination are refused, with why",
          "[data][grid]") {
  TempDir dir;
  write_shapes3d_grid(dir.path("short.h5"), {2, 3, 2, 2, 4, 3}, /*drop=*/5);
  CHECK_THAT(grid_problem(*open(DatasetKind::kShapes3d, dir.path("short.h5"))),
             Catch::Contains("'shapes3d' has 283 items, not one per combination") &&
                 Catch::Contains("2 floor_hue x 3 wall_hue x 2 object_hue x 2 scale x 4 shape x "
                                 "3 orientation"));
  write_shapes3d_grid(dir.path("twice.h5"), {2, 3, 2, 2, 4, 3}, /*drop=*/0, /*repeat=*/true);
  CHECK_THAT(grid_problem(*open(DatasetKind::kShapes3d, dir.path("twice.h5"))),
             Catch::Contains("1 combinations") && Catch::Contains("missing"));
  // Circle: one factor (the binned angle).
  DataConfig circle;
  circle.dataset = DatasetKind::kCircle;
  circle.circle_points = 64;
  CHECK_THAT(grid_problem(*open_dataset(circle)),
             Catch::Contains("'circle' has 1 factor with two or more classes"));
  // An hdf5 file without labels.
  {
    auto f = infofrag::h5::File::create(dir.path("vectors.h5"));
    f.write("/vectors", torch::zeros({6, 2}, torch::kFloat32));
  }
  const auto vectors = open(DatasetKind::kHdf5, dir.path("vectors.h5"));
  CHECK_THAT(grid_problem(*vectors), Catch::Contains("'hdf5' has no factor labels"));
  try {
    factor_grid(*vectors, "where.h5");
    FAIL("no error");
  } catch (const infofrag::InputError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("where.h5: dataset 'hdf5' has no factor labels"));
  }
}

TEST_CASE("data/factor grid: a constant factor is left out of an hdf5 export's grid",
          "[data][grid]") {
  TempDir dir;
  {
    // 3 x 2 combinations in reverse order; a third factor constant.
    torch::Tensor labels = torch::empty({6, 3}, torch::kInt64);
    for (int64_t i = 0; i < 6; ++i) {
      labels[5 - i][0] = 10 * (i / 2);  // values 0, 10, 20: classes 0, 1, 2
      labels[5 - i][1] = i % 2;
      labels[5 - i][2] = 7;
    }
    auto f = infofrag::h5::File::create(dir.path("grid.h5"));
    f.write("/vectors", torch::arange(6, torch::kFloat32).reshape({6, 1}));
    f.write("/labels", labels);
  }
  const FactorGrid grid = factor_grid(*open(DatasetKind::kHdf5, dir.path("grid.h5")), "test");
  CHECK(grid.classes == std::vector<int64_t>{3, 2});
  CHECK(grid.columns == std::vector<int64_t>{0, 1});
  CHECK(grid.rows_of(torch::tensor({{0, 0}, {2, 1}, {1, 0}}, torch::kInt64)) ==
        std::vector<int64_t>{5, 0, 3});
}
