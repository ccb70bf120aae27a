// `infofrag run`: every stage's options are checked before any work, and mc, metrics and fuse
// can join.
#include <catch2/catch.hpp>

#include <filesystem>

#include "infofrag/io/h5.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

namespace {

/// A seconds-long circle sweep with every later stage configured (figures off unless asked).
std::string tiny_run(const std::string& extra) {
  return "[data]\ndataset = circle\ncircle-points = 2000\n"
         "[model]\nkind = mlp\nlatents = 2\nwidths = 16\nactivation = tanh\n"
         "[objective]\nbeta = 0.03\n"
         "[train]\nsteps = 200\nbatch-size = 64\nlr = 1e-3\nseeds = 3\nprogress = false\n"
         "[embed]\nfingerprint-size = 120\nprogress = false\n"
         "[analyze]\nprogress = false\n"
         "[hotspots]\nmin-info-bits = 0.05\nmin-samples = 2\n" +
         extra;
}

}  // namespace

TEST_CASE("run: a bad option of a later stage fails before training and leaves no folder",
          "[run][config]") {
  TempDir dir;
  const std::string out = dir.path("run");
  struct Case {
    std::string ini;      ///< appended to the tiny run's config
    std::string message;  ///< must appear in stderr
  };
  const std::vector<Case> cases = {
      {"[figures]\nenabled = false\n[analyze]\nmemory-budget-mb = 0\n",
       "analyze.memory-budget-mb = 0: must be at least 1"},
      {"[figures]\nenabled = false\n[traverse]\nquantile = 0.7\n",
       "traverse.quantile = 0.7: must be below 0.5"},
      {"[figures]\nenabled = false\n[traverse]\nsteps = 1\n", "traverse.steps = 1"},
      {"[figures]\nenabled = false\n[embed]\nindices = 5:2\n", "embed.indices = '5:2'"},
      {"[figures]\nenabled = false\n[hotspots]\nxi = 0\n", "hotspots.xi = 0: must be positive"},
      {"[figures]\nenabled = false\n[hotspots]\ndistance = cosine\n",
       "hotspots.distance = 'cosine'"},
      {"[figures]\npython = /no/such/python3\n", "figures.python = '/no/such/python3'"},
      {"[figures]\nscript = /no/such/plot.py\n", "figures.script = '/no/such/plot.py'"},
      {"[figures]\nmatrix = vi\n", "figures.matrix = 'vi'"},
      {"[figures]\nenabled = false\n[mc]\nenabled = true\nsamples = 0\n", "mc.samples = 0"},
      {"[figures]\nenabled = false\n[fuse]\nenabled = true\nlr = -1\n", "fuse.lr = -1"},
      {"[figures]\nenabled = false\n[metrics]\nenabled = true\nshape-alpha = 3\n",
       "metrics.shape-alpha = 3: must be at most 2"},
      {"[figures]\nenabled = false\n[train]\ndevice = cuda:7\n", "train.device"},
  };
  for (const Case& c : cases) {
    // (tiny_run's [hotspots] section comes first; a later [hotspots] section adds keys.)
    infofrag::test::write_text(dir.path("run.ini"), tiny_run(c.ini));
    const auto run = run_cli({"run", "--config", dir.path("run.ini"), "--out", out});
    CAPTURE(c.ini, run.err);
    CHECK(run.code == 1);
    CHECK_THAT(run.err, Catch::Contains(c.message));
    CHECK_THAT(run.err, !Catch::Contains("infofrag run: train"));  // no stage started
    CHECK_FALSE(fs::exists(out));
  }
}

TEST_CASE("run: mc, metrics and fuse join the pipeline, write into the run folder and resume",
          "[run][mc][fuse][metrics][e2e]") {
  TempDir dir;
  const std::string out = dir.path("run");
  infofrag::test::write_text(
      dir.path("run.ini"),
      tiny_run("[mc]\nenabled = true\nsamples = 200\nprogress = false\n"
               "[metrics]\nenabled = true\n"
               "[fuse]\nenabled = true\ndims = 1\nsteps = 20\nprogress = false\n"
               "[traverse]\nsteps = 3\n[figures]\nenabled = false\n"));
  auto run = run_cli({"run", "--config", dir.path("run.ini"), "--out", out});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const auto mc = infofrag::h5::File::open(dir.path("run/mc.h5"));
  CHECK(mc.read_strings("/spaces/member").size() == 3);
  CHECK(mc.read_number_attr("/", "samples") == 200);
  const auto metrics = infofrag::h5::File::open(dir.path("run/metrics.h5"));
  CHECK(metrics.read("/spaces/shape_distance", torch::kFloat64).sizes() ==
        torch::IntArrayRef({3, 3}));
  CHECK(metrics.read("/disentanglement/mig", torch::kFloat64).sizes() == torch::IntArrayRef({3}));
  // Circle data cannot fix factors: the metrics stage says so and runs without those scores
  // (tests/python/test_beta_sweep.py runs them on a dataset that can).
  CHECK_THAT(run.err, Catch::Contains("(no BetaVAE and FactorVAE scores: dataset 'circle' has 1 "
                                      "factor with two or more classes"));
  CHECK_FALSE(metrics.has("/disentanglement/beta_vae_eval"));
  const auto fused = infofrag::h5::File::open(dir.path("run/fused.h5"));
  CHECK(fused.read("/members/fused/mu", torch::kFloat64).sizes() == torch::IntArrayRef({120, 1}));
  // The options each stage ran with are recorded in its output.
  CHECK_THAT(
      infofrag::h5::File::open(dir.path("run/analysis.h5")).read_string_attr("/", "config")[0],
      Catch::Contains("nmi-floor-bits = 0.001"));

  run = run_cli({"run", "--config", dir.path("run.ini"), "--out", out});
  REQUIRE(run.code == 0);
  CHECK_THAT(run.err, Catch::Contains("mc        done already"));
  CHECK_THAT(run.err, Catch::Contains("fuse      done already"));
  CHECK_THAT(run.err, Catch::Contains("metrics   done already"));
}

TEST_CASE("run: a tiny ensemble of every model family goes through embed, analyze and hotspots",
          "[run][families][e2e]") {
  TempDir dir;
  // The circle scaled by 10, so that encoding it pays under every family's full KL (on the
  // unit circle the unit-variance decoder learns little): 2000 points, 8 angle classes.
  {
    const auto angle = torch::arange(2000, torch::kFloat64) * (2 * M_PI / 2000);
    auto file = infofrag::h5::File::create(dir.path("circle10.h5"));
    file.write("/vectors",
               (10 * torch::stack({angle.cos(), angle.sin()}, 1)).to(torch::kFloat32).contiguous());
    file.write("/labels", (angle / (2 * M_PI) * 8).floor().to(torch::kInt64).unsqueeze(1));
  }
  const std::vector<std::string> families = {
      "kind = beta-vae\nbeta = 1,4\n",
      "kind = annealed-vae\ngamma = 100\ncapacity = 2,5\ncapacity-steps = 100\n",
      "kind = factor-vae\ngamma = 10,40\ndiscriminator-width = 32\ndiscriminator-depth = 2\n",
      "kind = beta-tcvae\nbeta = 1,6\n",
      "kind = dip-vae-i\nlambda-od = 1,10\n",
      "kind = dip-vae-ii\nlambda-od = 1,10\n"};
  for (const auto& objective : families) {
    INFO(objective);
    const std::string out = dir.path("run");
    fs::remove_all(out);
    infofrag::test::write_text(
        dir.path("run.ini"),
        "[data]\ndataset = hdf5\npath = " + dir.path("circle10.h5") +
            "\n[model]\nkind = mlp\nlatents = 2\nwidths = 16\nactivation = tanh\n"
            "[objective]\n" +
            objective +
            "[train]\nsteps = 200\nbatch-size = 64\nlr = 3e-3\nseeds = 1\nprogress = false\n"
            "[embed]\nfingerprint-size = 100\nprogress = false\n"
            "[analyze]\nprogress = false\n"
            "[hotspots]\nmin-info-bits = 0.05\nmin-samples = 2\n"
            "[traverse]\nsteps = 3\n[figures]\nenabled = false\n");
    const auto run = run_cli({"run", "--config", dir.path("run.ini"), "--out", out});
    INFO(run.err);
    REQUIRE(run.code == 0);
    const auto embeddings = infofrag::h5::File::open(out + "/embeddings.h5");
    CHECK(embeddings.list("/members").size() == 2);
    const auto analysis = infofrag::h5::File::open(out + "/analysis.h5");
    CHECK(analysis.has("/hotspots"));
  }
}
