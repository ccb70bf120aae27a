// The training losses against closed forms computed here in double precision, element by
// element: Bernoulli and unit-variance Gaussian likelihoods, the KL of diagonal Gaussians to
// N(0, I) (also by numerical integration), β-VAE and AnnealedVAE's γ·|KL − C(t)|.
#include <cmath>
#include <type_traits>
#include <vector>

#include "infofrag/train/objective.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

using infofrag::models::Posterior;
using namespace infofrag::train;

namespace {

template <typename T>
torch::Dtype dtype_of() {
  return std::is_same_v<T, float> ? torch::kFloat32 : torch::kFloat64;
}

template <typename T>
double tolerance() {
  return std::is_same_v<T, float> ? 2e-5 : 1e-12;
}

/// [K, B, n] values as a tensor of `dtype`.
torch::Tensor tensor3(const std::vector<std::vector<std::vector<double>>>& v, torch::Dtype dtype) {
  std::vector<torch::Tensor> members;
  for (const auto& member : v) {
    std::vector<torch::Tensor> rows;
    for (const auto& row : member) rows.push_back(torch::tensor(row, torch::kFloat64));
    members.push_back(torch::stack(rows));
  }
  return torch::stack(members).to(dtype);
}

/// Posteriors of 2 members, 2 items, 2 channels, with their KL to N(0, I) worked out below.
const std::vector<std::vector<std::vector<double>>> kMu = {{{2, 2}, {0, 1}},
                                                           {{-0.5, 0.3}, {1.5, -3}}};
const std::vector<std::vector<std::vector<double>>> kLogvar = {{{0, 0}, {std::log(2.0), -1}},
                                                               {{-4, 0.7}, {0, 2.5}}};

/// KL(N(μ, σ²) ‖ N(0, 1)) from the general Gaussian form ln(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½.
double gaussian_kl(double mu, double logvar) {
  const double sigma = std::exp(0.5 * logvar);
  return std::log(1.0 / sigma) + (sigma * sigma + mu * mu) / 2.0 - 0.5;
}

/// The same KL by the trapezoidal rule: ∫ q ln(q / p) over μ ± 12σ.
double gaussian_kl_by_quadrature(double mu, double logvar) {
  const double sigma = std::exp(0.5 * logvar);
  const int n = 200000;
  const double lo = mu - 12 * sigma, h = 24 * sigma / n;
  const double pi = std::acos(-1.0);
  double sum = 0;
  for (int i = 0; i <= n; ++i) {
    const double z = lo + h * i;
    const double log_q = -0.5 * std::pow((z - mu) / sigma, 2) - std::log(sigma * std::sqrt(2 * pi));
    const double log_p = -0.5 * z * z - std::log(std::sqrt(2 * pi));
    const double f = std::exp(log_q) * (log_q - log_p);
    sum += (i == 0 || i == n) ? f / 2 : f;
  }
  return sum * h;
}

/// Per member: the mean over items of the KL summed over channels.
std::vector<double> expected_kl() {
  std::vector<double> out;
  for (size_t k = 0; k < kMu.size(); ++k) {
    double total = 0;
    for (size_t b = 0; b < kMu[k].size(); ++b) {
      for (size_t c = 0; c < kMu[k][b].size(); ++c)
        total += gaussian_kl(kMu[k][b][c], kLogvar[k][b][c]);
    }
    out.push_back(total / static_cast<double>(kMu[k].size()));
  }
  return out;
}

/// The losses of a batch whose z is its posterior means (the families tested here do not
/// read z).
Losses losses_of(const torch::Tensor& x, const torch::Tensor& decoded, const Posterior& q,
                 bool bernoulli, const ObjectiveParams& params, int64_t step) {
  StepBatch b;
  b.x = x;
  b.decoded = decoded;
  b.q = q;
  b.z = q.mu;
  b.bernoulli = bernoulli;
  b.step = step;
  return vae_losses(b, params);
}

ObjectiveParams beta_vae(const std::vector<double>& beta, torch::Dtype dtype) {
  ObjectiveParams p;
  p.kind = ObjectiveKind::kBetaVae;
  p.beta = torch::tensor(beta, torch::kFloat64).to(dtype);
  return p;
}

}  // namespace

TEST_CASE("the KL closed form agrees with numerical integration", "[train][objective]") {
  // The independent answer the tests below rely on: check it against the integral itself.
  for (size_t k = 0; k < kMu.size(); ++k) {
    for (size_t b = 0; b < kMu[k].size(); ++b) {
      for (size_t c = 0; c < kMu[k][b].size(); ++c) {
        const double mu = kMu[k][b][c], lv = kLogvar[k][b][c];
        INFO("mu " << mu << " logvar " << lv);
        CHECK(gaussian_kl(mu, lv) == Approx(gaussian_kl_by_quadrature(mu, lv)).epsilon(1e-8));
      }
    }
  }
  CHECK(gaussian_kl(0, 0) == 0);
  CHECK(gaussian_kl(1, 0) == Approx(0.5));
}

TEMPLATE_TEST_CASE("KL of diagonal posteriors to N(0, I): summed over channels, mean over items",
                   "[train][objective]", float, double) {
  const auto dtype = dtype_of<TestType>();
  const Posterior q{tensor3(kMu, dtype), tensor3(kLogvar, dtype)};
  const auto x = torch::zeros({2, 2, 3}, dtype);
  const Losses l = losses_of(x, x, q, /*bernoulli=*/false, beta_vae({1, 1}, dtype), 0);
  REQUIRE(l.kl.sizes() == torch::IntArrayRef({2}));
  CHECK(l.kl.scalar_type() == dtype);
  const auto kl = expected_kl();
  for (int64_t k = 0; k < 2; ++k) {
    CHECK(l.kl[k].template item<double>() ==
          Approx(kl[static_cast<size_t>(k)]).epsilon(tolerance<TestType>()));
  }
}

TEMPLATE_TEST_CASE("Bernoulli reconstruction is the cross-entropy of the decoded logits",
                   "[train][objective]", float, double) {
  const auto dtype = dtype_of<TestType>();
  // Targets x in [0, 1] (grey levels too) and Bernoulli means p: [K=2, B=2, 3 pixels].
  const std::vector<std::vector<std::vector<double>>> x = {{{1, 0, 0.5}, {0, 1, 1}},
                                                           {{0.25, 1, 0}, {1, 1, 0}}};
  const std::vector<std::vector<std::vector<double>>> p = {{{0.75, 0.75, 0.5}, {0.1, 0.9, 0.5}},
                                                           {{0.5, 0.2, 0.999}, {0.3, 0.6, 0.01}}};
  std::vector<std::vector<std::vector<double>>> logits = p;
  std::vector<double> expected(2, 0.0);
  for (size_t k = 0; k < 2; ++k) {
    for (size_t b = 0; b < 2; ++b) {
      for (size_t i = 0; i < 3; ++i) {
        const double pk = p[k][b][i], xk = x[k][b][i];
        logits[k][b][i] = std::log(pk / (1 - pk));
        expected[k] -= (xk * std::log(pk) + (1 - xk) * std::log(1 - pk)) / 2;  // mean of 2 items
      }
    }
  }
  // Items as images [1, 1, 3]: the sum runs over every item dimension.
  const auto xt = tensor3(x, dtype).view({2, 2, 1, 1, 3});
  const auto decoded = tensor3(logits, dtype).view({2, 2, 1, 1, 3});
  const Posterior q{torch::zeros({2, 2, 1}, dtype), torch::zeros({2, 2, 1}, dtype)};
  const Losses l = losses_of(xt, decoded, q, /*bernoulli=*/true, beta_vae({3, 3}, dtype), 0);
  for (int64_t k = 0; k < 2; ++k) {
    CHECK(l.recon[k].template item<double>() ==
          Approx(expected[static_cast<size_t>(k)]).epsilon(tolerance<TestType>()));
    CHECK(l.kl[k].template item<double>() == 0);
    CHECK(l.loss[k].template item<double>() == l.recon[k].template item<double>());
  }
  // By hand: logits 0 are p = ½, and cost ln 2 per pixel whatever the target.
  const auto half = losses_of(xt, torch::zeros_like(xt), q, true, beta_vae({1, 1}, dtype), 0);
  CHECK(half.recon[0].template item<double>() ==
        Approx(3 * std::log(2.0)).epsilon(tolerance<TestType>()));
}

TEMPLATE_TEST_CASE("unit-variance Gaussian reconstruction is -log N(x | mean, I) less its constant",
                   "[train][objective]", float, double) {
  const auto dtype = dtype_of<TestType>();
  const std::vector<std::vector<std::vector<double>>> x = {{{0.5, -1, 2}, {0, 0, 0}},
                                                           {{3, 1, -2}, {0.1, 0.2, 0.3}}};
  const std::vector<std::vector<std::vector<double>>> mean = {{{0.5, 1, 0}, {1, -1, 0.5}},
                                                              {{0, 1.5, -2.5}, {-0.1, 0.2, 1.3}}};
  const double pi = std::acos(-1.0);
  std::vector<double> expected(2, 0.0);
  for (size_t k = 0; k < 2; ++k) {
    for (size_t b = 0; b < 2; ++b) {
      for (size_t i = 0; i < 3; ++i) {
        const double density =
            std::exp(-0.5 * std::pow(x[k][b][i] - mean[k][b][i], 2)) / std::sqrt(2 * pi);
        // The constant ½ln 2π per dimension moves no gradient; the trainer leaves it out.
        expected[k] += (-std::log(density) - 0.5 * std::log(2 * pi)) / 2;
      }
    }
  }
  const Posterior q{torch::zeros({2, 2, 1}, dtype), torch::zeros({2, 2, 1}, dtype)};
  const Losses l = losses_of(tensor3(x, dtype), tensor3(mean, dtype), q, /*bernoulli=*/false,
                             beta_vae({1, 1}, dtype), 0);
  for (int64_t k = 0; k < 2; ++k) {
    CHECK(l.recon[k].template item<double>() ==
          Approx(expected[static_cast<size_t>(k)]).epsilon(tolerance<TestType>()));
  }
}

TEMPLATE_TEST_CASE("beta-VAE adds beta times the KL, each member its own beta",
                   "[train][objective]", float, double) {
  const auto dtype = dtype_of<TestType>();
  const Posterior q{tensor3(kMu, dtype), tensor3(kLogvar, dtype)};
  const auto x = torch::full({2, 2, 3}, 0.5, dtype);
  const auto mean = torch::zeros({2, 2, 3}, dtype);
  const Losses l = losses_of(x, mean, q, false, beta_vae({4, 0.25}, dtype), 0);
  const auto kl = expected_kl();
  const double recon = 3 * 0.5 * 0.25;  // ½·(0.5)² per dimension, 3 dimensions
  CHECK(l.loss[0].template item<double>() ==
        Approx(recon + 4 * kl[0]).epsilon(tolerance<TestType>()));
  CHECK(l.loss[1].template item<double>() ==
        Approx(recon + 0.25 * kl[1]).epsilon(tolerance<TestType>()));
}

TEMPLATE_TEST_CASE("AnnealedVAE adds gamma·|KL − C(t)|, C rising linearly to C_max",
                   "[train][objective]", float, double) {
  const auto dtype = dtype_of<TestType>();
  const Posterior q{tensor3(kMu, dtype), tensor3(kLogvar, dtype)};
  const auto x = torch::zeros({2, 2, 3}, dtype);
  ObjectiveParams p;
  p.kind = ObjectiveKind::kAnnealedVae;
  const std::vector<double> gamma = {100, 10}, c_max = {5, 25};
  p.gamma = torch::tensor(gamma, torch::kFloat64).to(dtype);
  p.capacity = torch::tensor(c_max, torch::kFloat64).to(dtype);
  p.capacity_steps = 200;
  const auto kl = expected_kl();
  // Burgess et al. 2018: C(t) = C_max·min(1, t/T). Member 0's KL (~2.4 nats) lies between
  // C(0) and C_max, so |KL − C| changes sign along the ramp.
  REQUIRE(kl[0] > 0);
  REQUIRE(kl[0] < c_max[0]);
  for (const int64_t step : {0, 1, 70, 199, 200, 1000}) {
    INFO("step " << step);
    const Losses l = losses_of(x, x, q, false, p, step);
    for (size_t k = 0; k < 2; ++k) {
      const double c = c_max[k] * std::min(1.0, static_cast<double>(step) / 200.0);
      CHECK(l.loss[static_cast<int64_t>(k)].template item<double>() ==
            Approx(gamma[k] * std::abs(kl[k] - c)).epsilon(tolerance<TestType>()));
    }
  }
}

// β-TCVAE's minibatch estimate of the total correlation against the closed form for a
// Gaussian aggregate posterior. Posteriors N(μ_i, s²I) with μ_i ~ N(0, S) make the aggregate
// q(z) = N(0, S + s²I), whose total correlation is −½ ln det R, R its correlation matrix.
// The estimate uses the batch itself as the sample of q(z), so it carries a positive bias
// that shrinks as the batch grows. Members 0 and 1 draw correlated means, members 2 and 3
// independent ones (S diagonal: total correlation 0).
TEST_CASE("the minibatch total correlation approaches −½ ln det of the correlation matrix",
          "[train][objective]") {
  const double s2 = 0.25;
  const double c[3][3] = {{1.0, 0.8, 0.3}, {0.8, 1.0, 0.5}, {0.3, 0.5, 1.0}};
  // R_ij = C_ij / sqrt(C_ii C_jj) for C = S + s²I; det R of a 3×3 by its cofactor form.
  const double diag = 1.0 + s2;
  const double r12 = c[0][1] / diag, r13 = c[0][2] / diag, r23 = c[1][2] / diag;
  const double det_r = 1 - r12 * r12 - r13 * r13 - r23 * r23 + 2 * r12 * r13 * r23;
  const double closed = -0.5 * std::log(det_r);  // 0.3509 nats
  REQUIRE(closed == Approx(0.35091236).epsilon(1e-6));

  // The Cholesky factor of S, by hand: S = L Lᵀ.
  const double l11 = 1.0, l21 = 0.8, l22 = std::sqrt(1 - 0.64), l31 = 0.3;
  const double l32 = (0.5 - l31 * l21) / l22, l33 = std::sqrt(1 - l31 * l31 - l32 * l32);
  const auto chol =
      torch::tensor({l11, 0.0, 0.0, l21, l22, 0.0, l31, l32, l33}, torch::kFloat64).reshape({3, 3});

  const auto estimate = [&](int64_t batch, int64_t members, bool correlated) {
    torch::manual_seed(7);
    auto mu = torch::randn({members, batch, 3}, torch::kFloat64);
    if (correlated) mu = torch::matmul(mu, chol.t());
    const auto logvar = torch::full({members, batch, 3}, std::log(s2), torch::kFloat64);
    const auto z = mu + std::sqrt(s2) * torch::randn({members, batch, 3}, torch::kFloat64);
    return total_correlation(z, mu, logvar).mean().item<double>();
  };
  // A large batch (2 members of 2048): within 0.06 nats of the closed form, and of 0.
  const double large = estimate(2048, 2, true);
  const double large_independent = estimate(2048, 2, false);
  CAPTURE(closed, large, large_independent);
  CHECK(std::abs(large - closed) < 0.06);
  CHECK(std::abs(large_independent) < 0.02);
  // A small batch (64, averaged over 64 members): the bias is visible, above the large one's.
  const double small = estimate(64, 64, true);
  const double small_independent = estimate(64, 64, false);
  CAPTURE(small, small_independent);
  CHECK(small - closed > 0.04);
  CHECK(small_independent > 0.08);
  CHECK(small_independent > 3 * std::abs(large_independent));
}
