// The ensemble's config.ini comes from the field tables, and folders written before still resume.
#include <catch2/catch.hpp>

#include <filesystem>

#include "infofrag/core/fields.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/train/trainer.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using infofrag::test::TempDir;
using infofrag::train::TrainConfig;

namespace {

TrainConfig tiny(const std::string& out) {
  TrainConfig c;
  c.data.dataset = infofrag::data::DatasetKind::kCircle;
  c.data.circle_points = 500;
  c.model.kind = infofrag::models::ModelKind::kMlp;
  c.model.latents = 1;
  c.model.widths = {8};
  c.objective.beta = {0.5, 2};
  c.lr = {1e-3};
  c.steps = 3;
  c.batch_size = 8;
  c.device = infofrag::DeviceChoice::cpu();
  c.progress = false;
  c.out = out;
  return c;
}

}  // namespace

TEST_CASE("config.ini reads back into the same sweep", "[train][config]") {
  const TrainConfig c = tiny("unused");
  TrainConfig back;
  infofrag::fields::read_ini(back, infofrag::train::sweep_ini(c), "config.ini");
  CHECK(infofrag::train::sweep_ini(back) == infofrag::train::sweep_ini(c));
  CHECK(back.objective.beta == std::vector<double>{0.5, 2});
  CHECK(back.model.kind == infofrag::models::ModelKind::kMlp);
  // Runtime options are not part of the sweep.
  CHECK_THAT(infofrag::train::sweep_ini(c),
             !Catch::Contains("device") && !Catch::Contains("progress"));
  // A '#' comment after a value is not part of it, as in the CLI's (Boost's) parser.
  infofrag::fields::read_ini(back, "[model] # the encoder\nlatents = 7   # seven\n", "c.ini");
  CHECK(back.model.latents == 7);
  CHECK_THROWS_WITH(infofrag::fields::read_ini(back, "[model]\nlatens = 2\n", "c.ini"),
                    Catch::Contains("c.ini: unknown key 'model.latens'"));
  CHECK_THROWS_WITH(infofrag::fields::read_ini(back, "[model]\nkind = resnet\n", "c.ini"),
                    Catch::Contains("c.ini: model.kind = 'resnet'"));
}

TEST_CASE("an ensemble folder whose config.ini was written before the field tables resumes",
          "[train][config]") {
  TempDir dir;
  const TrainConfig c = tiny(dir.path("ens"));
  fs::create_directories(dir.path("ens"));
  // The old writer's text: values as the user spelled them (1e-3, "0.5,2").
  infofrag::test::write_text(dir.path("ens/config.ini"),
                             "# The sweep as run by infofrag train (infofrag train --config reads "
                             "this file).\n[data]\ndataset = circle\npath = \nsplit = train\n"
                             "circle-points = 500\ncircle-bins = 8\n\n[model]\nkind = mlp\n"
                             "latents = 1\nwidths = 8\nactivation = relu\n\n[objective]\n"
                             "kind = beta-vae\nbeta = 0.5, 2\ngamma = 1000\ncapacity = 25\n"
                             "capacity-steps = 100000\n\n[train]\nsteps = 3\nbatch-size = 8\n"
                             "lr = 1e-3\nseeds = 1\nfirst-seed = 0\npack-size = 8\n"
                             "checkpoint-every = 1000\ncurve-window = 100\n");
  const auto summary = infofrag::train::train_sweep(c);
  CHECK(summary.finished == 2);
  // A different sweep is still refused, naming the difference.
  TrainConfig other = c;
  other.lr = {1e-2};
  CHECK_THROWS_WITH(infofrag::train::train_sweep(other),
                    Catch::Contains("different sweep") && Catch::Contains("lr = 0.001"));
}
