#include "infofrag/metrics/intervention.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::WithinAbs;
using namespace infofrag::metrics;

namespace {

/// A small protocol, so that the suite stays quick.
InterventionOptions small(uint64_t seed = 0) {
  InterventionOptions o;
  o.batch_size = 16;
  o.train_points = 300;
  o.eval_points = 150;
  o.variance_points = 2000;
  o.seed = seed;
  return o;
}

const std::vector<int64_t> kClasses = {3, 6, 10, 8};

/// Each code is one factor, scaled to unit range, plus a little noise.
FactorGenerator identity() {
  auto noise = std::make_shared<at::Generator>(at::make_generator<at::CPUGeneratorImpl>(9));
  return {kClasses, [noise](const torch::Tensor& factors) {
            const torch::Tensor scale = torch::tensor({3.0, 6.0, 10.0, 8.0}, torch::kFloat64);
            return factors.to(torch::kFloat64) / scale +
                   0.01 * torch::randn({factors.size(0), 4}, *noise, torch::kFloat64);
          }};
}

}  // namespace

TEST_CASE("BetaVAE and FactorVAE scores: identity near the top, constant at the bottom",
          "[metrics][intervention]") {
  const InterventionScore beta = beta_vae_score(identity(), small());
  CHECK(beta.train_accuracy > 0.95);
  CHECK(beta.eval_accuracy > 0.95);
  const InterventionScore factor = factor_vae_score(identity(), small());
  CHECK(factor.active_dims == 4);
  CHECK(factor.train_accuracy > 0.95);
  CHECK(factor.eval_accuracy > 0.95);

  const FactorGenerator constant{kClasses, [](const torch::Tensor& factors) {
                                   return torch::zeros({factors.size(0), 3}, torch::kFloat64);
                                 }};
  // Every feature is 0: one class predicted for all points, about a quarter of them right.
  CHECK(beta_vae_score(constant, small()).eval_accuracy < 0.4);
  const InterventionScore none = factor_vae_score(constant, small());
  CHECK(none.active_dims == 0);
  CHECK(none.eval_accuracy == 0.0);
}

TEST_CASE("FactorVAE score: a code that mixes two factors loses their votes",
          "[metrics][intervention]") {
  // Codes 0 and 1 both carry factor 0 + factor 1: neither varies less when one is fixed
  // than the other, so the votes for factors 0 and 1 split between them.
  const FactorGenerator mixed{
      kClasses, [](const torch::Tensor& factors) {
        const torch::Tensor x = factors.to(torch::kFloat64);
        const torch::Tensor s = x.select(1, 0) / 3 + x.select(1, 1) / 6;
        return torch::stack({s, s * 1.1, x.select(1, 2) / 10, x.select(1, 3) / 8}, 1);
      }};
  const InterventionScore m = factor_vae_score(mixed, small());
  CHECK(m.eval_accuracy < 0.85);
  CHECK(m.eval_accuracy > 0.4);  // factors 2 and 3 still right
}

TEST_CASE("Intervention scores repeat for a seed", "[metrics][intervention]") {
  const InterventionScore a = factor_vae_score(identity(), small(3));
  const InterventionScore b = factor_vae_score(identity(), small(3));
  CHECK(a.eval_accuracy == b.eval_accuracy);
  CHECK(beta_vae_score(identity(), small(3)).eval_accuracy ==
        beta_vae_score(identity(), small(3)).eval_accuracy);
}
