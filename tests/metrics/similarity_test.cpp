#include "infofrag/metrics/similarity.hpp"

#include <catch2/catch.hpp>

#include <cmath>

#include "infofrag/info/fingerprint.hpp"

using Catch::Matchers::WithinAbs;
using namespace infofrag;
using namespace infofrag::metrics;

namespace {

torch::Tensor random_orthogonal(int64_t d, torch::Generator& gen) {
  const auto [q, r] = torch::linalg_qr(torch::randn({d, d}, gen, torch::kFloat64));
  return q * r.diagonal().sign().unsqueeze(0);
}

/// ‖A‖*: the sum of singular values.
double nuclear(const torch::Tensor& a) { return torch::linalg_svdvals(a).sum().item<double>(); }

}  // namespace

TEST_CASE("Linear CKA: 1 for identical, invariant to rotations and scaling", "[metrics][cka]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const torch::Tensor x = torch::randn({80, 4}, gen, torch::kFloat64);
  const torch::Tensor y = x.mm(torch::randn({4, 3}, gen, torch::kFloat64)) +
                          0.7 * torch::randn({80, 3}, gen, torch::kFloat64);
  CHECK_THAT(cka_linear_similarity(x, x), WithinAbs(1.0, 1e-12));
  const double s = cka_linear_similarity(x, y);
  CHECK(s > 0.05);
  CHECK(s < 0.999);
  CHECK_THAT(cka_linear_similarity(y, x), WithinAbs(s, 1e-12));
  const torch::Tensor q = random_orthogonal(4, gen);
  CHECK_THAT(cka_linear_similarity(3.5 * x.mm(q) + 2.0, y), WithinAbs(s, 1e-12));
  // The same number from its kernel form: CKA of the Gram matrices XXᵀ and YYᵀ.
  CHECK_THAT(cka_kernel_similarity(x.mm(x.t()), y.mm(y.t())), WithinAbs(s, 1e-12));
  // A constant side shares nothing.
  CHECK(cka_linear_similarity(torch::ones({80, 2}, torch::kFloat64), y) == 0.0);
}

TEST_CASE("Linear CKA between 1-D channels is the squared Pearson correlation", "[metrics][cka]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
  torch::Tensor x = torch::randn({50, 5}, gen, torch::kFloat64);
  x.select(1, 3).copy_(-2 * x.select(1, 0) + 0.3 * x.select(1, 3));
  const torch::Tensor c = cka_linear_channels_similarity(x);
  const torch::Tensor r2 = torch::corrcoef(x.t()).square();
  CHECK(torch::allclose(c, r2, 0, 1e-12));
  for (int64_t a = 0; a < 5; ++a) {
    CHECK_THAT(c[a][3].item<double>(),
               WithinAbs(cka_linear_similarity(x.slice(1, a, a + 1), x.slice(1, 3, 4)), 1e-12));
  }
}

TEST_CASE("RBF CKA: 1 for identical, invariant to rotations and scaling", "[metrics][cka]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const torch::Tensor x = torch::randn({60, 3}, gen, torch::kFloat64);
  const torch::Tensor y = x.square() + 0.5 * torch::randn({60, 3}, gen, torch::kFloat64);
  const double s = cka_kernel_similarity(rbf_gram(x, 1.0), rbf_gram(y, 1.0));
  CHECK_THAT(cka_kernel_similarity(rbf_gram(x, 1.0), rbf_gram(x, 1.0)), WithinAbs(1.0, 1e-12));
  CHECK(s < 0.99);
  // The median bandwidth scales with the data, so the kernel is scale invariant too.
  const torch::Tensor moved = 0.2 * x.mm(random_orthogonal(3, gen)) - 1.0;
  CHECK_THAT(cka_kernel_similarity(rbf_gram(moved, 1.0), rbf_gram(y, 1.0)), WithinAbs(s, 1e-10));
  // Direct Gram: exp(−d²/(2σ²)), σ² = median d² (even N², the mean of the middle two).
  const torch::Tensor d2 = (x.unsqueeze(1) - x.unsqueeze(0)).square().sum(-1);
  const torch::Tensor sorted = std::get<0>(d2.reshape({-1}).sort());
  const double med = 0.5 * (sorted[1799].item<double>() + sorted[1800].item<double>());
  CHECK(torch::allclose(rbf_gram(x, 0.5), torch::exp(-d2 / (2 * 0.25 * med)), 0, 1e-14));
}

TEST_CASE("The tiled kernel CKA equals CKA of the explicit Gram matrices", "[metrics][cka]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(4);
  const int64_t n = 37;
  const torch::Tensor mu = torch::randn({n, 5}, gen, torch::kFloat64);
  const torch::Tensor logvar = 0.5 * torch::randn({n, 5}, gen, torch::kFloat64) - 1.0;
  const std::vector<ChannelSet::Group> groups = {{0, 2}, {2, 5}};
  for (const int64_t tile : {1, 5, 64}) {
    // RBF: channels then groups.
    const torch::Tensor rbf = cka_kernels_similarity(rbf_kernels(mu, groups, 0.8), tile);
    std::vector<torch::Tensor> grams;
    for (int64_t c = 0; c < 5; ++c) grams.push_back(rbf_gram(mu.slice(1, c, c + 1), 0.8));
    for (const auto& [b, e] : groups) grams.push_back(rbf_gram(mu.slice(1, b, e), 0.8));
    // Bhattacharyya coefficients, from the fingerprint code's distances.
    const torch::Tensor bc =
        cka_kernels_similarity(coefficient_kernels(ChannelSet::gaussian(mu, logvar, groups)), tile);
    std::vector<torch::Tensor> coefficients;
    const torch::Tensor d = bhattacharyya_channels(mu, logvar);  // [5, N, N]
    for (int64_t c = 0; c < 5; ++c) coefficients.push_back(torch::exp(-d[c]));
    for (const auto& [b, e] : groups) {
      coefficients.push_back(torch::exp(-d.slice(0, b, e).sum(0)));
    }
    for (int64_t a = 0; a < 7; ++a) {
      for (int64_t b = 0; b < 7; ++b) {
        CHECK_THAT(rbf[a][b].item<double>(),
                   WithinAbs(cka_kernel_similarity(grams[a], grams[b]), 1e-12));
        CHECK_THAT(bc[a][b].item<double>(),
                   WithinAbs(cka_kernel_similarity(coefficients[a], coefficients[b]), 1e-12));
      }
    }
  }
}

TEST_CASE("Shape distance: 0 for identical posteriors, symmetric, invariant to rotations",
          "[metrics][shape]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const torch::Tensor mu = torch::randn({40, 3}, gen, torch::kFloat64);
  const torch::Tensor lv = 0.4 * torch::randn({40, 3}, gen, torch::kFloat64) - 1.0;
  const torch::Tensor mu2 = torch::randn({40, 3}, gen, torch::kFloat64);
  const torch::Tensor lv2 = 0.4 * torch::randn({40, 3}, gen, torch::kFloat64) - 1.0;
  CHECK_THAT(shape_distance(mu, lv, mu, lv), WithinAbs(0.0, 1e-7));
  const double d = shape_distance(mu, lv, mu2, lv2);
  CHECK(d > 0.3);
  CHECK_THAT(shape_distance(mu2, lv2, mu, lv), WithinAbs(d, 1e-6));
  // A signed permutation keeps diagonal covariances diagonal: the same representation.
  const torch::Tensor perm = torch::tensor({2, 0, 1}, torch::kInt64);
  const torch::Tensor sign = torch::tensor({1.0, -1.0, 1.0}, torch::kFloat64);
  CHECK_THAT(
      shape_distance(mu, lv, mu.index_select(1, perm) * sign + 4.0, lv.index_select(1, perm)),
      WithinAbs(0.0, 1e-7));
}

TEST_CASE("Shape distance: closed forms for means only and for one dimension", "[metrics][shape]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(6);
  const int64_t n = 30;
  const torch::Tensor a = torch::randn({n, 3}, gen, torch::kFloat64);
  const torch::Tensor b = torch::randn({n, 3}, gen, torch::kFloat64);
  const torch::Tensor lv = torch::randn({n, 3}, gen, torch::kFloat64);
  // α = 2: twice the squared Procrustes distance of the centered means,
  // ‖A‖² + ‖B‖² − 2‖BᵀA‖*.
  const torch::Tensor ac = a - a.mean(0, true), bc = b - b.mean(0, true);
  const double procrustes =
      (ac.square().sum() + bc.square().sum()).item<double>() - 2 * nuclear(bc.t().mm(ac));
  ShapeMetricOptions means_only;
  means_only.alpha = 2;
  CHECK_THAT(shape_distance(a, lv, b, lv * 0.3, means_only),
             WithinAbs(std::sqrt(2 * procrustes / n), 1e-9));
  // One dimension: the closed form of the channel matrix, and a direct evaluation over ±1.
  const torch::Tensor channels = shape_channels_distance(a, lv);
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      const torch::Tensor x = ac.select(1, i), y = ac.select(1, j);
      const torch::Tensor sx = (0.5 * lv.select(1, i)).exp(), sy = (0.5 * lv.select(1, j)).exp();
      double best = 1e300;
      for (const double s : {1.0, -1.0}) {
        best = std::min(best, ((x - s * y).square() + (sx - sy).square()).mean().item<double>());
      }
      CHECK_THAT(channels[i][j].item<double>(), WithinAbs(std::sqrt(best), 1e-10));
      CHECK_THAT(shape_distance(a.slice(1, i, i + 1), lv.slice(1, i, i + 1), a.slice(1, j, j + 1),
                                lv.slice(1, j, j + 1)),
                 WithinAbs(std::sqrt(best), 1e-7));  // sqrt of rounding where best = 0
    }
  }
}

TEST_CASE("Shape distance: triangle inequality on random triples", "[metrics][shape]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const int64_t n = 25;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<torch::Tensor> mu, lv;
    for (int k = 0; k < 3; ++k) {
      const int64_t d = 1 + (trial + k) % 3;  // mixed widths: padding
      mu.push_back(torch::randn({n, d}, gen, torch::kFloat64) *
                   torch::rand({1, d}, gen, torch::kFloat64) * 3);
      lv.push_back(torch::randn({n, d}, gen, torch::kFloat64));
    }
    const double ab = shape_distance(mu[0], lv[0], mu[1], lv[1]);
    const double bc = shape_distance(mu[1], lv[1], mu[2], lv[2]);
    const double ac = shape_distance(mu[0], lv[0], mu[2], lv[2]);
    CHECK(ac <= ab + bc + 1e-6);
    CHECK(ab <= ac + bc + 1e-6);
    CHECK(bc <= ab + ac + 1e-6);
  }
  // The channel matrix, exactly minimized, over all triples of 8 channels.
  const torch::Tensor d = shape_channels_distance(torch::randn({n, 8}, gen, torch::kFloat64),
                                                  torch::randn({n, 8}, gen, torch::kFloat64));
  CHECK(torch::allclose(d, d.t()));
  // T[i, j, k]: d(i, k) <= d(i, j) + d(j, k).
  CHECK((d.unsqueeze(1) <= d.unsqueeze(2) + d.unsqueeze(0) + 1e-12).all().item<bool>());
}
