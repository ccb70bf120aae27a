#include "infofrag/data/dataset.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "infofrag/core/error.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/io/h5.hpp"
#include "support.hpp"

// After LibTorch, whose glog defines a CHECK of its own.
#include <catch2/catch.hpp>

using infofrag::ConfigError;
using infofrag::InputError;
using infofrag::parse_index_list;
using infofrag::data::DataConfig;
using infofrag::data::DspritesFactors;
using infofrag::data::open_dataset;
using infofrag::data::render_dsprite;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<int64_t> row(const torch::Tensor& labels, int64_t i) {
  const torch::Tensor r = labels[i].contiguous();
  return std::vector<int64_t>(r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel());
}

/// Rows and columns of the on pixels of a [1, 64, 64] image: {row min, row max, col min, col max}.
std::vector<int64_t> extent(const torch::Tensor& image) {
  const torch::Tensor on = image[0].nonzero();
  const torch::Tensor rows = on.select(1, 0), cols = on.select(1, 1);
  return {rows.min().item<int64_t>(), rows.max().item<int64_t>(), cols.min().item<int64_t>(),
          cols.max().item<int64_t>()};
}

int64_t count_on(const torch::Tensor& image) { return image.sum().item<float>(); }

/// Area of the dSprites heart at scale 1 by the shoelace formula.
double heart_area() {
  constexpr int kSamples = 20000;
  double twice_area = 0;
  auto point = [](int k) {
    const double t = 2 * kPi * k / kSamples;
    const double u = 9.6 * std::pow(std::sin(t), 3);
    const double v =
        -0.664 * (13 * std::cos(t) - 5 * std::cos(2 * t) - 2 * std::cos(3 * t) - std::cos(4 * t)) -
        1.45;
    return std::pair<double, double>(u, v);
  };
  for (int k = 0; k < kSamples; ++k) {
    const auto [u0, v0] = point(k);
    const auto [u1, v1] = point(k + 1);
    twice_area += u0 * v1 - u1 * v0;
  }
  return std::abs(twice_area) / 2;
}

/// The heart drawn independently of the library: even-odd ray casting of every pixel centre
/// against the curve, mapped to image coordinates by the README's rules.
torch::Tensor heart_by_polygon(const DspritesFactors& f) {
  constexpr int kSamples = 3000;
  const double scale = 0.5 + 0.1 * static_cast<double>(f.scale);
  const double theta = 2 * kPi * static_cast<double>(f.orientation) / 39;
  const double cx = 16 + 32.0 * static_cast<double>(f.pos_x) / 31;
  const double cy = 16 + 32.0 * static_cast<double>(f.pos_y) / 31;
  std::vector<double> xs(kSamples), ys(kSamples);
  for (int k = 0; k < kSamples; ++k) {
    const double t = 2 * kPi * k / kSamples;
    const double u = scale * 9.6 * std::pow(std::sin(t), 3);
    const double v =
        scale *
        (-0.664 * (13 * std::cos(t) - 5 * std::cos(2 * t) - 2 * std::cos(3 * t) - std::cos(4 * t)) -
         1.45);
    xs[k] = cx + u * std::cos(theta) + v * std::sin(theta);
    ys[k] = cy - u * std::sin(theta) + v * std::cos(theta);
  }
  torch::Tensor image = torch::zeros({1, 64, 64}, torch::kFloat32);
  auto pixels = image.accessor<float, 3>();
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 64; ++j) {
      const double x = j + 0.5, y = i + 0.5;
      bool inside = false;
      for (int k = 0, l = kSamples - 1; k < kSamples; l = k++) {
        if ((ys[k] > y) != (ys[l] > y) &&
            x < xs[k] + (y - ys[k]) * (xs[l] - xs[k]) / (ys[l] - ys[k])) {
          inside = !inside;
        }
      }
      pixels[0][i][j] = inside ? 1.0F : 0.0F;
    }
  }
  return image;
}

int64_t count_differences(const torch::Tensor& a, const torch::Tensor& b) {
  return (a != b).sum().item<int64_t>();
}

DataConfig config_of(const std::string& dataset, const std::string& path = "") {
  DataConfig config;
  config.dataset = infofrag::fields::parse<infofrag::data::DatasetKind>(dataset);
  config.path = path;
  return config;
}

/// Exports `indices` of `config` and reads the file back as dataset hdf5; both must agree.
void check_round_trip(const DataConfig& config, const std::string& indices) {
  TempDir dir;
  infofrag::data::ExportDataConfig export_config;
  export_config.data = config;
  export_config.indices = infofrag::fields::parse<infofrag::IndexList>(indices);
  export_config.out = dir.path("export.h5");
  REQUIRE(infofrag::data::run_export_data(export_config) == 0);
  CHECK(dir.files() == std::vector<std::string>{"export.h5"});

  const auto source = open_dataset(config);
  const std::vector<int64_t> rows = parse_index_list(indices, source->size());
  const auto copy = open_dataset(config_of("hdf5", dir.path("export.h5")));
  const auto n = static_cast<int64_t>(rows.size());
  REQUIRE(copy->size() == n);
  CHECK(copy->item_shape() == source->item_shape());
  CHECK(copy->factor_names() == source->factor_names());
  std::vector<int64_t> all(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) all[static_cast<size_t>(k)] = k;
  CHECK(torch::equal(copy->items(all), source->items(rows)));
  CHECK(torch::equal(copy->labels(all), source->labels(rows)));

  const auto file = infofrag::h5::File::open(dir.path("export.h5"));
  CHECK(torch::equal(file.read("/index", torch::kInt64), torch::tensor(rows, torch::kInt64)));
  CHECK(file.read_string_attr("/", "dataset") ==
        std::vector<std::string>{infofrag::fields::format(config.dataset)});
}

}  // namespace

TEST_CASE("data/dsprites: factor grid and index order of the original file", "[data]") {
  const auto data = open_dataset(config_of("dsprites"));
  CHECK(data->size() == 737280);
  CHECK(data->item_shape() == std::vector<int64_t>{1, 64, 64});
  CHECK(data->factor_names() ==
        std::vector<std::string>{"shape", "scale", "orientation", "pos_x", "pos_y"});
  const torch::Tensor labels =
      data->labels({0, 1 * 245760 + 2 * 40960 + 3 * 1024 + 4 * 32 + 5, 32, 1024, 40960, 737279});
  REQUIRE(labels.sizes() == torch::IntArrayRef({6, 5}));
  CHECK(row(labels, 0) == std::vector<int64_t>{0, 0, 0, 0, 0});
  CHECK(row(labels, 1) == std::vector<int64_t>{1, 2, 3, 4, 5});
  CHECK(row(labels, 2) == std::vector<int64_t>{0, 0, 0, 1, 0});
  CHECK(row(labels, 3) == std::vector<int64_t>{0, 0, 1, 0, 0});
  CHECK(row(labels, 4) == std::vector<int64_t>{0, 1, 0, 0, 0});
  CHECK(row(labels, 5) == std::vector<int64_t>{2, 5, 39, 31, 31});

  CHECK(infofrag::data::dsprites_index({2, 5, 39, 31, 31}) == 737279);
  CHECK(infofrag::data::dsprites_index({1, 0, 0, 0, 7}) == 245767);
  const DspritesFactors f =
      infofrag::data::dsprites_factors(1 * 245760 + 2 * 40960 + 3 * 1024 + 4 * 32 + 5);
  CHECK((f.shape == 1 && f.scale == 2 && f.orientation == 3 && f.pos_x == 4 && f.pos_y == 5));
  CHECK_THROWS_AS(infofrag::data::dsprites_index({3, 0, 0, 0, 0}), ConfigError);
  CHECK_THROWS_AS(render_dsprite({0, 0, 40, 0, 0}), ConfigError);
}

TEST_CASE("data/dsprites: an unrotated square covers the pixels the rules give by hand", "[data]") {
  // Side 19.2·scale around x = 16 + 32·pos_x/31; pixel j is on when |j + 0.5 - x| <= 9.6·scale.
  // scale 1.0 at x = y = 16: centres 6.5 .. 25.5 lie in [6.4, 25.6].
  torch::Tensor image = render_dsprite({0, 5, 0, 0, 0});
  CHECK(count_on(image) == 400);
  CHECK(extent(image) == std::vector<int64_t>{6, 25, 6, 25});
  // scale 0.5 at x = y = 48: [43.2, 52.8] holds centres 43.5 .. 52.5.
  image = render_dsprite({0, 0, 0, 31, 31});
  CHECK(count_on(image) == 100);
  CHECK(extent(image) == std::vector<int64_t>{43, 52, 43, 52});
  // scale 1.0 at x = 16 + 32·15/31 = 31.484: [21.884, 41.084] holds centres 22.5 .. 40.5.
  image = render_dsprite({0, 5, 0, 15, 0});
  CHECK(count_on(image) == 19 * 20);
  CHECK(extent(image) == std::vector<int64_t>{6, 25, 22, 40});
  // Every on pixel is inside the block: the count and the extent together pin the set.
  CHECK(image.max().item<float>() == 1.0F);
  CHECK(((image == 0) | (image == 1)).all().item<bool>());
}

TEST_CASE("data/dsprites: ellipse and heart match their closed forms", "[data]") {
  // Ellipse, semi-axes 12.8 and 7.2 at x = y = 16: the widest row (|dy| = 0.5) spans
  // |dx| <= 12.8·sqrt(1 - (0.5/7.2)^2) = 12.77, so centres dx = -12.5 .. 12.5, columns 3..28;
  // the tallest column spans |dy| <= 7.2·sqrt(1 - (0.5/12.8)^2) = 7.19, rows 9..22.
  const torch::Tensor ellipse = render_dsprite({1, 5, 0, 0, 0});
  CHECK(extent(ellipse) == std::vector<int64_t>{9, 22, 3, 28});
  CHECK(count_on(ellipse) == Approx(kPi * 12.8 * 7.2).epsilon(0.03));

  // The heart's pixel count is its area (shoelace) times scale^2, up to the boundary pixels.
  for (int64_t scale : {0, 5}) {
    const double s = 0.5 + 0.1 * static_cast<double>(scale);
    const torch::Tensor heart = render_dsprite({2, scale, 0, 10, 20});
    CHECK(count_on(heart) == Approx(heart_area() * s * s).epsilon(0.05));
  }
  // Pixel by pixel against a direct point-in-polygon test of the rotated, scaled curve; only
  // centres within the raster's 0.01·scale cells of the curve may differ.
  for (const DspritesFactors& f : {DspritesFactors{2, 5, 0, 0, 0}, DspritesFactors{2, 1, 7, 20, 3},
                                   DspritesFactors{2, 3, 25, 31, 17}}) {
    const torch::Tensor image = render_dsprite(f);
    CHECK(count_differences(image, heart_by_polygon(f)) <= 1);
  }

  // Centre x = 16 lies on a pixel edge, so an unrotated shape there is mirror-symmetric.
  for (int64_t shape : {0, 1, 2}) {
    const torch::Tensor image = render_dsprite({shape, 3, 0, 0, 7});
    const int64_t asymmetric =
        (image.slice(2, 0, 32) != image.slice(2, 0, 32).flip({2})).sum().item<int64_t>();
    CHECK(asymmetric == 0);
  }
  // Orientation 39 is 2π: the same image as orientation 0.
  for (int64_t shape : {0, 1, 2}) {
    CHECK(
        torch::equal(render_dsprite({shape, 4, 39, 9, 20}), render_dsprite({shape, 4, 0, 9, 20})));
  }
}

TEST_CASE("data/dsprites: batches are deterministic and equal single renders", "[data]") {
  const auto data = open_dataset(config_of("dsprites"));
  std::vector<int64_t> indices;
  for (int64_t k = 0; k < 500; ++k) indices.push_back((k * 7919 + 13) % data->size());
  const torch::Tensor a = data->items(indices);
  const torch::Tensor b = data->items(indices);
  REQUIRE(a.sizes() == torch::IntArrayRef({500, 1, 64, 64}));
  CHECK(a.dtype() == torch::kFloat32);
  CHECK(torch::equal(a, b));
  for (int64_t k : {0, 1, 250, 499}) {
    const auto f = infofrag::data::dsprites_factors(indices[static_cast<size_t>(k)]);
    CHECK(torch::equal(a[k], render_dsprite(f)));
  }
  // Every image shows a shape.
  CHECK((a.sum({1, 2, 3}) > 20).all().item<bool>());
}

TEST_CASE("data/circle: evenly spaced angles and binned labels", "[data]") {
  DataConfig config = config_of("circle");
  config.circle_points = 10;
  config.circle_bins = 3;
  const auto data = open_dataset(config);
  CHECK(data->size() == 10);
  CHECK(data->item_shape() == std::vector<int64_t>{2});
  CHECK_FALSE(data->is_image());
  CHECK(data->factor_names() == std::vector<std::string>{"angle"});
  const std::vector<int64_t> all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const torch::Tensor items = data->items(all);
  for (int64_t i = 0; i < 10; ++i) {
    CHECK(items[i][0].item<float>() == Approx(std::cos(2 * kPi * i / 10)).margin(1e-6));
    CHECK(items[i][1].item<float>() == Approx(std::sin(2 * kPi * i / 10)).margin(1e-6));
  }
  // floor(3i/10)
  CHECK(torch::equal(data->labels(all).flatten(),
                     torch::tensor({0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, torch::kInt64)));

  config.circle_points = 0;
  CHECK_THROWS_AS(open_dataset(config), ConfigError);
  config.circle_points = 10;
  config.circle_bins = 0;
  CHECK_THROWS_AS(open_dataset(config), ConfigError);
}

TEST_CASE("data/parse_index_list: reads single indices and half-open ranges", "[data]") {
  CHECK(parse_index_list("0,5,100:103", 200) == std::vector<int64_t>{0, 5, 100, 101, 102});
  CHECK(parse_index_list(" 7 , 2:4 ", 10) == std::vector<int64_t>{7, 2, 3});
  CHECK(parse_index_list("9", 10) == std::vector<int64_t>{9});
  CHECK(parse_index_list("0:10", 10).size() == 10);

  const auto fails_with = [](const std::string& text, const std::string& piece) {
    try {
      parse_index_list(text, 10, "--indices");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      CHECK_THAT(message, Catch::Contains("--indices"));
      CHECK_THAT(message, Catch::Contains(piece));
      return;
    }
    FAIL("no ConfigError for '" << text << "'");
  };
  fails_with("1,x", "'x'");
  fails_with("1,2.5", "'2.5'");
  fails_with("-3", "'-3'");
  fails_with("10", "'10'");
  fails_with("0:11", "'0:11'");
  fails_with("5:5", "'5:5'");
  fails_with("6:2", "'6:2'");
  fails_with("1,,2", "empty");
  fails_with("", "no indices");
  fails_with("3:", "'3:'");
}

TEST_CASE("data/fashion-mnist: splits, classes and known values", "[data]") {
  DataConfig config = config_of("fashion-mnist");
  config.split = infofrag::data::Split::kTrain;
  const auto train = open_dataset(config);
  config.split = infofrag::data::Split::kTest;
  const auto test = open_dataset(config);
  config.split = infofrag::data::Split::kAll;
  const auto all = open_dataset(config);
  CHECK(train->size() == 60000);
  CHECK(test->size() == 10000);
  REQUIRE(all->size() == 70000);
  CHECK(all->item_shape() == std::vector<int64_t>{1, 28, 28});
  CHECK(all->factor_names() == std::vector<std::string>{"class"});

  // The first label of both files is 9 (ankle boot); the first train image's bytes sum to
  // 76247 (read with Python's gzip module).
  CHECK(train->labels({0}).item<int64_t>() == 9);
  CHECK(test->labels({0}).item<int64_t>() == 9);
  const torch::Tensor first = train->items({0});
  CHECK(first.sizes() == torch::IntArrayRef({1, 1, 28, 28}));
  CHECK(std::lround(first.to(torch::kFloat64).sum().item<double>() * 255) == 76247);
  CHECK(first.max().item<float>() == 1.0F);

  // "all" is train then test.
  CHECK(torch::equal(all->items({60000}), test->items({0})));
  CHECK(torch::equal(all->items({59999}), train->items({59999})));

  std::vector<int64_t> everything(70000);
  for (int64_t k = 0; k < 70000; ++k) everything[static_cast<size_t>(k)] = k;
  const torch::Tensor counts = torch::bincount(all->labels(everything).flatten());
  CHECK(torch::equal(counts, torch::full({10}, 7000, torch::kInt64)));

  // Splits are parsed at the boundary.
  CHECK_THROWS_WITH(
      infofrag::fields::parse_option<infofrag::data::Split>("validation", "data.split"),
      Catch::Contains("data.split = 'validation'"));
}

TEST_CASE("data/fashion-mnist: a missing or corrupt file names the path and the package",
          "[data]") {
  TempDir dir;
  const std::string missing = dir.path("no-such-folder");
  try {
    open_dataset(config_of("fashion-mnist", missing));
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains(missing));
    CHECK_THAT(e.what(), Catch::Contains("dataset-fashion-mnist"));
  }
  // gzread passes an uncompressed file through, so a plain file can stand in for a bad one.
  std::filesystem::create_directory(dir.path("bad"));
  const std::string images = dir.path("bad") + "/train-images-idx3-ubyte.gz";
  std::ofstream(images, std::ios::binary) << std::string("\x00\x00\x08\x01 rest", 9);
  try {
    open_dataset(config_of("fashion-mnist", dir.path("bad")));
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains(images));
    CHECK_THAT(e.what(), Catch::Contains("0x00000801"));
  }
}

TEST_CASE("export-data writes what the hdf5 dataset reads back", "[data]") {
  SECTION("dsprites") { check_round_trip(config_of("dsprites"), "0,1000,245760:245770,737279"); }
  SECTION("fashion-mnist") {
    DataConfig config = config_of("fashion-mnist");
    config.split = infofrag::data::Split::kAll;
    check_round_trip(config, "0:20,59999,60000,69999");
  }
  SECTION("circle") {
    DataConfig config = config_of("circle");
    config.circle_points = 50;
    config.circle_bins = 4;
    check_round_trip(config, "0:50");
  }
}

TEST_CASE("data/hdf5 dataset: bad files name the file, the dataset and the value", "[data]") {
  using infofrag::h5::File;
  TempDir dir;
  const auto fails_with = [&](const std::string& name, const std::vector<std::string>& parts) {
    try {
      open_dataset(config_of("hdf5", dir.path(name)));
    } catch (const InputError& e) {
      const std::string message = e.what();
      CHECK_THAT(message, Catch::Contains(dir.path(name)));
      for (const std::string& part : parts) CHECK_THAT(message, Catch::Contains(part));
      return;
    }
    FAIL("no InputError for " << name);
  };
  fails_with("missing.h5", {"no such file"});
  infofrag::test::write_text(dir.path("text.h5"), "not hdf5");
  fails_with("text.h5", {"HDF5"});
  {
    File f = File::create(dir.path("neither.h5"));
    f.write("/labels", torch::zeros({3, 1}, torch::kInt64));
  }
  fails_with("neither.h5", {"/images", "/vectors"});
  {
    File f = File::create(dir.path("both.h5"));
    f.write("/images", torch::zeros({3, 1, 2, 2}, torch::kUInt8));
    f.write("/vectors", torch::zeros({3, 2}, torch::kFloat32));
  }
  fails_with("both.h5", {"/images", "/vectors"});
  {
    File f = File::create(dir.path("rank.h5"));
    f.write("/images", torch::zeros({3, 4, 4}, torch::kUInt8));
  }
  fails_with("rank.h5", {"/images", "[3, 4, 4]"});
  {
    File f = File::create(dir.path("nan.h5"));
    torch::Tensor v = torch::zeros({3, 2}, torch::kFloat64);
    v[2][1] = std::nan("");
    f.write("/vectors", v);
  }
  fails_with("nan.h5", {"/vectors", "nan", "[2, 1]"});
  {
    File f = File::create(dir.path("inf.h5"));
    torch::Tensor v = torch::zeros({2, 1, 2, 2}, torch::kFloat32);
    v[1][0][0][1] = INFINITY;
    f.write("/images", v);
  }
  fails_with("inf.h5", {"/images", "inf", "[1, 0, 0, 1]"});
  {
    File f = File::create(dir.path("byte.h5"));
    torch::Tensor v = torch::zeros({2, 1, 2, 2}, torch::kInt64);
    v[0][0][1][0] = 300;
    f.write("/images", v);
  }
  fails_with("byte.h5", {"/images", "300"});
  {
    File f = File::create(dir.path("labels.h5"));
    f.write("/vectors", torch::zeros({3, 2}, torch::kFloat32));
    f.write("/labels", torch::zeros({4, 2}, torch::kInt64));
  }
  fails_with("labels.h5", {"/labels", "[4, 2]"});
  {
    File f = File::create(dir.path("names.h5"));
    f.write("/vectors", torch::zeros({3, 2}, torch::kFloat32));
    f.write("/labels", torch::zeros({3, 2}, torch::kInt64));
    f.set_attr("/labels", "factor_names", std::vector<std::string>{"a", "b", "c"});
  }
  fails_with("names.h5", {"/labels", "factor_names", "3 names"});

  // Without factor_names the factors are numbered.
  {
    File f = File::create(dir.path("good.h5"));
    f.write("/vectors", torch::zeros({3, 2}, torch::kFloat64));
    f.write("/labels", torch::zeros({3, 2}, torch::kInt64));
  }
  const auto good = open_dataset(config_of("hdf5", dir.path("good.h5")));
  CHECK(good->factor_names() == std::vector<std::string>{"factor_0", "factor_1"});
  CHECK(good->items({2}).dtype() == torch::kFloat32);
}

TEST_CASE("export-data through the CLI: a bad index fails and writes nothing", "[data][cli]") {
  TempDir dir;
  const auto bad = run_cli({"export-data", "--dataset", "circle", "--circle-points", "10",
                            "--indices", "3,12", "--out", dir.path("c.h5")});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains("'12'"));
  CHECK(dir.files().empty());

  const auto good = run_cli({"export-data", "--dataset", "circle", "--circle-points", "10",
                             "--indices", "3,9", "--out", dir.path("c.h5")});
  CHECK(good.code == 0);
  CHECK(dir.files() == std::vector<std::string>{"c.h5"});
}
