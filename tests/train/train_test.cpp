// The trainer: packs of K members equal K single runs, runs are reproducible bit for bit, a
// killed process resumes to the same weights, failed members are isolated, bad configs fail
// early.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <set>
#include <sstream>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/core/error.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/train/trainer.hpp"
#include "support.hpp"
#include "support_train.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::test::TempDir;
using namespace infofrag::train;
using namespace infofrag::ensemble;

namespace {

/// A seconds-long conv64 sweep on dSprites: the model the paper's ensembles use.
TrainConfig dsprites_config(const std::string& out) {
  TrainConfig c;
  c.data.dataset = infofrag::data::DatasetKind::kDsprites;
  c.model.kind = infofrag::models::ModelKind::kConv64;
  c.model.latents = 4;
  c.objective.beta = {1, 4};
  c.seeds = 2;
  c.steps = 6;
  c.batch_size = 4;
  c.lr = {1e-3};
  c.checkpoint_every = 3;
  c.curve_window = 2;
  c.device = infofrag::DeviceChoice::cpu();
  c.progress = false;
  c.out = out;
  return c;
}

TrainConfig circle_config(const std::string& out) { return infofrag::test::circle_mlp_sweep(out); }

std::map<std::string, torch::Tensor> weights_of(const std::string& dir, const std::string& id) {
  return read_member_weights(member_file(dir, id));
}

/// Largest absolute difference over all parameters of two members' weights.
double max_difference(const std::map<std::string, torch::Tensor>& a,
                      const std::map<std::string, torch::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (const auto& [name, value] : a) {
    REQUIRE(b.count(name));
    worst = std::max(worst, (value - b.at(name)).abs().max().item<double>());
  }
  return worst;
}

}  // namespace

TEST_CASE("expand_sweep lists grid values times seeds with stable ids", "[train]") {
  TrainConfig c = circle_config("unused");
  c.objective.beta = {1, 4};
  c.seeds = 2;
  auto members = expand_sweep(c);
  REQUIRE(members.size() == 4);
  CHECK(members[0].id == "beta1_seed0");
  CHECK(members[1].id == "beta1_seed1");
  CHECK(members[3].id == "beta4_seed1");
  CHECK(members[3].beta == 4.0);
  c.lr = {1e-3, 0.01};
  members = expand_sweep(c);
  REQUIRE(members.size() == 8);
  CHECK(members[2].id == "beta1_lr0.01_seed0");
  CHECK(members[2].lr == 0.01);
  c.objective.kind = infofrag::train::ObjectiveKind::kAnnealedVae;
  c.objective.beta = TrainConfig{}.objective.beta;  // beta-vae's option, back to its default
  c.objective.gamma = {100};
  c.objective.capacity = {5, 25};
  c.lr = {1e-3};
  members = expand_sweep(c);
  REQUIRE(members.size() == 4);
  CHECK(members[2].id == "gamma100_capacity25_seed0");
}

TEST_CASE("bad sweep configs fail before any training, naming the option and value", "[train]") {
  TempDir dir;
  const std::string out = dir.path("ensemble");
  struct Case {
    std::function<void(TrainConfig&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](TrainConfig& c) { c.steps = -5; }, "train.steps = -5"},
      {[](TrainConfig& c) { c.objective.beta = {-1}; }, "objective.beta"},
      {[](TrainConfig& c) { c.lr = {0}; }, "train.lr"},
      {[](TrainConfig& c) { c.pack_size = 0; }, "train.pack-size = 0"},
      {[](TrainConfig& c) { c.model.kind = infofrag::models::ModelKind::kConv28; }, "[1, 64, 64]"},
      {[](TrainConfig& c) { c.model.kind = infofrag::models::ModelKind::kMlp; }, "needs vectors"},
  };
  for (const auto& bad : cases) {
    TrainConfig c = dsprites_config(out);
    bad.change(c);
    try {
      train_sweep(c);
      FAIL("no error for a bad config");
    } catch (const infofrag::ConfigError& e) {
      INFO(e.what());
      CHECK_THAT(e.what(), Catch::Contains(bad.message));
    }
    CHECK_FALSE(fs::exists(out));  // nothing was started
  }
  // Through the CLI: a clear message and exit code 1.
  const auto run = infofrag::test::run_cli(
      {"train", "--out", out, "--data.dataset", "fashion-mnist", "--model.kind", "conv64"});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("conv64") && Catch::Contains("[1, 28, 28]"));
  CHECK_FALSE(fs::exists(out));
  // Choices and lists are parsed where the command line is read.
  const std::vector<std::pair<std::vector<std::string>, std::string>> slips = {
      {{"--objective.beta", "1;2"}, "objective.beta = '1;2': '1;2' is not a number"},
      {{"--objective.beta", "1,two"}, "'two' is not a number"},
      {{"--data.dataset", "mnist"}, "data.dataset = 'mnist': is not dsprites, color-dsprites"},
      {{"--model.kind", "resnet"}, "'resnet'"},
      {{"--objective.kind", "gan"}, "'gan'"},
      {{"--model.widths", "16,"}, "model.widths = '16,': has an empty item"},
      {{"--train.lr", "1e-3,,1e-2"}, "has an empty item"},
  };
  for (const auto& [args, message] : slips) {
    std::vector<std::string> command = {"train", "--out", out};
    command.insert(command.end(), args.begin(), args.end());
    const auto typo = infofrag::test::run_cli(command);
    CHECK(typo.code == 1);
    CHECK_THAT(typo.err, Catch::Contains(message));
    CHECK_FALSE(fs::exists(out));
  }
}

TEST_CASE("a config file gives the sweep, and unknown keys in its sections are errors", "[train]") {
  TempDir dir;
  infofrag::test::write_text(dir.path("bad.ini"), "[model]\nkind = conv64\nlatens = 4\n");
  auto run =
      infofrag::test::run_cli({"train", "--config", dir.path("bad.ini"), "--out", dir.path("e")});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("model.latens"));
  // Sections of other stages ([analyze]) are left to them.
  infofrag::test::write_text(dir.path("good.ini"),
                             "[data]\ndataset = circle\n[model]\nkind = mlp\nwidths = 8\n"
                             "latents = 1\n[train]\nsteps = 5\nbatch-size = 4\nprogress = false\n"
                             "[analyze]\ndtype = float64\n");
  run = infofrag::test::run_cli(
      {"train", "--config", dir.path("good.ini"), "--out", dir.path("e"), "--train.steps", "3"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const auto record = read_member(member_file(dir.path("e"), "beta4_seed0"));
  CHECK(record.steps == 3);  // the command line wins
  CHECK(record.model.kind == infofrag::models::ModelKind::kMlp);
  CHECK(record.status == "finished");
}

TEST_CASE("a member's nuisance keys are a function of its seed and step, new at each step",
          "[train]") {
  const auto keys = nuisance_keys(7, 3, 64);
  REQUIRE(keys.size() == 64);
  CHECK(keys == nuisance_keys(7, 3, 64));
  CHECK(std::set<uint64_t>(keys.begin(), keys.end()).size() == 64);
  // Another step or another seed: other keys, none shared.
  for (const auto& other : {nuisance_keys(7, 4, 64), nuisance_keys(8, 3, 64)}) {
    std::set<uint64_t> all(keys.begin(), keys.end());
    all.insert(other.begin(), other.end());
    CHECK(all.size() == 128);
  }
  // A larger batch extends the smaller one, as batch_indices does.
  const auto more = nuisance_keys(7, 3, 100);
  CHECK(std::vector<uint64_t>(more.begin(), more.begin() + 64) == keys);
}

TEST_CASE("K members trained together equal each trained alone", "[train]") {
  TempDir dir;
  // conv64 on dSprites, conv64 on color-dsprites (each member's colours drawn from its own
  // seed and step: nuisance_keys), an MLP on the circle.
  for (const int variant : {0, 1, 2}) {
    const bool conv = variant < 2;
    TrainConfig together = conv ? dsprites_config(dir.path("k4")) : circle_config(dir.path("k4"));
    if (variant == 1) {
      together.data.dataset = infofrag::data::DatasetKind::kColorDsprites;
      // Adam's first steps move a weight by about ±lr whatever its gradient's size, so a
      // gradient that is rounding noise moves it either way. Here (3 channels; LibTorch 2.15
      // at one thread) one such weight differed by 1e-3 with ε = 1e-8; with ε = 1e-4, which
      // damps gradients below it, every weight agrees to 1e-7, while seeds differ by 1.
      together.adam_eps = 1e-4;
    }
    if (!conv) together.steps = 40;
    together.out = dir.path("k4_" + std::to_string(variant));
    together.pack_size = 4;
    TrainConfig alone = together;
    alone.out = dir.path("k1_" + std::to_string(variant));
    alone.pack_size = 1;
    train_sweep(together);
    train_sweep(alone);
    const auto members = expand_sweep(together);
    for (const auto& m : members) {
      INFO(m.id << " variant " << variant);
      const auto a = weights_of(together.out, m.id);
      const auto b = weights_of(alone.out, m.id);
      // Adam normalizes steps, so rounding in near-zero gradients moves weights by up to
      // ~1% of lr·steps; seeds differ by far more (checked below).
      CHECK(max_difference(a, b) < 1e-4);
      // ... and they did train: weights moved away from the initialization.
      infofrag::models::BatchedVae fresh(
          infofrag::models::resolve_model(together.model,
                                          read_member(member_file(together.out, m.id)).item_shape),
          1);
      fresh->initialize_member(0, static_cast<uint64_t>(m.seed));
      CHECK(max_difference(a, fresh->member_parameters(0)) > 1e-4);
    }
    // Different seeds give different members.
    CHECK(max_difference(weights_of(together.out, members[0].id),
                         weights_of(together.out, members[1].id)) > 1e-3);
  }
}

TEST_CASE("training sees color-dsprites' colours drawn afresh at each sampling (draw_items)",
          "[train]") {
  // A one-step run records its step-0 reconstruction loss. Recomputed here from the member's
  // initial weights on the batch the study would draw (Dataset::draw_items with the step's
  // nuisance_keys), it agrees; on the same rows with each item's fixed colour (items), which
  // a trainer ignoring the per-sampling draw would see, it does not.
  TempDir dir;
  TrainConfig c = dsprites_config(dir.path("color"));
  c.data.dataset = infofrag::data::DatasetKind::kColorDsprites;
  c.objective.beta = {1};
  c.seeds = 1;
  c.steps = 1;
  c.batch_size = 16;
  c.curve_window = 1;
  train_sweep(c);
  const auto member = expand_sweep(c).at(0);
  const auto recorded = read_member(member_file(c.out, member.id));
  REQUIRE(recorded.curve_recon.numel() == 1);
  const double trained = recorded.curve_recon[0].item<double>();

  const auto data = infofrag::data::open_dataset(c.data);
  const int64_t b = c.batch_size, seed = member.seed;
  const auto rows = batch_indices(seed, 0, b, data->size());
  std::vector<int64_t> shape = {1, b};
  for (int64_t s : data->item_shape()) shape.push_back(s);
  infofrag::models::BatchedVae fresh(infofrag::models::resolve_model(c.model, data->item_shape()),
                                     1);
  fresh->initialize_member(0, static_cast<uint64_t>(seed));
  const auto eps = reparameterization_noise(seed, 0, b, c.model.latents).unsqueeze(0);
  const auto recon_of = [&](const torch::Tensor& items) {
    torch::NoGradGuard no_grad;
    const auto x = items.view(shape);
    const auto q = fresh->encode(x);
    const auto logits = fresh->decode(q.mu + (0.5 * q.logvar).exp() * eps);
    // −log Bernoulli(x | sigmoid(logits)), summed over pixels, mean over the batch.
    return torch::binary_cross_entropy_with_logits(logits, x, {}, {}, at::Reduction::None)
        .flatten(2)
        .sum(2)
        .mean()
        .item<double>();
  };
  const double drawn = recon_of(data->draw_items(rows, nuisance_keys(seed, 0, b)));
  const double fixed = recon_of(data->items(rows));
  INFO(std::setprecision(12) << "recorded " << trained << ", draw_items " << drawn << ", items "
                             << fixed);
  // The same float32 operations: equal here, and within rounding of sums over 196,608 pixels
  // anywhere. At initialization the logits are near 0, so colours move the loss little
  // (measured: 8758.51 against 8757.31 with items), but by far more than that.
  const double rounding = 2e-6 * std::fabs(drawn);
  CHECK(std::fabs(trained - drawn) <= rounding);
  CHECK(std::fabs(trained - fixed) > 10 * rounding);
}

TEST_CASE("the same config and seed give the same weights, bit for bit", "[train]") {
  TempDir dir;
  TrainConfig a = dsprites_config(dir.path("a"));
  TrainConfig b = dsprites_config(dir.path("b"));
  a.pack_size = 2;  // the same K: the same computation, so the same bits
  b.pack_size = 2;
  train_sweep(a);
  train_sweep(b);
  const auto members = expand_sweep(a);
  for (const auto& m : members) {
    INFO(m.id);
    const auto wa = weights_of(a.out, m.id);
    const auto wb = weights_of(b.out, m.id);
    REQUIRE(wa.size() == wb.size());
    for (const auto& [name, value] : wa) {
      INFO(name);
      CHECK(torch::equal(value, wb.at(name)));
    }
    CHECK(torch::equal(read_member(member_file(a.out, m.id)).curve_loss,
                       read_member(member_file(b.out, m.id)).curve_loss));
  }
  // Bitwise equality can fail: another seed gives other weights.
  CHECK_FALSE(torch::equal(weights_of(a.out, members[0].id).at("encoder_0_weight"),
                           weights_of(a.out, members[1].id).at("encoder_0_weight")));
  // A second call skips the finished members and changes nothing.
  const auto again = train_sweep(a);
  CHECK(again.skipped == 4);
  CHECK(again.finished == 0);
  // Another sweep into the same folder is refused.
  TrainConfig other = a;
  other.steps = 7;
  CHECK_THROWS_WITH(train_sweep(other),
                    Catch::Contains("different sweep") && Catch::Contains("steps = 6"));
}

TEST_CASE("model.init and train.adam-eps travel with the sweep: config.ini, member files, resume",
          "[train]") {
  TempDir dir;
  TrainConfig c = circle_config(dir.path("glorot"));
  c.model.init = infofrag::models::Init::kGlorot;
  c.adam_eps = 1e-7;
  c.seeds = 1;
  c.steps = 1;
  train_sweep(c);
  const auto id = expand_sweep(c).front().id;
  // The member started from zero biases: one Adam step moves each by at most lr (PyTorch's
  // init draws encoder biases up to 1/sqrt(2)).
  const auto w = weights_of(c.out, id);
  CHECK(w.at("encoder_0_bias").abs().max().item<double>() <= 1.0001e-3);
  CHECK(w.at("encoder_0_bias").abs().max().item<double>() > 0);
  CHECK(read_member(member_file(c.out, id)).model.init == infofrag::models::Init::kGlorot);
  const std::string ini = infofrag::test::read_text(c.out + "/config.ini");
  CHECK_THAT(ini, Catch::Contains("init = glorot") && Catch::Contains("adam-eps = 1e-07"));

  // Another init or ε is another sweep.
  TrainConfig other = c;
  other.model.init = infofrag::models::Init::kPytorch;
  CHECK_THROWS_WITH(train_sweep(other),
                    Catch::Contains("different sweep") && Catch::Contains("init = glorot"));
  other = c;
  other.adam_eps = 1e-8;
  CHECK_THROWS_WITH(train_sweep(other),
                    Catch::Contains("different sweep") && Catch::Contains("adam-eps = 1e-07"));

  // A folder written before the options existed (config.ini without them) is a sweep with
  // their defaults, and resumes as one.
  std::string old_ini;
  std::istringstream lines(ini);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("init =", 0) != 0 && line.rfind("adam-eps =", 0) != 0) old_ini += line + "\n";
  }
  REQUIRE(old_ini.size() < ini.size());
  infofrag::test::write_text(c.out + "/config.ini", old_ini);
  TrainConfig defaults = c;
  defaults.model.init = infofrag::models::Init::kPytorch;
  defaults.adam_eps = 1e-8;
  CHECK(train_sweep(defaults).skipped == 1);
  CHECK_THROWS_WITH(train_sweep(c), Catch::Contains("different sweep"));

  // A member file written before `init` existed lacks the attribute: it reads as pytorch.
  // (Every other attribute is still required.)
  const std::string copy = dir.path("old_member.h5");
  {
    const auto source = infofrag::h5::File::open(member_file(c.out, id));
    auto target = infofrag::h5::File::create(copy);
    for (const auto& name : source.attr_names("/")) {
      if (name == "init") continue;
      if (source.is_number_attr("/", name)) {
        target.set_attr("/", name, source.read_number_attr("/", name));
      } else {
        target.set_attr("/", name, source.read_string_attr("/", name).front());
      }
    }
  }
  CHECK(read_member(copy).model.init == infofrag::models::Init::kPytorch);
  {
    auto target = infofrag::h5::File::open_for_update(copy);
    target.set_attr("/", "init", std::string("xavier"));
  }
  CHECK_THROWS_WITH(read_member(copy), Catch::Contains("'init' = 'xavier'"));
}

namespace {}  // namespace

TEST_CASE("a train process killed after a checkpoint resumes to the same weights", "[train]") {
  TempDir dir;
  std::vector<std::string> args;
  std::istringstream words(
      "train --data.dataset dsprites --model.kind conv64 --model.latents 3 --train.steps 40 "
      "--train.batch-size 4 --train.lr 1e-3 --train.seeds 2 --train.pack-size 2 "
      "--train.checkpoint-every 10 --train.device cpu --train.progress false");
  for (std::string w; words >> w;) args.push_back(w);
  const auto command = [&](const std::string& out) {
    std::vector<std::string> a = args;
    a.push_back("--out");
    a.push_back(out);
    return a;
  };
  const std::string checkpoint = dir.path("killed") + "/checkpoints/pack_0.h5";
  const auto checkpoint_step = [&] {
    return static_cast<int64_t>(infofrag::h5::File::open(checkpoint).read_number_attr("/", "step"));
  };
  // Killed (SIGKILL: no cleanup) right after its 2nd checkpoint, at step 20 ...
  int status = infofrag::test::run_cli_with_env(command(dir.path("killed")),
                                                "INFOFRAG_TEST_ABORT_AFTER_CHECKPOINT", "2");
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  REQUIRE(fs::exists(checkpoint));
  CHECK(checkpoint_step() == 20);
  CHECK(list_member_files(dir.path("killed")).empty());
  // ... resumed from it and killed again after one more checkpoint, at step 30 ...
  status = infofrag::test::run_cli_with_env(command(dir.path("killed")),
                                            "INFOFRAG_TEST_ABORT_AFTER_CHECKPOINT", "1");
  REQUIRE(WIFSIGNALED(status));
  CHECK(checkpoint_step() == 30);
  CHECK(list_member_files(dir.path("killed")).empty());
  // ... and resumed to the end.
  auto resumed = infofrag::test::run_cli(command(dir.path("killed")));
  INFO(resumed.err);
  REQUIRE(resumed.code == 0);
  auto straight = infofrag::test::run_cli(command(dir.path("straight")));
  REQUIRE(straight.code == 0);
  for (const std::string id : {"beta4_seed0", "beta4_seed1"}) {
    INFO(id);
    const auto a = weights_of(dir.path("killed"), id);
    const auto b = weights_of(dir.path("straight"), id);
    REQUIRE(a.size() == b.size());
    for (const auto& [name, value] : a) {
      INFO(name);
      CHECK(torch::equal(value, b.at(name)));
    }
    const auto ra = read_member(member_file(dir.path("killed"), id));
    const auto rb = read_member(member_file(dir.path("straight"), id));
    CHECK(torch::equal(ra.curve_step, rb.curve_step));
    CHECK(torch::equal(ra.curve_loss, rb.curve_loss));
  }
  CHECK_FALSE(fs::exists(checkpoint));  // removed once the pack ended
}

TEST_CASE("a member whose loss becomes NaN or inf is marked failed and skipped by embed",
          "[train][embed]") {
  TempDir dir;
  TrainConfig c = circle_config(dir.path("e"));
  c.steps = 30;
  c.seeds = 1;
  c.lr = {1e-3, 1e30};  // the second learning rate blows the member up within a few steps
  c.pack_size = 2;
  const auto summary = train_sweep(c);
  CHECK(summary.failed == 1);
  CHECK(summary.finished == 1);
  const auto failed = read_member(member_file(c.out, "beta0.03_lr1e+30_seed0"));
  CHECK(failed.status == "failed");
  CHECK(failed.steps_done < 30);
  REQUIRE(summary.failures.size() == 1);
  CHECK(summary.failures[0].id == "beta0.03_lr1e+30_seed0");
  CHECK(summary.failures[0].step == failed.steps_done);
  const auto healthy = read_member(member_file(c.out, "beta0.03_lr0.001_seed0"));
  CHECK(healthy.status == "finished");
  CHECK(std::isfinite(healthy.final_loss));
  // The healthy member is untouched by its pack-mate's NaN: it equals a run of its own.
  TrainConfig alone = c;
  alone.lr = {1e-3};
  alone.out = dir.path("alone");
  train_sweep(alone);
  CHECK(max_difference(weights_of(c.out, "beta0.03_lr0.001_seed0"),
                       weights_of(alone.out, "beta0.03_seed0")) < 1e-6);

  infofrag::EmbedConfig e;
  e.ensemble = c.out;
  e.out = dir.path("emb.h5");
  e.fingerprint_size = 50;
  e.device = infofrag::DeviceChoice::cpu();
  e.progress = false;
  const auto result = infofrag::embed_ensemble(e);
  REQUIRE(result.embeddings.members.size() == 1);
  CHECK(result.embeddings.members[0].id == "beta0.03_lr0.001_seed0");
  REQUIRE(result.skipped.size() == 1);
  CHECK(result.skipped[0].id == "beta0.03_lr1e+30_seed0");
  CHECK(result.skipped[0].status == "failed");
  CHECK(result.skipped[0].steps_done == failed.steps_done);
}

TEST_CASE("every config under configs/ is a valid sweep, and the tiny ones train", "[train]") {
  TempDir dir;
  const fs::path configs = fs::path(INFOFRAG_SOURCE_DIR) / "configs";
  // Configs of the `hdf5` dataset leave its path to the user (or the test that runs them):
  // they get vectors of the circle.
  REQUIRE(infofrag::test::run_cli({"export-data", "--dataset", "circle", "--indices", "0:64",
                                   "--out", dir.path("vectors.h5")})
              .code == 0);
  int sweeps = 0;
  for (const auto& entry : fs::recursive_directory_iterator(configs)) {
    if (entry.path().extension() != ".ini") continue;
    const std::string text = infofrag::test::read_text(entry.path().string());
    if (text.find("[model]") == std::string::npos) continue;  // not a sweep
    INFO(entry.path().string());
    std::vector<std::string> args = {"train", "--config",    entry.path().string(),
                                     "--out", dir.path("e"), "--dry-run"};
    if (text.find("dataset = hdf5") != std::string::npos &&
        text.find("\npath") == std::string::npos) {
      args.insert(args.end(), {"--data.path", dir.path("vectors.h5")});
    }
    const auto run = infofrag::test::run_cli(args);
    INFO(run.err);
    CHECK(run.code == 0);
    CHECK_THAT(run.out, Catch::Contains("members"));
    CHECK_FALSE(fs::exists(dir.path("e")));
    ++sweeps;
  }
  CHECK(sweeps >= 6);
  // The paper's sweep: 6 betas x 50 seeds.
  const auto paper =
      infofrag::test::run_cli({"train", "--config", (configs / "dsprites_paper.ini").string(),
                               "--out", dir.path("p"), "--dry-run"});
  CHECK_THAT(paper.out, Catch::StartsWith("300 members"));
  for (const std::string name : {"tiny_dsprites", "tiny_annealed"}) {
    const auto run = infofrag::test::run_cli({"train", "--config",
                                              (configs / "tests" / (name + ".ini")).string(),
                                              "--out", dir.path(name)});
    INFO(run.err);
    CHECK(run.code == 0);
    CHECK(!list_member_files(dir.path(name)).empty());
  }
  const auto annealed =
      read_member(member_file(dir.path("tiny_annealed"), "gamma100_capacity10_seed0"));
  CHECK(annealed.status == "finished");
  CHECK(annealed.spec.capacity == 10.0);
}
