#include "infofrag/info/information.hpp"

#include <catch2/catch.hpp>

#include <cmath>

#include "infofrag/info/fingerprint.hpp"
#include "support.hpp"

using Catch::Matchers::WithinAbs;
using infofrag::ChannelSet;
using infofrag::TileOptions;

namespace {

TileOptions quiet(int64_t tile_rows = 0) { return {1024, tile_rows, /*progress=*/false}; }

/// The textbook Bhattacharyya distance, one scalar at a time (no shared code with the library).
double distance(double mu1, double lv1, double mu2, double lv2) {
  const double v1 = std::exp(lv1), v2 = std::exp(lv2);
  return 0.25 * (mu1 - mu2) * (mu1 - mu2) / (v1 + v2) +
         0.5 * std::log((v1 + v2) / (2 * std::sqrt(v1 * v2)));
}

/// I(X; U, V) for one pair, straight from the definition with loops.
double pair_bits_direct(const torch::Tensor& mu, const torch::Tensor& lv, int64_t u, int64_t v) {
  const int64_t n = mu.size(0);
  const auto m = mu.accessor<double, 2>();
  const auto l = lv.accessor<double, 2>();
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    double row = 0;
    for (int64_t j = 0; j < n; ++j) {
      row += std::exp(-distance(m[i][u], l[i][u], m[j][u], l[j][u]) -
                      distance(m[i][v], l[i][v], m[j][v], l[j][v]));
    }
    total += std::log2(row / static_cast<double>(n));
  }
  return -total / static_cast<double>(n);
}

struct Channels {
  torch::Tensor mu, logvar;
};

/// Channels of varied informativeness: different spreads of means and variances.
Channels random_channels(int64_t n, int64_t m, uint64_t seed, torch::Dtype dtype) {
  torch::manual_seed(static_cast<int64_t>(seed));
  const torch::Tensor spread = torch::linspace(0.1, 4.0, m, torch::kFloat64);
  torch::Tensor mu = torch::randn({n, m}, torch::kFloat64) * spread;
  torch::Tensor logvar = torch::randn({n, m}, torch::kFloat64) * 0.5 - 1.0;
  return {mu.to(dtype), logvar.to(dtype)};
}

}  // namespace

TEMPLATE_TEST_CASE("Hard clusterings give the classic NMI, VI and entropies", "[info][hard-limit]",
                   float, double) {
  const auto dtype = c10::CppTypeToScalarType<TestType>::value;
  torch::manual_seed(7);
  const int64_t n = 240;
  // Two dependent partitions and an independent one.
  const torch::Tensor a = torch::randint(4, {n}, torch::kInt64);
  const torch::Tensor b = (a + torch::randint(2, {n}, torch::kInt64) * 2) % 5;
  const torch::Tensor c = torch::randint(3, {n}, torch::kInt64);
  const std::vector<torch::Tensor> partitions = {a, b, c};

  std::vector<torch::Tensor> mus, lvs;
  for (const auto& p : partitions) {
    auto [mu, lv] = infofrag::test::hard_channel(p, dtype);
    mus.push_back(mu);
    lvs.push_back(lv);
  }
  const auto set = ChannelSet::gaussian(torch::cat(mus, 1), torch::cat(lvs, 1));
  const auto info = infofrag::pairwise_info(set, quiet(37));
  const auto sim = infofrag::similarity(info.channels, info.channels, info.pair_bits, 1e-3);

  for (size_t u = 0; u < partitions.size(); ++u) {
    const double h_u = infofrag::test::entropy_bits(partitions[u]);
    CHECK_THAT(info.channels.info_bits[u].template item<double>(), WithinAbs(h_u, 1e-6));
    CHECK_THAT(info.channels.self_mi_bits()[u].template item<double>(), WithinAbs(h_u, 1e-6));
    for (size_t v = 0; v < partitions.size(); ++v) {
      const double h_v = infofrag::test::entropy_bits(partitions[v]);
      const double mi = infofrag::test::mutual_info_bits(partitions[u], partitions[v]);
      const double classic_nmi = mi / std::sqrt(h_u * h_v);
      const double classic_vi = h_u + h_v - 2 * mi;
      CHECK_THAT(sim.nmi[u][v].template item<double>(), WithinAbs(classic_nmi, 1e-6));
      CHECK_THAT(sim.vi_bits[u][v].template item<double>(), WithinAbs(classic_vi, 1e-6));
    }
  }
}

TEMPLATE_TEST_CASE("Factor channels are hard clusterings of the labels", "[info][labels]", float,
                   double) {
  const auto dtype = c10::CppTypeToScalarType<TestType>::value;
  torch::manual_seed(3);
  const int64_t n = 150;
  const torch::Tensor labels = torch::randint(6, {n, 2}, torch::kInt64);
  auto [mu, lv] = infofrag::test::hard_channel(labels.select(1, 0), dtype);
  const torch::Tensor noise_mu = torch::randn({n, 1}, dtype);
  const torch::Tensor noise_lv = torch::zeros({n, 1}, dtype);
  const auto channels =
      ChannelSet::gaussian(torch::cat({mu, noise_mu}, 1), torch::cat({lv, noise_lv}, 1));
  const auto factors = ChannelSet::factors(labels, torch::TensorOptions().dtype(dtype));
  const auto cross = infofrag::cross_info(channels, factors, quiet());
  const auto sim = infofrag::similarity(cross.a, cross.b, cross.pair_bits, 1e-3);

  for (int64_t f = 0; f < 2; ++f) {
    CHECK_THAT(cross.b.info_bits[f].template item<double>(),
               WithinAbs(infofrag::test::entropy_bits(labels.select(1, f)), 1e-6));
  }
  // The hard channel built from factor 0 matches it exactly.
  CHECK_THAT(sim.nmi[0][0].template item<double>(), WithinAbs(1.0, 1e-6));
  CHECK_THAT(sim.vi_bits[0][0].template item<double>(), WithinAbs(0.0, 1e-6));
  const double mi = infofrag::test::mutual_info_bits(labels.select(1, 0), labels.select(1, 1));
  const double h0 = infofrag::test::entropy_bits(labels.select(1, 0));
  const double h1 = infofrag::test::entropy_bits(labels.select(1, 1));
  CHECK_THAT(sim.nmi[0][1].template item<double>(), WithinAbs(mi / std::sqrt(h0 * h1), 1e-6));
}

TEMPLATE_TEST_CASE("Identical and affine-transformed channels have NMI 1 and VI 0",
                   "[info][invariance]", float, double) {
  const auto dtype = c10::CppTypeToScalarType<TestType>::value;
  const double tol = std::is_same_v<TestType, float> ? 2e-4 : 1e-9;
  const int64_t n = 200;
  const Channels base = random_channels(n, 3, 11, torch::kFloat64);
  // Channel 3 is a copy of 0; channel 4 is 0 under μ → aμ + b, σ → |a|σ with a < 0.
  const double a = -2.5, b = 7.0;
  const torch::Tensor mu =
      torch::cat({base.mu, base.mu.slice(1, 0, 1), base.mu.slice(1, 0, 1) * a + b}, 1);
  const torch::Tensor lv = torch::cat({base.logvar, base.logvar.slice(1, 0, 1),
                                       base.logvar.slice(1, 0, 1) + 2 * std::log(std::abs(a))},
                                      1);
  const auto info =
      infofrag::pairwise_info(ChannelSet::gaussian(mu.to(dtype), lv.to(dtype)), quiet());
  const auto sim = infofrag::similarity(info.channels, info.channels, info.pair_bits, 1e-3);

  for (int64_t u : {0, 3, 4}) {
    for (int64_t v : {0, 3, 4}) {
      CHECK_THAT(sim.nmi[u][v].template item<double>(), WithinAbs(1.0, tol));
      CHECK_THAT(sim.vi_bits[u][v].template item<double>(), WithinAbs(0.0, tol));
    }
  }
  for (int64_t u = 0; u < 5; ++u) {
    CHECK_THAT(sim.nmi[u][u].template item<double>(), WithinAbs(1.0, tol));
  }
  CHECK(torch::equal(sim.nmi, sim.nmi.t()));
  CHECK(torch::equal(sim.vi_bits, sim.vi_bits.t()));
  CHECK(torch::equal(info.pair_bits, info.pair_bits.t()));
  // Different channels are neither identical nor fully independent.
  CHECK(sim.nmi[0][1].template item<double>() < 0.5);
  CHECK(sim.vi_bits[0][1].template item<double>() > 0.1);
}

TEMPLATE_TEST_CASE("I(X, U) lies between 0 and log2 N, and independent channels have NMI near 0",
                   "[info][bounds]", float, double) {
  const auto dtype = c10::CppTypeToScalarType<TestType>::value;
  const double tol = std::is_same_v<TestType, float> ? 1e-5 : 1e-12;
  const int64_t n = 256;
  Channels c = random_channels(n, 6, 5, dtype);
  // A channel so sharp that it identifies every point: I = log2 N exactly.
  c.mu.select(1, 5).copy_(torch::arange(n, dtype) * 100);
  c.logvar.select(1, 5).fill_(-10);
  const auto info = infofrag::pairwise_info(ChannelSet::gaussian(c.mu, c.logvar), quiet());
  const auto sim = infofrag::similarity(info.channels, info.channels, info.pair_bits, 1e-3);
  CHECK(info.channels.info_bits.min().item<double>() >= -tol);
  CHECK(info.channels.info_bits.max().item<double>() <= std::log2(n) + tol);
  CHECK_THAT(info.channels.info_bits[5].template item<double>(), WithinAbs(std::log2(n), tol));
  // 0 <= 2I − I′ <= I, and I(X;U,V) >= max(I_U, I_V).
  const auto h = info.channels.self_mi_bits();
  CHECK(h.min().item<double>() >= -tol);
  CHECK((h - info.channels.info_bits).max().item<double>() <= tol);
  const auto larger =
      torch::max(info.channels.info_bits.unsqueeze(0), info.channels.info_bits.unsqueeze(1));
  CHECK((larger - info.pair_bits).max().item<double>() <= tol);
  // Independent channels share (almost) nothing. Like any plug-in estimate, I(U;V) has a
  // finite-sample bias (about +0.05 in NMI here, N = 256), and it is not forced to be >= 0.
  const auto off_diagonal = sim.nmi.slice(0, 0, 5).slice(1, 0, 5) - torch::eye(5, torch::kFloat64);
  CHECK(off_diagonal.abs().max().item<double>() < 0.1);
}

TEST_CASE("The batched-GEMM pass equals a direct per-pair computation", "[info][gemm]") {
  const int64_t n = 41;
  const Channels c = random_channels(n, 5, 21, torch::kFloat64);
  // Tiles of 1 row, an uneven 7 rows, and all rows at once give the same answer.
  for (int64_t tile : {1, 7, 0}) {
    const auto info = infofrag::pairwise_info(ChannelSet::gaussian(c.mu, c.logvar), quiet(tile));
    for (int64_t u = 0; u < 5; ++u) {
      for (int64_t v = 0; v < 5; ++v) {
        CHECK_THAT(info.pair_bits[u][v].item<double>(),
                   WithinAbs(pair_bits_direct(c.mu, c.logvar, u, v), 1e-9));
      }
    }
    // I(X;U) from the pass equals the logsumexp form on explicit distance matrices.
    const auto reference =
        infofrag::info_bits_from_distances(infofrag::bhattacharyya_channels(c.mu, c.logvar));
    CHECK(torch::allclose(info.channels.info_bits, reference, 0, 1e-9));
    const auto twice =
        infofrag::info_bits_from_distances(2 * infofrag::bhattacharyya_channels(c.mu, c.logvar));
    CHECK(torch::allclose(info.channels.self_pair_bits, twice, 0, 1e-9));
  }
}

TEST_CASE("Cross matrices equal the blocks of the joint pass", "[info][gemm]") {
  const Channels c = random_channels(30, 6, 8, torch::kFloat64);
  const auto left = ChannelSet::gaussian(c.mu.slice(1, 0, 2), c.logvar.slice(1, 0, 2));
  const auto right = ChannelSet::gaussian(c.mu.slice(1, 2, 6), c.logvar.slice(1, 2, 6));
  const auto joint = infofrag::pairwise_info(ChannelSet::gaussian(c.mu, c.logvar), quiet());
  const auto cross = infofrag::cross_info(left, right, quiet(4));
  CHECK(torch::allclose(cross.pair_bits, joint.pair_bits.slice(0, 0, 2).slice(1, 2, 6), 0, 1e-12));
  CHECK(torch::allclose(cross.a.info_bits, joint.channels.info_bits.slice(0, 0, 2), 0, 1e-12));
  CHECK(torch::allclose(cross.b.self_pair_bits, joint.channels.self_pair_bits.slice(0, 2, 6), 0,
                        1e-12));
}

TEST_CASE("Groups of channels act as one multivariate channel", "[info][groups]") {
  const Channels c = random_channels(25, 6, 4, torch::kFloat64);
  // Equal-width groups that tile the columns take a reshape path; others a general one.
  for (const auto& groups :
       std::vector<std::vector<ChannelSet::Group>>{{{0, 3}, {3, 6}}, {{0, 2}, {2, 5}, {1, 6}}}) {
    const auto info =
        infofrag::pairwise_info(ChannelSet::gaussian(c.mu, c.logvar, groups), quiet(3));
    REQUIRE(info.channels.info_bits.size(0) == 6 + static_cast<int64_t>(groups.size()));
    std::vector<torch::Tensor> distances;
    for (const auto& [begin, end] : groups) {
      std::vector<int64_t> dims;
      for (int64_t d = begin; d < end; ++d) dims.push_back(d);
      distances.push_back(infofrag::bhattacharyya_group(c.mu, c.logvar, dims));
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      const int64_t channel = 6 + static_cast<int64_t>(g);
      CHECK_THAT(info.channels.info_bits[channel].item<double>(),
                 WithinAbs(infofrag::info_bits_from_distances(distances[g]).item<double>(), 1e-9));
    }
    CHECK_THAT(
        info.pair_bits[6][7].item<double>(),
        WithinAbs(infofrag::info_bits_from_distances(distances[0] + distances[1]).item<double>(),
                  1e-9));
    // A group of one channel with itself: its column's own numbers.
    CHECK_THAT(info.pair_bits[0][6].item<double>(),
               WithinAbs(infofrag::info_bits_from_distances(
                             distances[0] + infofrag::bhattacharyya_group(c.mu, c.logvar, {0}))
                             .item<double>(),
                         1e-9));
  }
}

TEST_CASE("Uninformative channels get NMI 0, never NaN or inf", "[info][floor]") {
  const int64_t n = 50;
  Channels c = random_channels(n, 3, 9, torch::kFloat64);
  c.mu.select(1, 1).fill_(0.3);  // every point has the same posterior: zero information
  c.logvar.select(1, 1).fill_(0.0);
  const auto info = infofrag::pairwise_info(ChannelSet::gaussian(c.mu, c.logvar), quiet());
  const auto sim = infofrag::similarity(info.channels, info.channels, info.pair_bits, 1e-3);
  CHECK(info.channels.info_bits[1].item<double>() == 0.0);
  CHECK(torch::isfinite(sim.nmi).all().item<bool>());
  CHECK(torch::isfinite(sim.vi_bits).all().item<bool>());
  CHECK(sim.nmi[1].abs().max().item<double>() == 0.0);
  CHECK(sim.nmi.select(1, 1).abs().max().item<double>() == 0.0);
  // VI with a zero-information channel is the other channel's self-information.
  CHECK_THAT(sim.vi_bits[0][1].item<double>(),
             WithinAbs(info.channels.self_mi_bits()[0].item<double>(), 1e-9));
}

TEST_CASE("Reordering the fingerprint points changes nothing", "[info][invariance]") {
  const Channels c = random_channels(60, 4, 13, torch::kFloat64);
  const torch::Tensor order = torch::randperm(60, torch::kInt64);
  const auto a = infofrag::pairwise_info(ChannelSet::gaussian(c.mu, c.logvar), quiet());
  const auto b = infofrag::pairwise_info(
      ChannelSet::gaussian(c.mu.index_select(0, order), c.logvar.index_select(0, order)), quiet(9));
  CHECK(torch::allclose(a.pair_bits, b.pair_bits, 0, 1e-10));
  CHECK(torch::allclose(a.channels.info_bits, b.channels.info_bits, 0, 1e-10));
}

TEST_CASE("Large tiles never overflow the product of row sums in float32", "[info][gemm]") {
  // Row sums reach N for an uninformative channel; a product over many rows of them would
  // overflow float32 unless the tile is capped.
  const int64_t n = 1500;
  Channels c = random_channels(n, 3, 17, torch::kFloat32);
  c.mu.select(1, 0).fill_(0.0);
  c.logvar.select(1, 0).fill_(0.0);
  const auto set = ChannelSet::gaussian(c.mu, c.logvar);
  const auto huge = infofrag::pairwise_info(set, quiet(/*tile_rows=*/n));
  const auto single = infofrag::pairwise_info(set, quiet(/*tile_rows=*/1));
  CHECK(torch::isfinite(huge.pair_bits).all().item<bool>());
  CHECK(torch::allclose(huge.pair_bits, single.pair_bits, 0, 1e-5));
  CHECK_THAT(huge.channels.info_bits[0].item<double>(), WithinAbs(0.0, 1e-6));
}
