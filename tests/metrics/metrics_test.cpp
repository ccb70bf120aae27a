#include "infofrag/metrics/metrics.hpp"

#include <catch2/catch.hpp>

#include "infofrag/io/h5.hpp"
#include "support.hpp"

using infofrag::h5::File;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

TEST_CASE("metrics: synth then metrics writes the documented file", "[metrics][cli][e2e]") {
  TempDir dir;
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "150", "--members", "3",
                   "--dims", "4"})
              .code == 0);
  const auto run =
      run_cli({"metrics", "--embeddings", dir.path("e.h5"), "--out", dir.path("m.h5")});
  REQUIRE(run.code == 0);
  for (const char* metric : {"cka linear", "cka rbf", "shape", "udr", "mig", "sap", "modularity"}) {
    CHECK_THAT(run.err, Catch::Contains(std::string(metric) + " "));
  }
  const File file = File::open(dir.path("m.h5"));
  CHECK(file.read_strings("/members").size() == 3);
  for (const char* name : {"cka_linear_similarity", "cka_rbf_similarity",
                           "cka_coefficient_similarity", "shape_distance"}) {
    INFO(name);
    const torch::Tensor spaces = file.read(std::string("/spaces/") + name, torch::kFloat64);
    const torch::Tensor channels = file.read(std::string("/channels/") + name, torch::kFloat64);
    CHECK(spaces.sizes() == torch::IntArrayRef({3, 3}));
    CHECK(channels.sizes() == torch::IntArrayRef({12, 12}));
    const double diagonal = std::string(name) == "shape_distance" ? 0.0 : 1.0;
    CHECK(torch::allclose(spaces.diagonal(), torch::full({3}, diagonal, torch::kFloat64), 0, 1e-9));
    CHECK(torch::allclose(channels, channels.t(), 0, 1e-9));
    CHECK_THAT(file.read_string_attr(std::string("/spaces/") + name, "kind")[0],
               Catch::StartsWith(diagonal == 0 ? "distance" : "similarity"));
  }
  CHECK(file.read("/disentanglement/mig", torch::kFloat64).sizes() == torch::IntArrayRef({3}));
  const auto factors = file.read_strings("/disentanglement/factor_names");
  CHECK(file.read("/disentanglement/mig_per_factor", torch::kFloat64).sizes() ==
        torch::IntArrayRef({3, static_cast<int64_t>(factors.size())}));
  CHECK(file.read("/disentanglement/sap", torch::kFloat64).sizes() == torch::IntArrayRef({3}));
  CHECK(file.read("/disentanglement/modularity", torch::kFloat64).sizes() ==
        torch::IntArrayRef({3}));
  CHECK(file.read("/udr/pairwise", torch::kFloat64).sizes() == torch::IntArrayRef({3, 3}));
  CHECK(file.read("/udr/score", torch::kFloat64).sizes() == torch::IntArrayRef({3}));
  CHECK(file.read_number_attr("/", "points") == 150);
  CHECK(file.read_number_attr("/seconds", "mig") >= 0);
}

TEST_CASE("metrics: bad input fails with the file and value named, nothing written",
          "[metrics][cli]") {
  TempDir dir;
  // No labels: an embeddings file written by hand.
  {
    infofrag::Embeddings e;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
    for (const char* id : {"a", "b"}) {
      e.members.push_back({id,
                           torch::randn({120, 3}, gen, torch::kFloat64),
                           torch::zeros({120, 3}, torch::kFloat64),
                           {}});
    }
    infofrag::write_embeddings(dir.path("nolabels.h5"), e);
  }
  auto run =
      run_cli({"metrics", "--embeddings", dir.path("nolabels.h5"), "--out", dir.path("m.h5")});
  CHECK(run.code != 0);
  CHECK_THAT(run.err, Catch::Contains("nolabels.h5") && Catch::Contains("/fingerprint/labels"));
  CHECK(dir.files() == std::vector<std::string>{"nolabels.h5"});
  // Without the label-based metrics the same file is fine.
  run = run_cli({"metrics", "--embeddings", dir.path("nolabels.h5"), "--out", dir.path("m.h5"),
                 "--disentanglement", "false"});
  CHECK(run.code == 0);
  CHECK_FALSE(File::open(dir.path("m.h5")).has("/disentanglement"));

  // Fewer points than the protocol needs.
  REQUIRE(
      run_cli({"synth", "--out", dir.path("small.h5"), "--points", "60", "--members", "2"}).code ==
      0);
  run = run_cli({"metrics", "--embeddings", dir.path("small.h5"), "--out", dir.path("s.h5")});
  CHECK(run.code != 0);
  CHECK_THAT(run.err, Catch::Contains("small.h5") && Catch::Contains("60 points") &&
                          Catch::Contains("--min-points 100"));
  // A bad option, named with its value.
  run = run_cli({"metrics", "--embeddings", dir.path("small.h5"), "--out", dir.path("s.h5"),
                 "--shape-alpha", "3"});
  CHECK(run.code != 0);
  CHECK_THAT(run.err, Catch::Contains("--shape-alpha") && Catch::Contains("3"));
  run = run_cli({"metrics", "--embeddings", dir.path("small.h5"), "--out", dir.path("s.h5"),
                 "--fingerprint-size", "61", "--min-points", "10"});
  CHECK(run.code != 0);
  CHECK_THAT(run.err, Catch::Contains("--fingerprint-size 61"));
  CHECK_FALSE(File::open(dir.path("small.h5")).has("/x"));  // input untouched, readable
  const auto files = dir.files();
  CHECK(std::find(files.begin(), files.end(), "s.h5") == files.end());
}

TEST_CASE(
    "metrics --ensemble: BetaVAE and FactorVAE scores from dSprites members, and a dataset "
    "that cannot fix factors is refused",
    "[metrics][intervention][e2e]") {
  TempDir dir;
  const std::string configs = std::string(INFOFRAG_SOURCE_DIR) + "/configs/tests/";
  REQUIRE(
      run_cli({"train", "--config", configs + "tiny_dsprites.ini", "--out", dir.path("ds")}).code ==
      0);
  REQUIRE(run_cli({"embed", "--ensemble", dir.path("ds"), "--out", dir.path("ds.h5"),
                   "--fingerprint-size", "120", "--progress", "false"})
              .code == 0);
  const std::vector<std::string> small = {
      "--intervention-batch-size", "8",  "--intervention-train",           "30",
      "--intervention-eval",       "20", "--intervention-variance-points", "100"};
  std::vector<std::string> args = {"metrics",        "--embeddings", dir.path("ds.h5"), "--out",
                                   dir.path("m.h5"), "--ensemble",   dir.path("ds")};
  args.insert(args.end(), small.begin(), small.end());
  const auto run = run_cli(args);
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK_THAT(run.err, Catch::Contains("beta-vae ") && Catch::Contains("factor-vae "));
  const File file = File::open(dir.path("m.h5"));
  for (const char* name :
       {"beta_vae_train", "beta_vae_eval", "factor_vae_train", "factor_vae_eval"}) {
    INFO(name);
    const torch::Tensor v = file.read(std::string("/disentanglement/") + name, torch::kFloat64);
    CHECK(v.sizes() == torch::IntArrayRef({4}));
    CHECK(((v >= 0) & (v <= 1)).all().item<bool>());
  }
  CHECK((file.read("/disentanglement/factor_vae_active", torch::kInt64) <= 4).all().item<bool>());
  CHECK(file.read_number_attr("/disentanglement", "intervention_train") == 30);

  // Circle members: their dataset cannot hold chosen factors fixed. Nothing is written.
  REQUIRE(
      run_cli({"train", "--config", configs + "tiny_circle.ini", "--out", dir.path("cc")}).code ==
      0);
  REQUIRE(run_cli({"embed", "--ensemble", dir.path("cc"), "--out", dir.path("cc.h5"),
                   "--fingerprint-size", "120", "--progress", "false"})
              .code == 0);
  const auto refused = run_cli({"metrics", "--embeddings", dir.path("cc.h5"), "--out",
                                dir.path("c.h5"), "--ensemble", dir.path("cc")});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains(dir.path("cc") + "/members/") &&
                              Catch::Contains("'circle'") && Catch::Contains("dsprites"));
  const auto files = dir.files();
  CHECK(std::find(files.begin(), files.end(), "c.h5") == files.end());
}

TEST_CASE("metrics --ensemble: Shapes3D members draw from the file's factor grid",
          "[metrics][intervention][e2e]") {
  TempDir dir;
  infofrag::test::write_shapes3d_grid(dir.path("3dshapes.h5"), {2, 2, 2, 2, 2, 4});  // 128 rows
  const std::string configs = std::string(INFOFRAG_SOURCE_DIR) + "/configs/tests/";
  REQUIRE(run_cli({"train", "--config", configs + "tiny_dsprites.ini", "--data.dataset", "shapes3d",
                   "--data.path", dir.path("3dshapes.h5"), "--train.seeds", "1", "--out",
                   dir.path("s")})
              .code == 0);
  REQUIRE(run_cli({"embed", "--ensemble", dir.path("s"), "--out", dir.path("s.h5"),
                   "--fingerprint-size", "120", "--progress", "false"})
              .code == 0);
  const auto run =
      run_cli({"metrics", "--embeddings", dir.path("s.h5"), "--out", dir.path("m.h5"), "--ensemble",
               dir.path("s"), "--intervention-batch-size", "8", "--intervention-train", "30",
               "--intervention-eval", "20", "--intervention-variance-points", "100"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const File file = File::open(dir.path("m.h5"));
  CHECK(file.read_strings("/disentanglement/intervention_factors") ==
        std::vector<std::string>{"floor_hue", "wall_hue", "object_hue", "scale", "shape",
                                 "orientation"});
  const torch::Tensor beta = file.read("/disentanglement/beta_vae_eval", torch::kFloat64);
  CHECK(beta.sizes() == torch::IntArrayRef({2}));
  CHECK(((beta >= 0) & (beta <= 1)).all().item<bool>());

  // The same file short of a grid: the member is refused, naming its file and the reason.
  infofrag::test::write_shapes3d_grid(dir.path("3dshapes.h5"), {2, 2, 2, 2, 2, 4}, /*drop=*/1);
  const auto refused = run_cli({"metrics", "--embeddings", dir.path("s.h5"), "--out",
                                dir.path("r.h5"), "--ensemble", dir.path("s")});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains(dir.path("s") + "/members/") &&
                              Catch::Contains("127 items, not one per combination"));
  const auto files = dir.files();
  CHECK(std::find(files.begin(), files.end(), "r.h5") == files.end());
}
