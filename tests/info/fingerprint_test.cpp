#include "infofrag/info/fingerprint.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using Catch::Matchers::WithinAbs;

namespace {

template <typename T>
torch::Tensor scalar(double value) {
  return torch::tensor({value}, c10::CppTypeToScalarType<T>::value);
}

/// exp(−D) = ∫ sqrt(p q) du, by the trapezoid rule on a fine grid: an answer that shares
/// nothing with the closed form.
double bhattacharyya_coefficient_by_quadrature(double mu1, double var1, double mu2, double var2) {
  const double lo = std::min(mu1 - 12 * std::sqrt(var1), mu2 - 12 * std::sqrt(var2));
  const double hi = std::max(mu1 + 12 * std::sqrt(var1), mu2 + 12 * std::sqrt(var2));
  const int steps = 200000;
  const double h = (hi - lo) / steps;
  double sum = 0;
  for (int k = 0; k <= steps; ++k) {
    const double u = lo + k * h;
    const double p = std::exp(-(u - mu1) * (u - mu1) / (2 * var1)) / std::sqrt(2 * M_PI * var1);
    const double q = std::exp(-(u - mu2) * (u - mu2) / (2 * var2)) / std::sqrt(2 * M_PI * var2);
    sum += (k == 0 || k == steps ? 0.5 : 1.0) * std::sqrt(p * q);
  }
  return sum * h;
}

}  // namespace

TEMPLATE_TEST_CASE("Bhattacharyya distance matches closed forms", "[info][fingerprint]", float,
                   double) {
  const double tol = std::is_same_v<TestType, float> ? 1e-6 : 1e-12;
  // Equal variances: D = Δμ² / (8σ²).
  torch::Tensor d = infofrag::bhattacharyya(scalar<TestType>(0), scalar<TestType>(0),
                                            scalar<TestType>(1), scalar<TestType>(0));
  CHECK_THAT(d.item<double>(), WithinAbs(0.125, tol));
  // Equal means: D = ½ ln((σ1² + σ2²) / (2σ1σ2)); σ1² = 1, σ2² = 4.
  d = infofrag::bhattacharyya(scalar<TestType>(0), scalar<TestType>(0), scalar<TestType>(0),
                              scalar<TestType>(std::log(4.0)));
  CHECK_THAT(d.item<double>(), WithinAbs(0.5 * std::log(5.0 / 4.0), tol));
  // Identical posteriors: exactly 0, even for extreme variances.
  for (double lv : {-200.0, -30.0, 0.0, 30.0, 200.0}) {
    d = infofrag::bhattacharyya(scalar<TestType>(3), scalar<TestType>(lv), scalar<TestType>(3),
                                scalar<TestType>(lv));
    CHECK(d.item<double>() == 0.0);
  }
}

TEST_CASE("exp(-Bhattacharyya) equals the overlap integral of the densities",
          "[info][fingerprint]") {
  const double cases[][4] = {{0, 1, 0.5, 1}, {0, 0.3, 1, 2.5}, {-2, 4, 1, 0.2}, {1, 1, 1, 9}};
  for (const auto& c : cases) {
    const double d = infofrag::bhattacharyya(torch::tensor({c[0]}, torch::kFloat64),
                                             torch::tensor({std::log(c[1])}, torch::kFloat64),
                                             torch::tensor({c[2]}, torch::kFloat64),
                                             torch::tensor({std::log(c[3])}, torch::kFloat64))
                         .item<double>();
    CHECK_THAT(std::exp(-d), WithinAbs(bhattacharyya_coefficient_by_quadrature(
                                           c[0], c[1], c[2], c[3]),
                                       1e-9));
  }
}

TEMPLATE_TEST_CASE("Channel, row and group fingerprints agree", "[info][fingerprint]", float,
                   double) {
  const auto dtype = c10::CppTypeToScalarType<TestType>::value;
  torch::manual_seed(1);
  const torch::Tensor mu = torch::randn({12, 4}, dtype);
  const torch::Tensor logvar = torch::randn({12, 4}, dtype) - 1;
  const torch::Tensor full = infofrag::bhattacharyya_channels(mu, logvar);  // [4, 12, 12]
  REQUIRE(full.sizes() == torch::IntArrayRef({4, 12, 12}));
  CHECK(torch::allclose(full, full.transpose(1, 2)));
  CHECK(full.diagonal(0, 1, 2).abs().max().item<double>() == 0.0);
  CHECK(full.min().item<double>() >= 0.0);

  const torch::Tensor rows = infofrag::bhattacharyya_rows(mu, logvar, 3, 8);  // [5, 4, 12]
  CHECK(torch::allclose(rows, full.permute({1, 0, 2}).slice(0, 3, 8)));

  // A group's distance is the multivariate diagonal-Gaussian distance: the sum over dims.
  const torch::Tensor group = infofrag::bhattacharyya_group(mu, logvar, {0, 2, 3});
  CHECK(torch::allclose(group, full[0] + full[2] + full[3]));
}
