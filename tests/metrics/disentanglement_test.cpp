#include "infofrag/metrics/disentanglement.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using Catch::Matchers::WithinAbs;
using namespace infofrag::metrics;

namespace {

/// Independent factors [N, F] with the given numbers of classes, uniformly drawn.
torch::Tensor factors(int64_t n, const std::vector<int64_t>& classes, torch::Generator& gen) {
  std::vector<torch::Tensor> columns;
  for (const int64_t c : classes) columns.push_back(torch::randint(c, {n}, gen, torch::kInt64));
  return torch::stack(columns, 1);
}

}  // namespace

TEST_CASE("Histogram discretization follows np.histogram and np.digitize", "[metrics][mig]") {
  // Edges of [0, 10] in 5 bins: 0 2 4 6 8 (10); digitize counts the edges <= x.
  const torch::Tensor x = torch::tensor({0.0, 1.99, 2.0, 7.5, 10.0}, torch::kFloat64).view({5, 1});
  const torch::Tensor d =
      histogram_discretize(torch::cat({x, torch::full({5, 1}, 3.0, torch::kFloat64)}, 1), 5);
  CHECK(d.select(1, 0).equal(torch::tensor({1, 1, 2, 4, 5}, torch::kInt64)));
  // A constant column: range [x − 0.5, x + 0.5], every point in the middle bin.
  CHECK(d.select(1, 1).equal(torch::full({5}, 3, torch::kInt64)));
}

TEST_CASE("Discrete mutual information: closed forms", "[metrics][mig]") {
  const torch::Tensor a = torch::tensor({0, 0, 1, 1, 2, 2, 3, 3}, torch::kInt64);
  // With itself: the entropy, ln 4 nats; with a coarsening: the coarsening's entropy ln 2.
  CHECK_THAT(discrete_mutual_info_nats(a, a), WithinAbs(std::log(4.0), 1e-12));
  CHECK_THAT(discrete_mutual_info_nats(a, torch::div(a, 2, "floor") + 7),
             WithinAbs(std::log(2.0), 1e-12));
  // Independent by construction (a product design): 0.
  const torch::Tensor b = torch::tensor({0, 1, 0, 1, 0, 1, 0, 1}, torch::kInt64);
  CHECK_THAT(discrete_mutual_info_nats(torch::div(a, 2, "floor"), b), WithinAbs(0.0, 1e-12));
}

TEST_CASE(
    "MIG, SAP, modularity: identity representation near the top, constant and "
    "duplicated near the bottom",
    "[metrics][mig]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  const int64_t n = 3000;
  const torch::Tensor y = factors(n, {10, 10, 10}, gen);
  const torch::Tensor identity = y.to(torch::kFloat64);
  // The study's own sanity cases (mig_test.py etc., with 10 bins on 10-class factors).
  const MigScore good = mig(identity, y, 10);
  CHECK(good.score > 0.9);
  CHECK(good.score <= 1.0 + 1e-12);
  CHECK(sap_continuous(identity, y).score > 0.9);
  CHECK(modularity(identity, y, 10).score > 0.9);

  const torch::Tensor constant = torch::zeros({n, 3}, torch::kFloat64);
  CHECK(mig(constant, y, 10).score == 0.0);
  CHECK(sap_continuous(constant, y).score == 0.0);

  const torch::Tensor duplicated = torch::cat({identity, identity}, 1);
  CHECK(mig(duplicated, y, 10).score < 0.1);
  CHECK(sap_continuous(duplicated, y).score < 0.1);

  // One code that mixes all factors is not modular.
  const torch::Tensor mixed =
      (y.select(1, 0) + y.select(1, 1) + y.select(1, 2)).to(torch::kFloat64).unsqueeze(1);
  CHECK(modularity(mixed, y, 20).score < 0.5);
}

TEST_CASE("MIG and SAP by hand on a small code", "[metrics][mig]") {
  // Two codes, one factor with two classes: code 0 copies it, code 1 is half informative.
  const torch::Tensor y = torch::tensor({0, 0, 0, 0, 1, 1, 1, 1}, torch::kInt64).view({8, 1});
  const torch::Tensor mu = torch::tensor(
      {{0., 0.}, {0., 0.}, {0., 1.}, {0., 1.}, {1., 0.}, {1., 0.}, {1., 1.}, {1., 1.}},
      torch::kFloat64);
  // I(code0; y) = ln 2 = H(y); I(code1; y) = 0 → MIG = 1.
  CHECK_THAT(mig(mu, y, 20).score, WithinAbs(1.0, 1e-12));
  // S = corr² = 1 and 0: SAP = 1.
  const SapScore s = sap_continuous(mu, y);
  CHECK_THAT(s.score, WithinAbs(1.0, 1e-12));
  CHECK_THAT(s.matrix[1][0].item<double>(), WithinAbs(0.0, 1e-12));
}

TEST_CASE("UDR: permuted copies score 1, independent members score low", "[metrics][udr]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(12);
  const int64_t n = 500;
  const torch::Tensor mu = 2 * torch::randn({n, 4}, gen, torch::kFloat64);
  const torch::Tensor lv = torch::full({n, 4}, -2.0, torch::kFloat64);
  // A permuted, sign-flipped, monotonically warped copy: the same disentangled code.
  const torch::Tensor copy =
      torch::stack({mu.select(1, 2).pow(3), -mu.select(1, 0), mu.select(1, 3), mu.select(1, 1)}, 1);
  const torch::Tensor other = 2 * torch::randn({n, 4}, gen, torch::kFloat64);
  // An inactive latent (KL ≈ 0) is left out.
  torch::Tensor with_inactive = torch::cat({mu, torch::zeros({n, 1}, torch::kFloat64)}, 1);
  torch::Tensor lv_inactive = torch::cat({lv, torch::zeros({n, 1}, torch::kFloat64)}, 1);
  const UdrScore u = udr_spearman({mu, copy, other, with_inactive}, {lv, lv, lv, lv_inactive});
  // Ranks ignore monotone warps and sign: the copy's |Spearman| matrix is a permutation of
  // the member's with itself, so the scores are equal; off-diagonal noise ~ 1/sqrt(N).
  const double same = u.pairwise[0][1].item<double>();
  CHECK(same > 0.8);
  CHECK_THAT(u.pairwise[0][3].item<double>(), WithinAbs(same, 1e-12));
  CHECK(u.pairwise[0][2].item<double>() < 0.3);
  CHECK(u.active.equal(torch::tensor({4, 4, 4, 4}, torch::kInt64)));
  CHECK(u.pairwise.equal(u.pairwise.t()));
  // Member 0's score: the median of (same, low, same).
  CHECK_THAT(u.score[0].item<double>(), WithinAbs(same, 1e-12));
  // Member 2's: the median of three low values.
  CHECK(u.score[2].item<double>() < 0.3);
  // Spearman of a monotone transform is 1; of a random pair, near 0.
  const torch::Tensor r = spearman_abs_correlation(mu, copy);
  CHECK_THAT(r[2][0].item<double>(), WithinAbs(1.0, 1e-12));
  CHECK(r[0][0].item<double>() < 0.2);
  // Relative strength of a permutation matrix is 1; of a uniform one, 1/size.
  CHECK_THAT(relative_strength(torch::eye(3, torch::kFloat64)), WithinAbs(1.0, 1e-12));
  CHECK_THAT(relative_strength(torch::ones({3, 3}, torch::kFloat64)), WithinAbs(1.0 / 3, 1e-12));
}

TEST_CASE("Lasso coefficients: soft thresholds on an orthonormal design", "[metrics][udr]") {
  // Columns with mean 0, population variance 1 and orthogonal: the lasso's solution is
  // S(x_kᵀy/N, α) per coefficient; the intercept (here 5) is not penalized.
  const torch::Tensor x = torch::tensor(
      {{1.0, 1.0, 1.0}, {1.0, -1.0, -1.0}, {-1.0, 1.0, -1.0}, {-1.0, -1.0, 1.0}}, torch::kFloat64);
  const torch::Tensor y =
      (0.8 * x.select(1, 0) - 0.3 * x.select(1, 1) + 0.05 * x.select(1, 2) + 5).unsqueeze(1);
  const torch::Tensor w = lasso_abs_coefficients(x.slice(1, 0, 2), y, /*alpha=*/0.1);
  REQUIRE(w.sizes() == torch::IntArrayRef({2, 1}));
  CHECK_THAT(w[0][0].item<double>(), WithinAbs(0.7, 1e-12));
  CHECK_THAT(w[1][0].item<double>(), WithinAbs(0.2, 1e-12));
  CHECK(lasso_abs_coefficients(x.slice(1, 0, 2), y, /*alpha=*/0.9).abs().sum().item<double>() ==
        0.0);
  // A constant column keeps a zero coefficient.
  const torch::Tensor with_constant = torch::cat({x, torch::ones({4, 1}, torch::kFloat64)}, 1);
  CHECK(lasso_abs_coefficients(with_constant, y, 0.1)[3][0].item<double>() == 0.0);
}

TEST_CASE("UDR, lasso form: a permuted, scaled copy scores 1 - alpha, an independent member 0",
          "[metrics][udr]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(13);
  const int64_t n = 1000;
  const torch::Tensor mu = 2 * torch::randn({n, 4}, gen, torch::kFloat64);
  const torch::Tensor lv = torch::full({n, 4}, -2.0, torch::kFloat64);
  // Linear (the lasso is not rank-based): permuted, sign-flipped, rescaled.
  const torch::Tensor copy = torch::stack(
      {3 * mu.select(1, 2), -mu.select(1, 0), 0.5 * mu.select(1, 3), mu.select(1, 1)}, 1);
  const torch::Tensor other = 2 * torch::randn({n, 4}, gen, torch::kFloat64);
  const UdrScore u = udr({mu, copy, other}, {lv, lv, lv}, UdrCorrelation::kLasso);
  // Standardized, each of the copy's latents is one of mu's: coefficient 1 − α on it, and the
  // others' sample correlations (~ 1/sqrt(N)) fall below α: (1 − α) times a permutation
  // matrix, whose relative strength is max²/sum = 1 − α (disentanglement_lib's value too).
  CHECK_THAT(u.pairwise[0][1].item<double>(), WithinAbs(0.9, 1e-12));
  CHECK_THAT(u.pairwise[1][0].item<double>(), WithinAbs(0.9, 1e-12));
  // Independent: every coefficient thresholded to 0, each ratio 0/0 counted as 0.
  CHECK(u.pairwise[0][2].item<double>() == 0.0);
  CHECK(u.pairwise[2][0].item<double>() == 0.0);
  CHECK_THAT(u.score[0].item<double>(), WithinAbs(0.45, 1e-12));  // median of 0.9 and 0
}
