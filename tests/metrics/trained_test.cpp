#include "infofrag/metrics/trained.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using Catch::Matchers::WithinAbs;
using namespace infofrag::metrics;

TEST_CASE("ROC AUC: the Mann-Whitney statistic, ties counted half", "[metrics][trained]") {
  const torch::Tensor y = torch::tensor({0, 0, 1, 1}, torch::kInt64);
  CHECK(roc_auc(y, torch::tensor({0.1, 0.2, 0.3, 0.4})) == 1.0);
  CHECK(roc_auc(y, torch::tensor({0.4, 0.3, 0.2, 0.1})) == 0.0);
  CHECK(roc_auc(y, torch::tensor({0.5, 0.5, 0.5, 0.5})) == 0.5);
  // Pairs (pos, neg): (0.3 vs 0.1, 0.35) → 1, 0; (0.4 vs both) → 1, 1: 3/4.
  CHECK_THAT(roc_auc(y, torch::tensor({0.1, 0.35, 0.3, 0.4})), WithinAbs(0.75, 1e-15));
  CHECK(std::isnan(roc_auc(torch::zeros({4}, torch::kInt64), torch::rand({4}))));
}

TEST_CASE("DCI from importances: closed forms", "[metrics][trained]") {
  // One code per factor: disentangled and complete.
  auto [d, c] = dci_from_importance(torch::eye(3, torch::kFloat64));
  CHECK_THAT(d, WithinAbs(1.0, 1e-9));
  CHECK_THAT(c, WithinAbs(1.0, 1e-9));
  // Every code equally important for every factor: neither.
  std::tie(d, c) = dci_from_importance(torch::ones({3, 3}, torch::kFloat64));
  CHECK_THAT(d, WithinAbs(0.0, 1e-9));
  CHECK_THAT(c, WithinAbs(0.0, 1e-9));
  // Two codes for one factor (of two): each code is disentangled (entropy 0 over factors),
  // the factor is spread over two codes of three: completeness 1 − log_3 2 for that factor.
  const torch::Tensor r = torch::tensor({{0.5, 0.0}, {0.5, 0.0}, {0.0, 1.0}}, torch::kFloat64);
  std::tie(d, c) = dci_from_importance(r);
  CHECK_THAT(d, WithinAbs(1.0, 1e-9));
  CHECK_THAT(c, WithinAbs(0.5 * (1 - std::log(2.0) / std::log(3.0)) + 0.5, 1e-9));
}

TEST_CASE("Explicitness and DCI: identity representation near the top, constant near the bottom",
          "[metrics][trained]") {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(21);
  const int64_t n = 900;
  const torch::Tensor y = torch::stack(
      {torch::randint(4, {n}, gen, torch::kInt64), torch::randint(3, {n}, gen, torch::kInt64)}, 1);
  const torch::Tensor identity =
      y.to(torch::kFloat64) + 0.05 * torch::randn({n, 2}, gen, torch::kFloat64);
  const torch::Tensor train = identity.slice(0, 0, 600), test = identity.slice(0, 600);
  const torch::Tensor y_train = y.slice(0, 0, 600), y_test = y.slice(0, 600);

  const ExplicitnessScore e = explicitness(train, y_train, test, y_test);
  CHECK(e.train > 0.9);
  CHECK(e.test > 0.9);
  const DciScore s = dci(train, y_train, test, y_test);
  CHECK(s.disentanglement > 0.9);
  CHECK(s.completeness > 0.9);
  CHECK(s.informativeness_test > 0.95);
  CHECK_THAT(s.importance.sum().item<double>(), WithinAbs(2.0, 1e-9));  // 1 per factor

  // SAP's discrete case: each code predicts its own factor far better than the other code.
  const SapScore sap = sap_discrete(train, y_train, test, y_test);
  CHECK(sap.score > 0.2);
  CHECK(sap.matrix[0][0].item<double>() > sap.matrix[1][0].item<double>() + 0.2);

  const torch::Tensor constant = torch::zeros({900, 2}, torch::kFloat64);
  // Constant codes predict one class whatever the point: both alike, no gap.
  CHECK(sap_discrete(constant.slice(0, 0, 600), y_train, constant.slice(0, 600), y_test).score ==
        0.0);
  const ExplicitnessScore ec =
      explicitness(constant.slice(0, 0, 600), y_train, constant.slice(0, 600), y_test);
  CHECK_THAT(ec.test, WithinAbs(0.5, 1e-9));  // every score tied
  const DciScore sc = dci(constant.slice(0, 0, 600), y_train, constant.slice(0, 600), y_test);
  CHECK(sc.disentanglement < 0.1);
  CHECK(sc.informativeness_test < 0.45);  // the majority class at best
}
