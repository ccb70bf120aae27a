// fuse: the differentiable estimates agree with the library's tiled ones; fusing noisy and
// partial views of a known representation recovers it; every similarity runs; an amortized
// encoder reproduces the fused posteriors on points it never saw and runs under `embed`;
// bad input exits 1 and writes nothing. Also embed --indices and index steps a:b:s.
#include <cmath>
#include <filesystem>

#include "infofrag/core/error.hpp"
#include "infofrag/core/lists.hpp"
#include "infofrag/data/dataset.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/fuse/fuse.hpp"
#include "infofrag/info/channel_set.hpp"
#include "infofrag/info/fingerprint.hpp"
#include "infofrag/info/information.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/models/vae.hpp"
#include "support.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::ConfigError;
using infofrag::Embeddings;
using infofrag::FuseConfig;
using infofrag::FuseSimilarity;
using infofrag::Member;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

namespace {

constexpr double kPi = 3.14159265358979323846;

/// NMI between two whole representations over the same points, by the library's tiled
/// estimator (each space one group of channels). mu, logvar: float64 [N, d].
double space_nmi(const torch::Tensor& mu_a, const torch::Tensor& lv_a, const torch::Tensor& mu_b,
                 const torch::Tensor& lv_b) {
  const int64_t da = mu_a.size(1), db = mu_b.size(1);
  const auto a = infofrag::ChannelSet::gaussian(mu_a, lv_a, {{0, da}});
  const auto b = infofrag::ChannelSet::gaussian(mu_b, lv_b, {{0, db}});
  const auto pass = infofrag::cross_info(a, b, {64, 0, false});
  return infofrag::similarity(pass.a, pass.b, pass.pair_bits, 1e-3).nmi[da][db].item<double>();
}

Member member(const std::string& id, const torch::Tensor& mu, const torch::Tensor& logvar) {
  Member m;
  m.id = id;
  m.mu = mu.to(torch::kFloat64);
  m.logvar = logvar.to(torch::kFloat64);
  return m;
}

/// A known 2-D representation of N points (means uniform on [−2, 2]², σ = 0.25), and an
/// ensemble of views of it: 4 noisy copies with a random scale per axis, and 2 partial
/// views that keep one axis each.
struct Known {
  torch::Tensor mu, logvar;
  Embeddings ensemble;
};

Known known_representation(int64_t n) {
  torch::manual_seed(11);
  Known k;
  k.mu = torch::rand({n, 2}, torch::kFloat64) * 4 - 2;
  k.logvar = torch::full({n, 2}, std::log(0.25 * 0.25), torch::kFloat64);
  for (int c = 0; c < 4; ++c) {
    const torch::Tensor scale = torch::rand({1, 2}, torch::kFloat64) * 1.5 + 0.5;
    k.ensemble.members.push_back(member(
        "copy_" + std::to_string(c), k.mu * scale + torch::randn({n, 2}, torch::kFloat64) * 0.1,
        k.logvar + 2 * scale.log() + torch::randn({n, 2}, torch::kFloat64) * 0.2));
  }
  for (int axis = 0; axis < 2; ++axis) {
    k.ensemble.members.push_back(
        member("axis_" + std::to_string(axis),
               k.mu.slice(1, axis, axis + 1) + torch::randn({n, 1}, torch::kFloat64) * 0.1,
               k.logvar.slice(1, axis, axis + 1)));
  }
  k.ensemble.labels = (k.mu.select(1, 0) > 0).to(torch::kInt64).unsqueeze(1);
  k.ensemble.factor_names = {"right_half"};
  return k;
}

FuseConfig quiet_config(const std::string& similarity, int64_t steps) {
  FuseConfig c;
  c.similarity = infofrag::fields::parse<infofrag::FuseSimilarity>(similarity);
  c.steps = steps;
  c.device = infofrag::DeviceChoice::cpu();
  c.progress = false;
  return c;
}

}  // namespace

TEST_CASE("fuse: the differentiable estimates match the library's tiled estimator", "[fuse]") {
  torch::manual_seed(3);
  const int64_t n = 60;
  const torch::Tensor mu_u = torch::randn({n, 2}, torch::kFloat64);
  const torch::Tensor lv_u = torch::randn({n, 2}, torch::kFloat64) * 0.5 - 3;
  const torch::Tensor mu_v = mu_u.slice(1, 0, 1) + torch::randn({n, 1}, torch::kFloat64) * 0.3;
  const torch::Tensor lv_v = torch::randn({n, 1}, torch::kFloat64) * 0.5 - 1;

  // Distances: against the library's bhattacharyya (ln cosh form) summed over dims.
  const torch::Tensor d_u = infofrag::pairwise_bhattacharyya(mu_u, lv_u);
  CHECK(torch::allclose(d_u, infofrag::bhattacharyya_group(mu_u, lv_u, {0, 1}), 1e-12, 1e-12));
  CHECK(d_u.diagonal().abs().max().item<double>() < 1e-14);
  const torch::Tensor d_v = infofrag::pairwise_bhattacharyya(mu_v, lv_v).unsqueeze(0);

  // Similarities: against analyze's pass over the two spaces as groups.
  const auto a = infofrag::ChannelSet::gaussian(mu_u, lv_u, {{0, 2}});
  const auto b = infofrag::ChannelSet::gaussian(mu_v, lv_v, {{0, 1}});
  const auto pass = infofrag::cross_info(a, b, {64, 0, false});
  const auto s = infofrag::similarity(pass.a, pass.b, pass.pair_bits, 1e-3);
  const double info =
      (pass.a.info_bits[2] + pass.b.info_bits[1] - pass.pair_bits[2][1]).item<double>();
  const double nmi = s.nmi[2][1].item<double>();
  const double vi = s.vi_bits[2][1].item<double>();
  REQUIRE(nmi > 0.2);
  REQUIRE(nmi < 0.99);
  CHECK(infofrag::fuse_similarities(d_u, d_v, FuseSimilarity::kInfo).item<double>() ==
        Approx(info).epsilon(1e-9));
  CHECK(infofrag::fuse_similarities(d_u, d_v, FuseSimilarity::kVi).item<double>() ==
        Approx(-vi).epsilon(1e-9));
  // U carries more than V here (2I − I′ of U above V's), so the floored NMI is the NMI.
  REQUIRE((pass.a.self_mi_bits()[2] > pass.b.self_mi_bits()[1]).item<bool>());
  CHECK(infofrag::fuse_similarities(d_u, d_v, FuseSimilarity::kNmi).item<double>() ==
        Approx(nmi).epsilon(1e-9));
  // Swapped, the fused side (V) carries less: NMI's denominator uses U's 2I − I′ twice.
  const double floored =
      infofrag::fuse_similarities(d_v[0], d_u.unsqueeze(0), FuseSimilarity::kNmi).item<double>();
  CHECK(floored == Approx(info / pass.a.self_mi_bits()[2].item<double>()).epsilon(1e-9));
  CHECK(floored < nmi);

  // Gradients are finite where the fused points coincide (the initial state).
  const torch::Tensor mu = torch::zeros({n, 2}, torch::kFloat64).requires_grad_();
  const torch::Tensor lv = torch::zeros({n, 2}, torch::kFloat64).requires_grad_();
  for (auto kind : {FuseSimilarity::kInfo, FuseSimilarity::kVi, FuseSimilarity::kNmi}) {
    const auto value =
        infofrag::fuse_similarities(infofrag::pairwise_bhattacharyya(mu, lv), d_v, kind).sum();
    const auto grads = torch::autograd::grad({value}, {mu, lv});
    CHECK(torch::isfinite(grads[0]).all().item<bool>());
    CHECK(torch::isfinite(grads[1]).all().item<bool>());
  }
}

TEST_CASE("fuse: noisy and partial views of a known representation fuse back into it", "[fuse]") {
  const Known k = known_representation(120);
  for (const char* similarity : {"vi", "nmi"}) {
    INFO(similarity);
    FuseConfig c = quiet_config(similarity, 800);
    const auto fusion = infofrag::fuse(k.ensemble, c);
    const double recovered = space_nmi(fusion.mu, fusion.logvar, k.mu, k.logvar);
    CHECK(recovered > 0.95);
    // At least as close as the best single view (within 0.01), partial views far behind.
    for (const Member& m : k.ensemble.members) {
      INFO(m.id);
      CHECK(space_nmi(m.mu, m.logvar, k.mu, k.logvar) < recovered + 0.01);
    }
  }
}

TEST_CASE("fuse: every similarity improves its objective, and the reports match the loss",
          "[fuse]") {
  const Known k = known_representation(80);
  for (const char* similarity : {"info", "vi", "nmi"}) {
    INFO(similarity);
    FuseConfig c = quiet_config(similarity, 300);
    c.members = {"copy_0", "axis_1", "copy_2"};
    c.dims = 3;
    const auto f = infofrag::fuse(k.ensemble, c);
    REQUIRE(f.targets.size() == 3);
    CHECK(f.targets[1].member == "axis_1");
    CHECK(f.mu.sizes() == torch::IntArrayRef({80, 3}));
    CHECK(f.loss.size(0) == 300);
    CHECK(torch::isfinite(f.loss).all().item<bool>());
    CHECK(f.loss[-1].item<double>() < f.loss[0].item<double>() - 0.3);
    CHECK(f.factor_nmi.size(0) == 1);
    CHECK(f.fingerprint.sizes() == torch::IntArrayRef({80, 80}));
    CHECK(f.fingerprint.diagonal().allclose(torch::ones({80}, torch::kFloat64)));
    // The last loss is one Adam step before the reported state: close, not equal.
    const double last = -f.loss[-1].item<double>();
    if (std::string(similarity) == "vi") {
      CHECK(-f.member_vi_bits.mean().item<double>() == Approx(last).margin(0.05));
    } else if (std::string(similarity) == "nmi") {
      CHECK(f.member_nmi.mean().item<double>() == Approx(last).margin(0.02));
    } else {
      // Shared information can reach each member's own I(X;V) at most; info drives the
      // fused space to distinguish (nearly) every point.
      CHECK(f.info_bits > std::log2(80.0) - 0.5);
    }
  }

  // Plain SGD, as in the paper's notebook, improves the objective too, and differently.
  FuseConfig sgd = quiet_config("vi", 300);
  sgd.optimizer = infofrag::FuseOptimizer::kSgd;
  sgd.lr = 2;
  const auto by_sgd = infofrag::fuse(k.ensemble, sgd);
  FuseConfig adam = sgd;
  adam.optimizer = infofrag::FuseOptimizer::kAdam;
  const auto by_adam = infofrag::fuse(k.ensemble, adam);
  CHECK(by_sgd.loss[-1].item<double>() < by_sgd.loss[0].item<double>() - 0.3);
  CHECK_FALSE(torch::allclose(by_sgd.mu, by_adam.mu));

  // Channels: a group of one member's chosen dims.
  FuseConfig c = quiet_config("vi", 50);
  c.channels = {{"copy_1", 1}, {"axis_0", 0}, {"copy_1", 0}};
  const auto f = infofrag::fuse(k.ensemble, c);
  REQUIRE(f.targets.size() == 2);
  CHECK(f.targets[0].member == "copy_1");
  CHECK(f.targets[0].dims == std::vector<int64_t>{1, 0});
  CHECK(f.targets[1].dims == std::vector<int64_t>{0});
}

TEST_CASE("fuse: --channels is parsed once, into member and dim", "[fuse]") {
  using infofrag::ChannelRef;
  const auto parse = [](const std::string& text) {
    return infofrag::fields::parse_option<std::vector<ChannelRef>>(text, "--channels");
  };
  // The last ':' splits, so an id may hold one; spaces around either part are dropped.
  const auto channels = parse("a:1, run:7 : 12");
  REQUIRE(channels.size() == 2);
  CHECK(channels[0].member == "a");
  CHECK(channels[0].dim == 1);
  CHECK(channels[1].member == "run:7");
  CHECK(channels[1].dim == 12);
  CHECK(parse("").empty());
  CHECK(infofrag::fields::format(parse("a:1,b:0")) == "a:1,b:0");
  CHECK_THROWS_WITH(parse("copy_0"), Catch::Contains("--channels = 'copy_0'") &&
                                         Catch::Contains("'copy_0' is not member:dim"));
  CHECK_THROWS_WITH(parse("copy_0:x"), Catch::Contains("non-negative integer"));
  CHECK_THROWS_WITH(parse("copy_0:-1"), Catch::Contains("non-negative integer"));
  CHECK_THROWS_WITH(parse(":3"), Catch::Contains("not member:dim"));
  CHECK_THROWS_WITH(parse("a:1,,b:2"), Catch::Contains("empty item"));
  CHECK_THROWS_AS(parse("copy_0"), ConfigError);
}

TEST_CASE("fuse: target selection errors name the option and the value", "[fuse]") {
  const Known k = known_representation(20);
  const auto fails_with = [&](FuseConfig c, const std::string& text) {
    try {
      infofrag::fuse_targets(k.ensemble, c);
    } catch (const ConfigError& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains(text));
      return;
    }
    FAIL("no ConfigError for members '" << infofrag::fields::format(c.members) << "' channels '"
                                        << infofrag::fields::format(c.channels) << "'");
  };
  FuseConfig c;
  c.members = {"copy_0", "nobody"};
  fails_with(c, "no member 'nobody'");
  c.members = {"copy_0", "copy_0"};
  fails_with(c, "twice");
  c.members = {};
  c.channels = {{"copy_0", 2}};
  fails_with(c, "has 2 channels (0..1), not 2");
  c.channels = {{"copy_0", 0}, {"copy_0", 0}};
  fails_with(c, "twice");
  c.members = {"copy_1"};
  c.channels = {{"copy_0", 0}};
  fails_with(c, "is not among --members");
  c.members = {"copy_0", "copy_1"};
  fails_with(c, "'copy_1', which has no channel");
}

TEST_CASE(
    "fuse --amortize: an encoder reproduces the fused circle on held-out points and "
    "runs under embed",
    "[fuse][embed]") {
  TempDir dir;
  // The members' ensemble: one member file, for its model family and its dataset.
  infofrag::ensemble::MemberRecord record;
  record.spec.id = "wl_0";
  record.spec.beta = 0.03;
  record.spec.lr = 1e-3;
  record.data.dataset = infofrag::data::DatasetKind::kCircle;
  record.data.circle_points = 1000;
  record.model.kind = infofrag::models::ModelKind::kMlp;
  record.model.latents = 1;
  record.model.widths = {32, 32};
  record.model.activation = infofrag::models::Activation::kTanh;
  record.item_shape = {2};
  record.status = "finished";
  record.steps = record.steps_done = 1;
  record.batch_size = 1;
  const auto spec = infofrag::models::resolve_model(record.model, record.item_shape);
  infofrag::models::BatchedVae untrained(spec, 1);
  fs::create_directories(dir.path("ens/members"));
  infofrag::ensemble::write_member(infofrag::ensemble::member_file(dir.path("ens"), "wl_0"), record,
                                   untrained->member_parameters(0));

  // The fingerprint: 200 evenly spaced angles (rows 0, 5, ...); three noisy 2-D views.
  const torch::Tensor rows = torch::arange(0, 1000, 5, torch::kInt64);
  const torch::Tensor theta = rows.to(torch::kFloat64) * (2 * kPi / 1000);
  const torch::Tensor circle = torch::stack({theta.cos(), theta.sin()}, 1);
  torch::manual_seed(5);
  Embeddings e;
  for (int c = 0; c < 3; ++c) {
    e.members.push_back(
        member("view_" + std::to_string(c),
               circle * (c + 1) + torch::randn({200, 2}, torch::kFloat64) * 0.02,
               torch::full({200, 2}, std::log(0.1 * 0.1 * (c + 1) * (c + 1)), torch::kFloat64)));
  }
  e.index = rows;
  infofrag::write_embeddings(dir.path("e.h5"), e);

  FuseConfig c = quiet_config("vi", 600);
  c.embeddings = dir.path("e.h5");
  c.out = dir.path("f.h5");
  c.amortize = dir.path("fused_ens");
  c.ensemble = dir.path("ens");
  c.holdout = 0.25;
  c.amortize_steps = 1500;
  c.amortize_lr = 3e-3;
  const infofrag::FuseReport report = infofrag::run_fuse(c);

  const auto f = infofrag::h5::File::open(dir.path("f.h5"));
  const double holdout_nmi =
      f.read("/fusion/amortized/holdout_nmi", torch::kFloat64)[0].item<double>();
  const double train_nmi = f.read("/fusion/amortized/train_nmi", torch::kFloat64)[0].item<double>();
  const auto held = f.read("/fusion/amortized/holdout_points", torch::kInt64);
  CHECK(held.size(0) == 50);
  CHECK(f.read("/fusion/amortized/train_points", torch::kInt64).size(0) == 150);
  CHECK(holdout_nmi > 0.9);
  CHECK(train_nmi > 0.9);
  // The report the command prints holds what the files hold.
  CHECK(report.holdout_nmi == holdout_nmi);
  CHECK(report.train_nmi == train_nmi);
  CHECK(report.holdout_points == 50);
  CHECK(report.train_points == 150);
  CHECK(report.member_file == infofrag::ensemble::member_file(c.amortize, "fused"));
  CHECK(report.out == c.out);
  // The held-out NMI, recomputed here from the file's posteriors.
  const auto fused_mu = f.read("/members/fused/mu", torch::kFloat64);
  const auto fused_lv = f.read("/members/fused/logvar", torch::kFloat64);
  const auto enc_mu = f.read("/fusion/amortized/mu", torch::kFloat64);
  const auto enc_lv = f.read("/fusion/amortized/logvar", torch::kFloat64);
  CHECK(space_nmi(enc_mu.index_select(0, held), enc_lv.index_select(0, held),
                  fused_mu.index_select(0, held),
                  fused_lv.index_select(0, held)) == Approx(holdout_nmi).epsilon(1e-9));

  // The member file: a finished member of the ensemble's family with D latents.
  const auto r =
      infofrag::ensemble::read_member(infofrag::ensemble::member_file(c.amortize, "fused"));
  CHECK(r.status == "finished");
  CHECK(r.model.latents == 2);
  CHECK(r.model.widths == std::vector<int64_t>{32, 32});
  CHECK(r.data.circle_points == 1000);
  const auto m = infofrag::h5::File::open(infofrag::ensemble::member_file(c.amortize, "fused"));
  CHECK(m.read_number_attr("/", "decoder_trained") == 0);
  CHECK_THAT(m.read_string_attr("/", "amortized")[0], Catch::Contains("decoder"));

  // embed runs it on explicit rows; on the fingerprint rows it gives the encoder's output.
  auto run = run_cli({"embed", "--ensemble", c.amortize, "--out", dir.path("again.h5"), "--indices",
                      "0:1000:5", "--device", "cpu", "--progress", "false"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const auto again = infofrag::read_embeddings(dir.path("again.h5"));
  REQUIRE(again.members.size() == 1);
  CHECK(again.members[0].id == "fused");
  CHECK(torch::equal(again.index, rows));
  CHECK(torch::allclose(again.members[0].mu, enc_mu, 1e-5, 1e-5));
  CHECK(torch::allclose(again.members[0].logvar, enc_lv, 1e-5, 1e-5));
}

TEST_CASE("fuse: bad input through the CLI exits 1, names the value, and writes nothing",
          "[fuse]") {
  TempDir dir;
  const Known k = known_representation(30);
  infofrag::write_embeddings(dir.path("e.h5"), k.ensemble);  // no /fingerprint/index
  const std::vector<std::string> base = {"fuse",  "--embeddings",   dir.path("e.h5"),
                                         "--out", dir.path("f.h5"), "--steps",
                                         "5",     "--device",       "cpu"};
  const auto fails = [&](std::vector<std::string> extra, const std::string& text) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    const auto run = run_cli(args);
    INFO(run.err);
    CHECK(run.code == 1);
    CHECK_THAT(run.err, Catch::Contains(text));
    CHECK_FALSE(fs::exists(dir.path("f.h5")));
    CHECK_FALSE(fs::exists(dir.path("amortized")));
    CHECK(dir.files().size() == 1);  // e.h5 alone: no partial file either
  };
  fails({"--members", "copy_0,ghost"}, "no member 'ghost'");
  fails({"--channels", "copy_0:7"}, "--channels 'copy_0:7'");
  fails({"--channels", "ghost:0"}, "no member 'ghost'");
  fails({"--dims", "0"}, "--dims = 0");
  fails({"--similarity", "cosine"}, "--similarity = 'cosine'");
  fails({"--optimizer", "rmsprop"}, "--optimizer = 'rmsprop'");
  fails({"--fingerprint-size", "31"}, "--fingerprint-size 31 exceeds the 30 points");
  fails({"--amortize", dir.path("amortized")}, "needs --ensemble");
  fails({"--amortize", dir.path("amortized"), "--ensemble", dir.path("nowhere")},
        "/fingerprint/index is missing");
  // A valid run for contrast.
  std::vector<std::string> ok = base;
  const auto run = run_cli(ok);
  INFO(run.err);
  CHECK(run.code == 0);
  CHECK(fs::exists(dir.path("f.h5")));
}

TEST_CASE("data/parse_index_list: steps a:b:s", "[data]") {
  using infofrag::parse_index_list;
  CHECK(parse_index_list("0:10:3", 10) == std::vector<int64_t>{0, 3, 6, 9});
  CHECK(parse_index_list("2:9:3, 1", 10) == std::vector<int64_t>{2, 5, 8, 1});
  CHECK(parse_index_list("4:5:100", 10) == std::vector<int64_t>{4});
  CHECK(parse_index_list("0:10:1", 10) == parse_index_list("0:10", 10));
  CHECK(parse_index_list("0:100000:500", 100000).size() == 200);
  const auto fails_with = [](const std::string& text, const std::string& piece) {
    try {
      parse_index_list(text, 10, "--indices");
    } catch (const ConfigError& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains("--indices"));
      CHECK_THAT(std::string(e.what()), Catch::Contains(piece));
      return;
    }
    FAIL("no ConfigError for '" << text << "'");
  };
  fails_with("0:10:0", "step 0");
  fails_with("0:10:", "'0:10:'");
  fails_with("0:10:-2", "negative");
  fails_with("0:11:2", "'0:11:2'");
  fails_with("5:5:1", "empty");
  fails_with("0:4:2:1", "more than two colons");
}

TEST_CASE("embed --indices: explicit rows in the order given", "[embed]") {
  TempDir dir;
  infofrag::ensemble::MemberRecord record;
  record.spec.id = "m";
  record.data.dataset = infofrag::data::DatasetKind::kCircle;
  record.data.circle_points = 100;
  record.model.kind = infofrag::models::ModelKind::kMlp;
  record.model.latents = 1;
  record.model.widths = {8};
  record.item_shape = {2};
  record.status = "finished";
  const auto spec = infofrag::models::resolve_model(record.model, record.item_shape);
  infofrag::models::BatchedVae model(spec, 1);
  fs::create_directories(dir.path("ens/members"));
  infofrag::ensemble::write_member(infofrag::ensemble::member_file(dir.path("ens"), "m"), record,
                                   model->member_parameters(0));

  infofrag::EmbedConfig c;
  c.ensemble = dir.path("ens");
  c.indices = infofrag::fields::parse<infofrag::IndexList>("90:100:4,3");
  c.device = infofrag::DeviceChoice::cpu();
  c.progress = false;
  const auto e = infofrag::embed_ensemble(c).embeddings;
  CHECK(torch::equal(e.index, torch::tensor({90, 94, 98, 3}, torch::kInt64)));
  CHECK(e.labels[0][0].item<int64_t>() == 90 * 8 / 100);
  // The same rows encoded directly.
  torch::NoGradGuard no_grad;
  const auto dataset = infofrag::data::open_dataset(record.data);
  const auto q = model->encode(dataset->items({90, 94, 98, 3}).unsqueeze(0));
  CHECK(torch::allclose(e.members[0].mu, q.mu[0].to(torch::kFloat64)));

  const auto run = run_cli(
      {"embed", "--ensemble", c.ensemble, "--out", dir.path("x.h5"), "--indices", "0:200:2"});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("--indices '0:200:2'"));
  CHECK_FALSE(fs::exists(dir.path("x.h5")));
}
