// CUDA against CPU: every stage that runs on CUDA gives the CPU's answer, within the rounding
// of its dtype (and of TF32, which cuDNN's convolutions use by default). Built into
// infofrag_cuda_tests, whose runner (cuda_main.cpp) exits as skipped where CUDA is absent;
// tests/CMakeLists.txt registers one CTest test per stage tag.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/analyze/monte_carlo.hpp"
#include "infofrag/embed/embed.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/fuse/fuse.hpp"
#include "infofrag/info/monte_carlo.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/synth/synth.hpp"
#include "infofrag/train/trainer.hpp"
#include "infofrag/traverse/traverse.hpp"
#include "support.hpp"
#include "support_train.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

using infofrag::test::TempDir;
namespace train = infofrag::train;

namespace {

/// Largest absolute difference of two tensors of one shape, in float64 on the CPU (NaN if
/// either holds a NaN, which fails every `<` check).
double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.to(torch::kCPU, torch::kFloat64) - b.to(torch::kCPU, torch::kFloat64))
      .abs()
      .max()
      .item<double>();
}

/// A seconds-long conv64 sweep on dSprites (the paper's model): 2 β values × `seeds`.
train::TrainConfig dsprites_sweep(const std::string& out, int64_t seeds, int64_t pack_size,
                                  const infofrag::DeviceChoice& device) {
  train::TrainConfig c;
  c.data.dataset = infofrag::data::DatasetKind::kDsprites;
  c.model.kind = infofrag::models::ModelKind::kConv64;
  c.model.latents = 4;
  c.objective.beta = {1, 4};
  c.seeds = seeds;
  c.steps = 6;
  c.batch_size = 8;
  c.lr = {1e-3};
  c.pack_size = pack_size;
  c.checkpoint_every = 1000;
  c.curve_window = 1;
  c.device = device;
  c.progress = false;
  c.out = out;
  return c;
}

/// The circle with a small MLP (vectors: dense layers only).
train::TrainConfig circle_sweep(const std::string& out) {
  train::TrainConfig c = infofrag::test::circle_mlp_sweep(out);
  c.steps = 100;
  c.batch_size = 64;
  return c;
}

}  // namespace

TEST_CASE("cuda: analyze gives the CPU's analysis in float32 and float64", "[analyze]") {
  infofrag::SynthConfig s;
  s.points = 300;
  s.members = 5;
  s.dims = 6;
  s.seed = 2;
  const auto embeddings = infofrag::synthesize(s);
  for (const torch::Dtype dtype : {torch::kFloat32, torch::kFloat64}) {
    const bool f64 = dtype == torch::kFloat64;
    for (const int64_t tile_rows : {0, 7}) {  // automatic tiles, and many small ones
      INFO((f64 ? "float64" : "float32") << ", tile_rows " << tile_rows);
      infofrag::AnalyzeConfig c;
      c.dtype = dtype;
      c.tile_rows = tile_rows;
      c.progress = false;
      c.device = infofrag::DeviceChoice::cpu();
      const auto cpu = infofrag::analyze(embeddings, c);
      c.device = infofrag::DeviceChoice::cuda();
      const auto gpu = infofrag::analyze(embeddings, c);
      // Sums of logarithms are float64 on both; float32 coefficients differ in the last
      // bits (the CPU's fused kernel against LibTorch operations on CUDA).
      const double bits = f64 ? 1e-9 : 1e-3;
      CHECK(max_abs_diff(cpu.channels.info_bits, gpu.channels.info_bits) < bits);
      CHECK(max_abs_diff(cpu.channels.self_pair_bits, gpu.channels.self_pair_bits) < bits);
      CHECK(max_abs_diff(cpu.pair_info_bits, gpu.pair_info_bits) < bits);
      CHECK(max_abs_diff(cpu.similarity.vi_bits, gpu.similarity.vi_bits) < 4 * bits);
      CHECK(max_abs_diff(cpu.labels.vi_bits, gpu.labels.vi_bits) < 4 * bits);
      CHECK(max_abs_diff(cpu.space_similarity.vi_bits, gpu.space_similarity.vi_bits) < 4 * bits);
      CHECK(max_abs_diff(cpu.channel_spaces.vi_bits, gpu.channel_spaces.vi_bits) < 4 * bits);
      // NMI divides by 2I − I′, tiny for uninformative channels: compare it where both
      // channels carry at least half a bit.
      const auto informative = cpu.channels.self_mi_bits() > 0.5;
      REQUIRE(informative.sum().item<int64_t>() >= 10);
      const auto both = informative.unsqueeze(1) & informative.unsqueeze(0);
      const auto nmi_cpu = cpu.similarity.nmi.masked_select(both);
      const auto nmi_gpu = gpu.similarity.nmi.masked_select(both);
      CHECK(max_abs_diff(nmi_cpu, nmi_gpu) < (f64 ? 1e-9 : 1e-2));
      CHECK(max_abs_diff(cpu.space_similarity.nmi, gpu.space_similarity.nmi) < (f64 ? 1e-9 : 1e-2));
    }
  }
}

TEST_CASE("cuda: mc terms and estimates equal the CPU's", "[mc]") {
  // The draws are made on the CPU from the seed, so both devices see the same samples.
  torch::manual_seed(3);
  const torch::Tensor mu = torch::randn({300, 4}, torch::kFloat64);
  const torch::Tensor logvar = torch::randn({300, 4}, torch::kFloat64) - 1;
  infofrag::MonteCarloOptions options;
  options.samples = 500;
  options.seed = 1;
  options.progress = false;
  const auto cpu = infofrag::monte_carlo_terms({{mu, logvar}, {mu * 2, logvar}}, options);
  const auto gpu = infofrag::monte_carlo_terms(
      {{mu.cuda(), logvar.cuda()}, {(mu * 2).cuda(), logvar.cuda()}}, options);
  CHECK(torch::equal(cpu.index, gpu.index));
  CHECK(max_abs_diff(cpu.info_bits, gpu.info_bits) < 1e-9);
  CHECK(max_abs_diff(cpu.pair_bits, gpu.pair_bits) < 1e-9);

  // The whole `mc` stage, fingerprint estimate included.
  infofrag::SynthConfig s;
  s.points = 200;
  s.members = 3;
  s.dims = 4;
  const auto embeddings = infofrag::synthesize(s);
  infofrag::MonteCarloConfig c;
  c.samples = 400;
  c.progress = false;
  c.device = infofrag::DeviceChoice::cpu();
  const auto on_cpu = infofrag::monte_carlo(embeddings, c);
  c.device = infofrag::DeviceChoice::cuda();
  const auto on_gpu = infofrag::monte_carlo(embeddings, c);
  CHECK(on_gpu.device.rfind("cuda", 0) == 0);
  CHECK(max_abs_diff(on_cpu.spaces.info_bits, on_gpu.spaces.info_bits) < 1e-9);
  CHECK(max_abs_diff(on_cpu.spaces.vi_bits, on_gpu.spaces.vi_bits) < 1e-9);
  CHECK(max_abs_diff(on_cpu.spaces.vi_se_bits, on_gpu.spaces.vi_se_bits) < 1e-9);
  CHECK(max_abs_diff(on_cpu.spaces.nmi, on_gpu.spaces.nmi) < 1e-9);
  CHECK(max_abs_diff(on_cpu.fingerprint.info_bits, on_gpu.fingerprint.info_bits) < 1e-9);
  CHECK(max_abs_diff(on_cpu.fingerprint_similarity.vi_bits, on_gpu.fingerprint_similarity.vi_bits) <
        1e-9);
}

TEST_CASE("cuda: fuse follows the CPU's optimization", "[fuse]") {
  // Two noisy views of a 2-D representation and one view of its first axis.
  torch::manual_seed(5);
  const int64_t n = 100;
  const torch::Tensor mu = torch::rand({n, 2}, torch::kFloat64) * 4 - 2;
  const torch::Tensor logvar = torch::full({n, 2}, -2.0, torch::kFloat64);
  infofrag::Embeddings e;
  for (int v = 0; v < 3; ++v) {
    infofrag::Member m;
    m.id = "view_" + std::to_string(v);
    const torch::Tensor noisy = mu + torch::randn({n, 2}, torch::kFloat64) * 0.1;
    m.mu = v < 2 ? noisy : noisy.slice(1, 0, 1).contiguous();
    m.logvar = v < 2 ? logvar : logvar.slice(1, 0, 1).contiguous();
    e.members.push_back(m);
  }
  e.labels = (mu.select(1, 0) > 0).to(torch::kInt64).unsqueeze(1);
  for (const auto similarity : {infofrag::FuseSimilarity::kInfo, infofrag::FuseSimilarity::kVi,
                                infofrag::FuseSimilarity::kNmi}) {
    INFO(infofrag::fields::format(similarity));
    infofrag::FuseConfig c;
    c.similarity = similarity;
    c.steps = 200;
    c.progress = false;
    c.device = infofrag::DeviceChoice::cpu();
    const auto cpu = infofrag::fuse(e, c);
    c.device = infofrag::DeviceChoice::cuda();
    const auto gpu = infofrag::fuse(e, c);
    CHECK(gpu.device.rfind("cuda", 0) == 0);
    // float64 throughout: only the order of sums differs.
    CHECK(max_abs_diff(cpu.loss, gpu.loss) < 1e-6);
    CHECK(max_abs_diff(cpu.mu, gpu.mu) < 1e-5);
    CHECK(max_abs_diff(cpu.logvar, gpu.logvar) < 1e-5);
    CHECK(max_abs_diff(cpu.member_nmi, gpu.member_nmi) < 1e-6);
    CHECK(max_abs_diff(cpu.member_vi_bits, gpu.member_vi_bits) < 1e-6);
    CHECK(max_abs_diff(cpu.factor_nmi, gpu.factor_nmi) < 1e-6);
    // ... and it optimized something.
    CHECK(gpu.loss[-1].item<double>() < gpu.loss[0].item<double>() - 0.1);
  }
}

TEST_CASE("cuda: embed gives the CPU's posteriors", "[embed]") {
  TempDir dir;
  // Dense layers (circle, mlp) in full float32, and convolutions (dSprites, conv64), where
  // cuDNN rounds through TF32 by default.
  const train::TrainConfig circle = circle_sweep(dir.path("circle"));
  const train::TrainConfig conv =
      dsprites_sweep(dir.path("conv"), 1, 2, infofrag::DeviceChoice::cpu());
  REQUIRE(train::train_sweep(circle).finished == 2);
  REQUIRE(train::train_sweep(conv).finished == 2);
  for (const auto& [ensemble, tolerance] :
       std::vector<std::pair<std::string, double>>{{circle.out, 1e-4}, {conv.out, 2e-3}}) {
    INFO(ensemble);
    infofrag::EmbedConfig c;
    c.ensemble = ensemble;
    c.fingerprint_size = 300;
    c.batch_size = 128;  // several batches
    c.progress = false;
    c.device = infofrag::DeviceChoice::cpu();
    const auto cpu = infofrag::embed_ensemble(c).embeddings;
    c.device = infofrag::DeviceChoice::cuda();
    const auto gpu = infofrag::embed_ensemble(c).embeddings;
    REQUIRE(cpu.members.size() == 2);
    REQUIRE(gpu.members.size() == 2);
    CHECK(torch::equal(cpu.index, gpu.index));
    for (size_t m = 0; m < cpu.members.size(); ++m) {
      INFO(cpu.members[m].id);
      CHECK(gpu.members[m].id == cpu.members[m].id);
      CHECK(gpu.members[m].mu.device().is_cpu());
      CHECK(max_abs_diff(cpu.members[m].mu, gpu.members[m].mu) < tolerance);
      CHECK(max_abs_diff(cpu.members[m].logvar, gpu.members[m].logvar) < tolerance);
    }
  }
}

TEST_CASE("cuda: training with K = 1 and K = 8 follows the CPU", "[train]") {
  TempDir dir;
  // 8 members (2 β × 4 seeds) of conv64 on dSprites: the CPU trains them as one pack of 8.
  const auto reference = dsprites_sweep(dir.path("cpu"), 4, 8, infofrag::DeviceChoice::cpu());
  REQUIRE(train::train_sweep(reference).finished == 8);
  const double lr_steps = 1e-3 * 6;
  for (const int64_t k : {1, 8}) {
    INFO("K = " << k);
    const auto run = dsprites_sweep(dir.path("cuda_k" + std::to_string(k)), 4, k,
                                    infofrag::DeviceChoice::cuda());
    REQUIRE(train::train_sweep(run).finished == 8);
    for (const auto& member : train::expand_sweep(run)) {
      INFO(member.id);
      const auto a = infofrag::ensemble::read_member_weights(
          infofrag::ensemble::member_file(reference.out, member.id));
      const auto b = infofrag::ensemble::read_member_weights(
          infofrag::ensemble::member_file(run.out, member.id));
      REQUIRE(a.size() == b.size());
      // Same initialization, batches and noise: the weights agree up to rounding, which
      // Adam's normalized steps can blow up to a full step only where a gradient is ~0. A
      // wrong batch, noise or initialization moves the typical weight by ~lr·steps or more.
      double sum = 0, count = 0;
      for (const auto& [name, value] : a) {
        REQUIRE(b.count(name));
        sum += (value - b.at(name)).abs().sum().item<double>();
        count += static_cast<double>(value.numel());
      }
      CHECK(sum / count < 0.05 * lr_steps);
      const auto ra = infofrag::ensemble::read_member(
          infofrag::ensemble::member_file(reference.out, member.id));
      const auto rb =
          infofrag::ensemble::read_member(infofrag::ensemble::member_file(run.out, member.id));
      CHECK(rb.status == "finished");
      // The loss of every step (curve window 1) matches to float32 / TF32 rounding.
      CHECK(max_abs_diff(ra.curve_loss, rb.curve_loss) <
            1e-3 * ra.curve_loss.abs().max().item<double>());
    }
  }
}

TEST_CASE("cuda: traverse decodes what the CPU decodes", "[traverse]") {
  TempDir dir;
  const auto sweep = dsprites_sweep(dir.path("ensemble"), 1, 2, infofrag::DeviceChoice::cpu());
  REQUIRE(train::train_sweep(sweep).finished == 2);
  infofrag::EmbedConfig e;
  e.ensemble = sweep.out;
  e.out = dir.path("embeddings.h5");
  e.fingerprint_size = 200;
  e.progress = false;
  e.device = infofrag::DeviceChoice::cpu();
  infofrag::run_embed(e);
  const auto members = infofrag::read_embeddings(e.out).members;
  REQUIRE(members.size() == 2);
  // An analysis file with what traverse reads (the channels and /hotspots, which the
  // analysis-file reader checks against each other): two hotspots, medoids in different
  // members (channel 0 = member 0 dim 0, channel 5 = member 1 dim 1).
  {
    auto file = infofrag::h5::File::create(dir.path("analysis.h5"));
    file.write_strings("/channels/member",
                       {members[0].id, members[0].id, members[0].id, members[0].id, members[1].id,
                        members[1].id, members[1].id, members[1].id});
    file.write("/channels/dim", torch::tensor({0, 1, 2, 3, 0, 1, 2, 3}, torch::kInt64));
    file.write("/channels/info_bits", torch::ones({8}, torch::kFloat64));
    file.write("/hotspots/label", torch::tensor({0, -1, -1, -1, -1, 1, -1, -1}, torch::kInt64));
    file.write("/hotspots/table/medoid", torch::tensor({0, 5}, torch::kInt64));
    file.write_strings("/hotspots/table/medoid_member", {members[0].id, members[1].id});
    file.write("/hotspots/table/medoid_dim", torch::tensor({0, 1}, torch::kInt64));
  }
  infofrag::TraverseConfig c;
  c.analysis = dir.path("analysis.h5");
  c.embeddings = e.out;
  c.ensemble = sweep.out;
  c.steps = 5;
  c.device = infofrag::DeviceChoice::cpu();
  c.out = dir.path("cpu.h5");
  infofrag::run_traverse(c);
  c.device = infofrag::DeviceChoice::cuda();
  c.out = dir.path("cuda.h5");
  infofrag::run_traverse(c);
  const auto cpu = infofrag::h5::File::open(dir.path("cpu.h5"));
  const auto gpu = infofrag::h5::File::open(dir.path("cuda.h5"));
  const auto decoded = gpu.read("/traversals/decoded", torch::kFloat32);
  CHECK(decoded.sizes() == torch::IntArrayRef({2, 5, 1, 64, 64}));
  CHECK(max_abs_diff(cpu.read("/traversals/values", torch::kFloat64),
                     gpu.read("/traversals/values", torch::kFloat64)) < 1e-12);
  // Bernoulli means in [0, 1] from transposed convolutions (TF32 in cuDNN).
  CHECK(max_abs_diff(cpu.read("/traversals/decoded", torch::kFloat32), decoded) < 2e-3);
  // The traversal changes the picture: the check above is not comparing constants.
  CHECK((decoded.select(1, 0) - decoded.select(1, 4)).abs().max().item<double>() > 1e-4);
}
