// Every model family of the disentanglement_lib study through the trainer: K members together
// equal each alone, a killed run resumes bit for bit (FactorVAE's discriminator and both
// optimizers included), the family's terms become curves, a family's foreign options are
// refused, and each family's regularizer moves its own measure in its direction.
#include <ATen/CPUGeneratorImpl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/train/objective.hpp"
#include "infofrag/train/trainer.hpp"
#include "support.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::test::TempDir;
using namespace infofrag::train;
using namespace infofrag::ensemble;

namespace {

const std::vector<ObjectiveKind> kFamilies = {
    ObjectiveKind::kBetaVae,   ObjectiveKind::kAnnealedVae, ObjectiveKind::kFactorVae,
    ObjectiveKind::kBetaTcVae, ObjectiveKind::kDipVaeI,     ObjectiveKind::kDipVaeII};

/// Two grid values of each family's hyperparameter.
void set_grid(TrainConfig& c, ObjectiveKind kind) {
  c.objective.kind = kind;
  switch (kind) {
    case ObjectiveKind::kBetaVae:
    case ObjectiveKind::kBetaTcVae:
      c.objective.beta = {1, 6};
      break;
    case ObjectiveKind::kAnnealedVae:
      c.objective.gamma = {50};
      c.objective.capacity = {1, 5};
      c.objective.capacity_steps = 20;
      break;
    case ObjectiveKind::kFactorVae:
      c.objective.gamma = {10, 40};
      c.objective.discriminator_width = 32;
      c.objective.discriminator_depth = 2;
      break;
    case ObjectiveKind::kDipVaeI:
    case ObjectiveKind::kDipVaeII:
      c.objective.lambda_od = {1, 20};
      break;
  }
}

/// The circle with a small MLP: fast enough for every family in a test.
TrainConfig circle_config(const std::string& out, ObjectiveKind kind) {
  TrainConfig c;
  c.data.dataset = infofrag::data::DatasetKind::kCircle;
  c.data.circle_points = 2000;
  c.model.kind = infofrag::models::ModelKind::kMlp;
  c.model.latents = 3;
  c.model.widths = {16, 16};
  c.model.activation = infofrag::models::Activation::kTanh;
  set_grid(c, kind);
  c.seeds = 2;
  c.steps = 30;
  c.batch_size = 32;
  c.lr = {3e-3};
  c.curve_window = 10;
  c.device = infofrag::DeviceChoice::cpu();
  c.progress = false;
  c.out = out;
  return c;
}

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

TEST_CASE("every family: K members trained together equal each trained alone",
          "[train][families]") {
  TempDir dir;
  for (const auto kind : kFamilies) {
    const std::string name = infofrag::fields::format(kind);
    INFO(name);
    TrainConfig together = circle_config(dir.path(name + "_k4"), kind);
    together.pack_size = 4;
    TrainConfig alone = together;
    alone.out = dir.path(name + "_k1");
    alone.pack_size = 1;
    train_sweep(together);
    train_sweep(alone);
    const auto members = expand_sweep(together);
    REQUIRE(members.size() == 4);
    for (const auto& m : members) {
      INFO(m.id);
      const auto a = read_member_weights(member_file(together.out, m.id));
      const auto b = read_member_weights(member_file(alone.out, m.id));
      CHECK(max_difference(a, b) < 1e-4);  // the tolerance of train_test.cpp's test
      // The family's terms are the member's curves.
      const auto record = read_member(member_file(together.out, m.id));
      CHECK(record.status == "finished");
      for (const auto& term : family_terms(kind)) {
        INFO(term);
        REQUIRE(record.curve_terms.count(term) == 1);
        CHECK(record.curve_terms.at(term).size(0) == record.curve_step.size(0));
      }
      CHECK(record.curve_terms.size() == family_terms(kind).size());
    }
    // The hyperparameter matters: the two grid values of seed 0 end apart.
    CHECK(max_difference(read_member_weights(member_file(together.out, members[0].id)),
                         read_member_weights(member_file(together.out, members[2].id))) > 1e-3);
  }
}

TEST_CASE("every family: a killed train resumes to the same weights as an uninterrupted one",
          "[train][families]") {
  TempDir dir;
  for (const auto kind : kFamilies) {
    const std::string name = infofrag::fields::format(kind);
    INFO(name);
    std::vector<std::string> args;
    std::istringstream words(
        "train --data.dataset circle --data.circle-points 2000 --model.kind mlp "
        "--model.latents 3 --model.widths 16,16 --train.steps 30 --train.batch-size 32 "
        "--train.lr 3e-3 --train.seeds 2 --train.pack-size 2 --train.checkpoint-every 10 "
        "--train.curve-window 5 --train.device cpu --train.progress false --objective.kind " +
        name);
    for (std::string w; words >> w;) args.push_back(w);
    const std::vector<std::string> family_args = {ObjectiveKind::kFactorVae == kind
                                                      ? "--objective.discriminator-width"
                                                      : "--train.first-seed",
                                                  ObjectiveKind::kFactorVae == kind ? "24" : "0"};
    args.insert(args.end(), family_args.begin(), family_args.end());
    const auto command = [&](const std::string& out) {
      std::vector<std::string> a = args;
      a.push_back("--out");
      a.push_back(out);
      return a;
    };
    const std::string killed = dir.path(name + "_killed");
    const std::string checkpoint = killed + "/checkpoints/pack_0.h5";
    int status = infofrag::test::run_cli_with_env(
        command(killed), "INFOFRAG_TEST_ABORT_AFTER_CHECKPOINT", "1");  // at step 10
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(fs::exists(checkpoint));
    if (kind == ObjectiveKind::kFactorVae) {
      // Both learners and both optimizers are in the checkpoint.
      const auto file = infofrag::h5::File::open(checkpoint);
      CHECK(file.has("/discriminator/params/dense_0_weight"));
      CHECK(file.has("/discriminator/adam_m/dense_0_weight"));
      CHECK(file.has("/discriminator/adam_v/dense_2_bias"));
      CHECK(file.has("/adam_m/encoder_0_weight"));
    }
    status = infofrag::test::run_cli_with_env(
        command(killed), "INFOFRAG_TEST_ABORT_AFTER_CHECKPOINT", "1");  // at step 20
    REQUIRE(WIFSIGNALED(status));
    const auto resumed = infofrag::test::run_cli(command(killed));
    INFO(resumed.err);
    REQUIRE(resumed.code == 0);
    const std::string straight = dir.path(name + "_straight");
    REQUIRE(infofrag::test::run_cli(command(straight)).code == 0);
    const auto files = list_member_files(straight);
    REQUIRE(files.size() == 2);
    for (const auto& path : files) {
      const std::string id = fs::path(path).stem().string();
      INFO(id);
      const auto a = read_member_weights(member_file(killed, id));
      const auto b = read_member_weights(path);
      for (const auto& [param, value] : a) {
        INFO(param);
        CHECK(torch::equal(value, b.at(param)));
      }
      const auto ra = read_member(member_file(killed, id));
      const auto rb = read_member(path);
      CHECK(torch::equal(ra.curve_loss, rb.curve_loss));
      for (const auto& [term, curve] : rb.curve_terms)
        CHECK(torch::equal(ra.curve_terms.at(term), curve));
    }
  }
}

TEST_CASE("a family's foreign options and negative weights fail before training",
          "[train][families]") {
  TempDir dir;
  const std::string out = dir.path("e");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--objective.kind", "factor-vae", "--objective.lambda-od", "5"},
       "objective.lambda-od = 5: factor-vae has no such hyperparameter (factor-vae sweeps "
       "objective.gamma, train.lr)"},
      {{"--objective.kind", "beta-vae", "--objective.gamma", "10"},
       "objective.gamma = 10: beta-vae has no such hyperparameter"},
      {{"--objective.kind", "dip-vae-i", "--objective.beta", "2"},
       "objective.beta = 2: dip-vae-i has no such hyperparameter"},
      {{"--objective.kind", "beta-tcvae", "--objective.discriminator-width", "10"},
       "objective.discriminator-width = 10: beta-tcvae has no such option (factor-vae's only)"},
      {{"--objective.kind", "factor-vae", "--objective.gamma", "-10"}, "objective.gamma"},
      {{"--objective.kind", "dip-vae-ii", "--objective.lambda-od", "1,-2"}, "objective.lambda-od"},
      {{"--objective.kind", "factor-vae", "--objective.discriminator-depth", "0"},
       "objective.discriminator-depth = 0"},
      {{"--objective.kind", "beta-tc-vae"}, "objective.kind = 'beta-tc-vae'"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> command = {"train",  "--out",        out,  "--data.dataset",
                                        "circle", "--model.kind", "mlp"};
    command.insert(command.end(), args.begin(), args.end());
    const auto run = infofrag::test::run_cli(command);
    INFO(run.err);
    CHECK(run.code == 1);
    CHECK_THAT(run.err, Catch::Contains(message));
    CHECK_FALSE(fs::exists(out));
  }
  // The same in a config file: an option of another family in [objective].
  infofrag::test::write_text(dir.path("bad.ini"),
                             "[objective]\nkind = beta-tcvae\nbeta = 1,2\ncapacity = 5\n");
  const auto run =
      infofrag::test::run_cli({"train", "--config", dir.path("bad.ini"), "--out", out});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("objective.capacity = 5: beta-tcvae has no such"));
}

TEST_CASE("the study's sweeps: each family's grid, 300 members each", "[train][families]") {
  TempDir dir;
  const fs::path study = fs::path(INFOFRAG_SOURCE_DIR) / "configs" / "study";
  const std::vector<std::pair<std::string, std::vector<std::string>>> grids = {
      {"beta-vae", {"beta1_seed0", "beta16_seed49"}},
      {"annealed-vae", {"gamma1000_capacity5_seed0", "gamma1000_capacity100_seed49"}},
      {"factor-vae", {"gamma10_seed0", "gamma30_seed7", "gamma100_seed49"}},
      {"beta-tcvae", {"beta1_seed0", "beta10_seed49"}},
      {"dip-vae-i", {"lambda_od1_seed0", "lambda_od50_seed49"}},
      {"dip-vae-ii", {"lambda_od1_seed0", "lambda_od50_seed49"}},
  };
  for (const auto& [family, ids] : grids) {
    INFO(family);
    TrainConfig c;
    infofrag::fields::read_ini(c, infofrag::test::read_text((study / (family + ".ini")).string()),
                               family);
    c.out = dir.path(family);
    CHECK(infofrag::fields::format(c.objective.kind) == family);
    const auto members = expand_sweep(c);
    CHECK(members.size() == 300);
    CHECK(c.steps == 300000);
    CHECK(c.batch_size == 64);
    CHECK(c.lr == std::vector<double>{1e-4});
    CHECK(c.model.latents == 10);
    CHECK(c.model.kind == infofrag::models::ModelKind::kConv64);
    for (const auto& id : ids) {
      INFO(id);
      CHECK(std::any_of(members.begin(), members.end(), [&](const auto& m) { return m.id == id; }));
    }
  }
}

namespace {

/// Vectors from two dependent uniform factors (correlation 0.7), seen through six features
/// and scaled so that encoding them pays: data whose plain-VAE encodings are dependent, so
/// that each family's regularizer has work to do.
std::string write_dependent_vectors(const TempDir& dir) {
  const std::string path = dir.path("dependent.h5");
  auto generator = at::make_generator<at::CPUGeneratorImpl>(11);
  const int64_t n = 4000;
  const auto e = torch::rand({n, 2}, generator, torch::kFloat64) * 3.4 - 1.7;
  const auto s1 = e.select(1, 0);
  const auto s2 = 0.7 * s1 + 0.7 * e.select(1, 1);
  const auto x =
      torch::stack({s1, s2, (s1 + s2) / 2, s1 - s2, torch::tanh(s1), torch::tanh(s2)}, 1);
  auto file = infofrag::h5::File::create(path);
  file.write("/vectors", (10 * x + 0.05 * torch::randn({n, 6}, generator, torch::kFloat64))
                             .to(torch::kFloat32)
                             .contiguous());
  return path;
}

/// Σ_{i≠j} Cov[μ]_ij² of each member's mean representation over the first 2000 items,
/// float64 [K] in the order of `files`.
torch::Tensor offdiag_covariance_of_means(const std::vector<std::string>& files,
                                          const infofrag::data::DataConfig& data) {
  std::vector<MemberRecord> records;
  for (const auto& f : files) records.push_back(read_member(f));
  auto model = load_members(records, files, torch::kCPU);
  const auto dataset = infofrag::data::open_dataset(data);
  std::vector<int64_t> rows(2000);
  for (int64_t i = 0; i < 2000; ++i) rows[static_cast<size_t>(i)] = i;
  torch::NoGradGuard no_grad;
  const auto x = dataset->items(rows).unsqueeze(0).expand({model->members(), 2000, -1});
  const auto mu = model->encode(x.contiguous()).mu.to(torch::kFloat64);  // [K, N, d]
  const auto centred = mu - mu.mean(1, true);
  const auto cov = torch::matmul(centred.transpose(1, 2), centred) / 2000.0;
  return cov.square().sum({1, 2}) - cov.diagonal(0, 1, 2).square().sum(1);
}

}  // namespace

TEST_CASE("each family's regularizer moves its own measure in its direction",
          "[train][families][effect]") {
  TempDir dir;
  const std::string data = write_dependent_vectors(dir);
  struct Effect {
    ObjectiveKind kind;
    double low, high;     ///< two values of the family's hyperparameter
    std::string measure;  ///< a curve's name, or "offdiag-of-means"
    bool decreases;       ///< true: the larger value gives the smaller measure
  };
  const std::vector<Effect> effects = {
      {ObjectiveKind::kBetaVae, 1, 8, "kl", true},
      {ObjectiveKind::kAnnealedVae, 2, 8, "kl", false},  // the KL follows the capacity C
      {ObjectiveKind::kBetaTcVae, 1, 10, "tc", true},    // the minibatch estimate
      {ObjectiveKind::kFactorVae, 10, 100, "tc", true},  // the discriminator's estimate
      // λ_od = 0 is the plain VAE; the study's smallest, 1, already decorrelates this data.
      {ObjectiveKind::kDipVaeI, 0, 50, "offdiag-of-means", true},
      {ObjectiveKind::kDipVaeII, 0, 50, "offdiag-of-means", true},
  };
  for (const auto& e : effects) {
    const std::string name = infofrag::fields::format(e.kind);
    INFO(name);
    TrainConfig c;
    c.data.dataset = infofrag::data::DatasetKind::kHdf5;
    c.data.path = data;
    c.model.kind = infofrag::models::ModelKind::kMlp;
    c.model.latents = 2;
    c.model.widths = {32, 32};
    c.model.activation = infofrag::models::Activation::kTanh;
    c.objective.kind = e.kind;
    switch (e.kind) {
      case ObjectiveKind::kBetaVae:
      case ObjectiveKind::kBetaTcVae:
        c.objective.beta = {e.low, e.high};
        break;
      case ObjectiveKind::kAnnealedVae:
        c.objective.gamma = {100};
        c.objective.capacity = {e.low, e.high};
        c.objective.capacity_steps = 300;
        break;
      case ObjectiveKind::kFactorVae:
        c.objective.gamma = {e.low, e.high};
        c.objective.discriminator_width = 64;
        c.objective.discriminator_depth = 2;
        break;
      case ObjectiveKind::kDipVaeI:
      case ObjectiveKind::kDipVaeII:
        c.objective.lambda_od = {e.low, e.high};
        break;
    }
    c.seeds = 4;
    c.pack_size = 8;
    c.steps = 1000;
    c.batch_size = 64;
    c.lr = {3e-3};
    c.curve_window = 100;
    c.device = infofrag::DeviceChoice::cpu();
    c.progress = false;
    c.out = dir.path(name);
    train_sweep(c);
    // Per grid value, the mean over its 4 seeds (members 0-3 hold the low value).
    const auto files = list_member_files(c.out);
    REQUIRE(files.size() == 8);
    std::vector<double> measure;
    if (e.measure == "offdiag-of-means") {
      const auto offdiag = offdiag_covariance_of_means(files, c.data);
      for (int64_t i = 0; i < 8; ++i) measure.push_back(offdiag[i].item<double>());
    } else {
      for (const auto& f : files) {
        const auto r = read_member(f);
        const auto& curve = e.measure == "kl" ? r.curve_kl : r.curve_terms.at(e.measure);
        measure.push_back(curve[-1].item<double>());  // the mean of the last 100 steps
      }
    }
    std::vector<double> low_high(2, 0.0);
    for (size_t i = 0; i < files.size(); ++i) {
      const auto spec = read_member(files[i]).spec;
      const bool high = spec.beta == e.high || spec.capacity == e.high ||
                        spec.lambda_od == e.high ||
                        (e.kind == ObjectiveKind::kFactorVae && spec.gamma == e.high);
      low_high[high ? 1 : 0] += measure[i] / 4;
    }
    std::printf("effect %s: %s at %g = %.4f, at %g = %.4f (means of 4 seeds)\n", name.c_str(),
                e.measure.c_str(), e.low, low_high[0], e.high, low_high[1]);
    INFO(e.measure << " at " << e.low << ": " << low_high[0] << ", at " << e.high << ": "
                   << low_high[1]);
    if (e.decreases) {
      CHECK(low_high[1] < low_high[0]);
    } else {
      CHECK(low_high[1] > low_high[0]);
    }
  }
}
