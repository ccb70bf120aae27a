// infofrag's batched Adam against LibTorch's torch::optim::Adam: at K = 1 the two follow the
// same trajectory given the same gradients, and at K > 1 each member, with its own learning
// rate and its mask, follows the trajectory of an Adam of its own.
#include <cmath>
#include <type_traits>
#include <vector>

#include "infofrag/train/adam.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

using namespace infofrag::train;

namespace {

/// Shapes of a small network's parameters (without the member axis).
const std::vector<std::vector<int64_t>> kShapes = {{4, 3}, {5}, {2, 3, 4, 4}};

/// A gradient sequence [steps] per parameter, shapes `kShapes` with `members` in front:
/// magnitudes from 1e-3 to 10 and exact zeros, as real gradients have.
std::vector<std::vector<torch::Tensor>> gradient_sequence(int64_t steps, int64_t members,
                                                          torch::Dtype dtype) {
  torch::manual_seed(5);
  std::vector<std::vector<torch::Tensor>> out;
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<torch::Tensor> grads;
    for (const auto& s : kShapes) {
      std::vector<int64_t> shape = {members};
      shape.insert(shape.end(), s.begin(), s.end());
      auto g =
          torch::randn(shape, torch::kFloat64) * std::pow(10.0, static_cast<double>(t % 5) - 3);
      g.masked_fill_(torch::rand(shape, torch::kFloat64) < 0.1, 0.0);
      grads.push_back(g.to(dtype));
    }
    out.push_back(grads);
  }
  return out;
}

std::vector<torch::Tensor> initial_params(int64_t members, torch::Dtype dtype) {
  torch::manual_seed(6);
  std::vector<torch::Tensor> params;
  for (const auto& s : kShapes) {
    std::vector<int64_t> shape = {members};
    shape.insert(shape.end(), s.begin(), s.end());
    params.push_back(torch::randn(shape, torch::kFloat64).to(dtype).requires_grad_(true));
  }
  return params;
}

/// LibTorch's Adam on member k's slice of `initial`, stepped through the first `steps`
/// gradients of member k. Returns the final parameters.
std::vector<torch::Tensor> torch_adam(const std::vector<torch::Tensor>& initial, int64_t k,
                                      const std::vector<std::vector<torch::Tensor>>& grads,
                                      double lr, int64_t steps) {
  std::vector<torch::Tensor> params;
  for (const auto& p : initial) params.push_back(p.detach()[k].clone().requires_grad_(true));
  torch::optim::Adam adam(params, torch::optim::AdamOptions(lr));  // betas 0.9, 0.999, eps 1e-8
  for (int64_t t = 0; t < steps; ++t) {
    for (size_t i = 0; i < params.size(); ++i) {
      params[i].mutable_grad() = grads[static_cast<size_t>(t)][i][k].clone();
    }
    adam.step();
  }
  return params;
}

double max_abs_difference(const torch::Tensor& a, const torch::Tensor& b) {
  REQUIRE(a.sizes() == b.sizes());
  return (a.detach() - b.detach()).abs().max().item<double>();
}

}  // namespace

TEMPLATE_TEST_CASE("batched Adam at K = 1 follows torch::optim::Adam step by step", "[train][adam]",
                   float, double) {
  const auto dtype = std::is_same_v<TestType, float> ? torch::kFloat32 : torch::kFloat64;
  // float32: a last-bit difference in an update of ~lr; Adam's own scale is lr per step.
  const double tol = std::is_same_v<TestType, float> ? 1e-6 : 1e-13;
  const double lr = 1e-2;
  const int64_t steps = 30;
  const auto grads = gradient_sequence(steps, 1, dtype);
  auto params = initial_params(1, dtype);
  std::vector<torch::Tensor> reference;
  for (const auto& p : params) reference.push_back(p.detach()[0].clone().requires_grad_(true));
  torch::optim::Adam adam(reference, torch::optim::AdamOptions(lr));
  AdamState state = adam_state_like(params);
  for (int64_t t = 0; t < steps; ++t) {
    INFO("step " << t);
    for (size_t i = 0; i < params.size(); ++i) {
      params[i].mutable_grad() = grads[static_cast<size_t>(t)][i].clone();
      reference[i].mutable_grad() = grads[static_cast<size_t>(t)][i][0].clone();
    }
    batched_adam_step(params, state, torch::full({1}, lr, dtype), torch::ones({1}, dtype), t);
    adam.step();
    for (size_t i = 0; i < params.size(); ++i) {
      INFO("parameter " << i);
      CHECK(max_abs_difference(params[i][0], reference[i]) < tol);
    }
  }
  // The parameters did move, by about lr per step: the comparison above is not vacuous.
  const auto initial = initial_params(1, dtype);
  for (size_t i = 0; i < params.size(); ++i)
    CHECK(max_abs_difference(params[i], initial[i]) > 0.05);
}

TEST_CASE("batched Adam at K > 1: each member is an Adam of its own, with its own lr and mask",
          "[train][adam]") {
  const auto dtype = torch::kFloat32;
  const int64_t k = 3, steps = 20, frozen_from = 6;
  const std::vector<double> lr = {1e-2, 3e-3, 3e-2};
  auto grads = gradient_sequence(steps, k, dtype);
  // Member 1 fails at step `frozen_from`: from then on its gradients are NaN and it is masked.
  for (int64_t t = frozen_from; t < steps; ++t) {
    for (auto& g : grads[static_cast<size_t>(t)]) g[1].fill_(std::nan(""));
  }
  auto params = initial_params(k, dtype);
  const auto initial = initial_params(k, dtype);
  AdamState state = adam_state_like(params);
  const auto lr_t = torch::tensor(lr, torch::kFloat64).to(dtype);
  for (int64_t t = 0; t < steps; ++t) {
    for (size_t i = 0; i < params.size(); ++i) {
      params[i].mutable_grad() = grads[static_cast<size_t>(t)][i].clone();
    }
    const auto alive = torch::tensor({1.0f, t < frozen_from ? 1.0f : 0.0f, 1.0f});
    batched_adam_step(params, state, lr_t, alive, t);
  }
  for (int64_t m = 0; m < k; ++m) {
    INFO("member " << m);
    const int64_t trained = m == 1 ? frozen_from : steps;
    const auto expected = torch_adam(initial, m, grads, lr[static_cast<size_t>(m)], trained);
    for (size_t i = 0; i < params.size(); ++i) {
      INFO("parameter " << i);
      CHECK(torch::isfinite(params[i][m]).all().item<bool>());
      CHECK(max_abs_difference(params[i][m], expected[i]) < 1e-6);
    }
  }
  // The learning rates differ enough that a member run with another's lr would fail above.
  const auto with_lr_of_0 = torch_adam(initial, 2, grads, lr[0], steps);
  CHECK(max_abs_difference(params[0][2], with_lr_of_0[0]) > 1e-2);
}
