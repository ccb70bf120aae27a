#include "infofrag/info/fingerprint.hpp"

#include "infofrag/info/channel_set.hpp"

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
    CHECK_THAT(std::exp(-d),
               WithinAbs(bhattacharyya_coefficient_by_quadrature(c[0], c[1], c[2], c[3]), 1e-9));
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

TEMPLATE_TEST_CASE("Both coefficient paths equal exp(-D), extreme values included",
                   "[info][fingerprint]", float, double) {
  const auto dtype = c10::CppTypeToScalarType<TestType>::value;
  // Relative error of exp(x) from a few roundings in x: about 4 eps |x|, with |x| <= 41
  // (float32) or 345 (float64) for any coefficient above the flush threshold.
  const double rtol = std::is_same_v<TestType, float> ? 1e-5 : 1e-12;
  torch::manual_seed(5);
  const int64_t n = 64;
  torch::Tensor mu =
      torch::randn({n, 5}, torch::kFloat64) * torch::tensor({0.01, 1.0, 10.0, 1e3, 1.0});
  torch::Tensor logvar =
      torch::randn({n, 5}, torch::kFloat64) * torch::tensor({1.0, 3.0, 0.1, 1.0, 40.0});
  logvar[3][4] = -300.0;  // clamped to kLogvarMin
  mu = mu.to(dtype);
  logvar = logvar.to(dtype);
  // The reference: float64 arithmetic on the same (rounded) inputs.
  const torch::Tensor reference =
      (-infofrag::bhattacharyya_rows(mu.to(torch::kFloat64), logvar.to(torch::kFloat64), 0, n))
          .exp();
  const double tiny = infofrag::tiny_coefficient(dtype);
  const torch::Tensor expected =
      torch::where(reference < tiny, torch::zeros_like(reference), reference);

  // The CPU kernel, through ChannelSet.
  const auto set = infofrag::ChannelSet::gaussian(mu, logvar);
  const torch::Tensor cpu = set.coefficient_rows(0, n).to(torch::kFloat64);
  CHECK(torch::allclose(cpu, expected, rtol, 10 * tiny));
  CHECK(cpu.diagonal(0, 0, 2).eq(1).all().item<bool>());  // BC(x, x) = 1 exactly

  // The torch-op form, which is the path on CUDA, run here on CPU.
  const auto terms = infofrag::coefficient_terms(mu, logvar);
  const auto row = [](const torch::Tensor& t) { return t.unsqueeze(2); };
  const auto all = [](const torch::Tensor& t) { return t.t().unsqueeze(0); };
  const torch::Tensor ops =
      infofrag::bhattacharyya_coefficient({row(terms.mu), row(terms.half_var), row(terms.sd)},
                                          {all(terms.mu), all(terms.half_var), all(terms.sd)})
          .to(torch::kFloat64);
  CHECK(torch::allclose(ops, reference, rtol, 10 * tiny));
  CHECK(ops.diagonal(0, 0, 2).eq(1).all().item<bool>());
}
