#include "infofrag/info/monte_carlo.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "infofrag/analyze/analyze.hpp"
#include "infofrag/analyze/monte_carlo.hpp"
#include "infofrag/io/embeddings.hpp"
#include "infofrag/io/h5.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using infofrag::GaussianSpace;
using infofrag::MonteCarloOptions;
using infofrag::test::run_cli;
using infofrag::test::TempDir;

namespace {

constexpr double kPi = 3.14159265358979323846;

MonteCarloOptions quiet(int64_t samples, uint64_t seed = 1) {
  MonteCarloOptions options;
  options.samples = samples;
  options.seed = seed;
  options.progress = false;
  return options;
}

GaussianSpace space_1d(const std::vector<double>& mu, const std::vector<double>& sd) {
  const torch::Tensor m = torch::tensor(mu, torch::kFloat64).unsqueeze(1);
  const torch::Tensor s = torch::tensor(sd, torch::kFloat64).unsqueeze(1);
  return {m, (s * s).log()};
}

/// (1/N) Σ_j N(u; mu_j, sd_j²) on a grid [G], straight from the formula.
torch::Tensor mixture_1d(const torch::Tensor& grid, const std::vector<double>& mu,
                         const std::vector<double>& sd) {
  torch::Tensor p = torch::zeros_like(grid);
  for (size_t j = 0; j < mu.size(); ++j) {
    p += torch::exp(-(grid - mu[j]).square() / (2 * sd[j] * sd[j])) / (sd[j] * std::sqrt(2 * kPi));
  }
  return p / static_cast<double>(mu.size());
}

/// (1/N) Σ_j ½ log2(2πe sd_j²): the mean entropy of the posteriors, bits.
double mean_gaussian_entropy_bits(const std::vector<double>& sd) {
  double total = 0;
  for (double s : sd) total += 0.5 * std::log2(2 * kPi * std::exp(1.0) * s * s);
  return total / static_cast<double>(sd.size());
}

/// I(U;X) = h(U) − mean h(U|x) of a 1-D mixture, h(U) by the trapezoid rule on a fine grid
/// (exponentially accurate for these smooth, fast-decaying integrands).
double quadrature_info_1d(const std::vector<double>& mu, const std::vector<double>& sd) {
  const double width = 14 * *std::max_element(sd.begin(), sd.end());
  const double lo = *std::min_element(mu.begin(), mu.end()) - width;
  const double hi = *std::max_element(mu.begin(), mu.end()) + width;
  const double step = *std::min_element(sd.begin(), sd.end()) / 40;
  const torch::Tensor grid = torch::arange(lo, hi, step, torch::kFloat64);
  const torch::Tensor p = mixture_1d(grid, mu, sd);
  const torch::Tensor plogp = torch::where(p > 0, p * p.log2(), torch::zeros_like(p));
  const double h = -plogp.sum().item<double>() * step;
  return h - mean_gaussian_entropy_bits(sd);
}

/// I(X;U,V) for two 1-D spaces whose posteriors at x_j are N(mu_j, sd_j²) and N(nu_j, tau_j²)
/// independently: h(U,V) of the 2-D mixture on a grid, minus the mean posterior entropy.
double quadrature_info_2d(const std::vector<double>& mu, const std::vector<double>& sd,
                          const std::vector<double>& nu, const std::vector<double>& tau) {
  auto range = [](const std::vector<double>& m, const std::vector<double>& s) {
    const double width = 10 * *std::max_element(s.begin(), s.end());
    return std::make_pair(*std::min_element(m.begin(), m.end()) - width,
                          *std::max_element(m.begin(), m.end()) + width);
  };
  const auto [ulo, uhi] = range(mu, sd);
  const auto [vlo, vhi] = range(nu, tau);
  const double du = *std::min_element(sd.begin(), sd.end()) / 8;
  const double dv = *std::min_element(tau.begin(), tau.end()) / 8;
  const torch::Tensor gu = torch::arange(ulo, uhi, du, torch::kFloat64).unsqueeze(1);
  const torch::Tensor gv = torch::arange(vlo, vhi, dv, torch::kFloat64).unsqueeze(0);
  torch::Tensor p = torch::zeros({gu.size(0), gv.size(1)}, torch::kFloat64);
  for (size_t j = 0; j < mu.size(); ++j) {
    const torch::Tensor pu =
        torch::exp(-(gu - mu[j]).square() / (2 * sd[j] * sd[j])) / (sd[j] * std::sqrt(2 * kPi));
    const torch::Tensor pv =
        torch::exp(-(gv - nu[j]).square() / (2 * tau[j] * tau[j])) / (tau[j] * std::sqrt(2 * kPi));
    p += pu * pv;
  }
  p /= static_cast<double>(mu.size());
  const torch::Tensor plogp = torch::where(p > 0, p * p.log2(), torch::zeros_like(p));
  const double h = -plogp.sum().item<double>() * du * dv;
  return h - mean_gaussian_entropy_bits(sd) - mean_gaussian_entropy_bits(tau);
}

infofrag::Member member(const std::string& id, const torch::Tensor& mu, const torch::Tensor& sd) {
  return {id, mu.to(torch::kFloat64), (sd * sd).log().to(torch::kFloat64), {}};
}

infofrag::MonteCarloConfig quiet_config(int64_t samples, uint64_t seed = 1) {
  infofrag::MonteCarloConfig config;
  config.samples = samples;
  config.seed = seed;
  config.device = infofrag::DeviceChoice::cpu();
  config.progress = false;
  return config;
}

}  // namespace

TEMPLATE_TEST_CASE("mc: posteriors that never overlap give I = log2 N exactly, in float64",
                   "[mc][closed-form]", float, double) {
  const auto dtype = c10::CppTypeToScalarType<TestType>::value;
  const int64_t n = 16;
  // Two spaces, d = 3 and d = 1, every point 50 apart in each, σ ≈ 0.007.
  const torch::Tensor grid = torch::arange(n, torch::kFloat64) * 50;
  const torch::Tensor mu_a = torch::stack({grid, grid.flip(0), grid * 2}, 1);
  const torch::Tensor mu_b = grid.roll(5).unsqueeze(1);
  const std::vector<GaussianSpace> spaces = {{mu_a.to(dtype), torch::full({n, 3}, -10.0, dtype)},
                                             {mu_b.to(dtype), torch::full({n, 1}, -10.0, dtype)}};
  const auto terms = infofrag::monte_carlo_terms(spaces, quiet(500));
  CHECK(terms.info_bits.scalar_type() == torch::kFloat64);
  CHECK(terms.pair_bits.scalar_type() == torch::kFloat64);
  CHECK(terms.info_bits.sizes() == torch::IntArrayRef({500, 2}));
  CHECK(terms.pair_bits.sizes() == torch::IntArrayRef({500, 2, 2}));
  // Every single term is log2 N, so the means are exact and the errors 0.
  CHECK((terms.info_bits - 4.0).abs().max().item<double>() < 1e-9);
  CHECK((terms.pair_bits - 4.0).abs().max().item<double>() < 1e-9);
  const auto e = infofrag::monte_carlo_estimate(terms, 1e-3);
  CHECK(e.info_se_bits.max().item<double>() < 1e-9);
  CHECK((e.nmi - 1).abs().max().item<double>() < 1e-9);
  CHECK(e.vi_bits.abs().max().item<double>() < 1e-9);
  CHECK(e.nmi_se.abs().max().item<double>() < 1e-9);
}

TEST_CASE("mc: two hard clusters of identical posteriors give exactly 1 bit", "[mc][closed-form]") {
  const torch::Tensor mu =
      torch::tensor({0.0, 0.0, 0.0, 0.0, 30.0, 30.0, 30.0, 30.0}, torch::kFloat64).unsqueeze(1);
  const torch::Tensor logvar = torch::full({8, 1}, -2.0, torch::kFloat64);
  const auto e =
      infofrag::monte_carlo_estimate(infofrag::monte_carlo_terms({{mu, logvar}}, quiet(300)), 1e-3);
  CHECK(std::abs(e.info_bits[0].item<double>() - 1) < 1e-9);
  CHECK(std::abs(e.self_pair_bits[0].item<double>() - 1) < 1e-9);
}

TEST_CASE("mc: 1-D mixtures: Monte Carlo agrees with quadrature of the mixture entropy",
          "[mc][quadrature]") {
  struct Case {
    std::vector<double> mu, sd;
  };
  const std::vector<Case> cases = {
      {{0, 1, 2.5, 3}, {1, 0.5, 0.8, 1.2}},                              // overlapping
      {{0, 0.5, 1}, {1, 1, 1}},                                          // heavy overlap, ~0.1 bit
      {{-3, -1, 0, 0.2, 2, 5}, {0.3, 0.7, 0.2, 1.5, 0.5, 1.0}},          // varied σ
      {{0, 4, 8, 12, 16, 20, 24, 28}, {0.5, 0.5, 0.5, 0.5, 2, 2, 2, 2}}  // near-separated
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    CAPTURE(c);
    const double expected = quadrature_info_1d(cases[c].mu, cases[c].sd);
    const auto e = infofrag::monte_carlo_estimate(
        infofrag::monte_carlo_terms({space_1d(cases[c].mu, cases[c].sd)}, quiet(40000, 10 + c)),
        1e-3);
    const double got = e.info_bits[0].item<double>(), se = e.info_se_bits[0].item<double>();
    CAPTURE(expected, got, se);
    CHECK(se > 0);
    CHECK(se < 0.02);
    CHECK(std::abs(got - expected) < 3 * se);
  }
}

TEST_CASE("mc: two 1-D spaces side by side, read twice, and as one 2-D space: 2-D quadrature",
          "[mc][quadrature]") {
  const std::vector<double> mu = {0, 1, 2, 3, 5}, sd = {0.6, 0.9, 0.5, 1.2, 0.8};
  const std::vector<double> nu = {2, -1, 0.5, 0.5, 3}, tau = {1.0, 0.4, 0.7, 0.9, 0.5};
  const double expected_uv = quadrature_info_2d(mu, sd, nu, tau);
  const double expected_uu = quadrature_info_2d(mu, sd, mu, sd);
  const GaussianSpace u = space_1d(mu, sd), v = space_1d(nu, tau);
  const GaussianSpace joint{torch::cat({u.mu, v.mu}, 1), torch::cat({u.logvar, v.logvar}, 1)};
  const auto e = infofrag::monte_carlo_estimate(
      infofrag::monte_carlo_terms({u, v, joint}, quiet(40000, 3)), 1e-3);
  const double uv = e.pair_bits[0][1].item<double>(), uv_se = e.pair_se_bits[0][1].item<double>();
  const double uu = e.self_pair_bits[0].item<double>(),
               uu_se = e.self_pair_se_bits[0].item<double>();
  const double w = e.info_bits[2].item<double>(), w_se = e.info_se_bits[2].item<double>();
  CAPTURE(expected_uv, uv, uv_se, expected_uu, uu, uu_se, w, w_se);
  CHECK(uv_se < 0.02);
  CHECK(uu_se < 0.02);
  CHECK(w_se < 0.02);
  CHECK(std::abs(uv - expected_uv) < 3 * uv_se);
  CHECK(std::abs(uu - expected_uu) < 3 * uu_se);
  CHECK(std::abs(w - expected_uv) < 3 * w_se);
  // The pair matrix is symmetric: the same draws serve (U, V) and (V, U).
  CHECK(torch::allclose(e.pair_bits, e.pair_bits.t(), 0, 1e-12));
}

TEST_CASE("mc: chunks and sample batches change nothing but memory", "[mc]") {
  torch::manual_seed(5);
  const std::vector<GaussianSpace> spaces = {
      {torch::randn({37, 3}, torch::kFloat64), torch::randn({37, 3}, torch::kFloat64) - 1},
      {torch::randn({37, 2}, torch::kFloat64) * 3, torch::randn({37, 2}, torch::kFloat64)}};
  MonteCarloOptions whole = quiet(101, 9);
  MonteCarloOptions pieces = whole;
  pieces.chunk = 5;
  pieces.sample_batch = 7;
  const auto a = infofrag::monte_carlo_terms(spaces, whole);
  const auto b = infofrag::monte_carlo_terms(spaces, pieces);
  CHECK(torch::equal(a.index, b.index));
  CHECK(torch::allclose(a.info_bits, b.info_bits, 0, 1e-11));
  CHECK(torch::allclose(a.pair_bits, b.pair_bits, 0, 1e-11));
  // A different seed gives different draws.
  const auto c = infofrag::monte_carlo_terms(spaces, quiet(101, 10));
  CHECK(!torch::equal(a.index, c.index));
}

TEST_CASE("mc: Gaussian channel: Monte Carlo and fingerprint against their closed forms",
          "[mc][fingerprint][closed-form]") {
  // Means at the N quantiles of N(0, 1), posterior σ ≪ 1 but ≫ the spacing of the means:
  // the mixture is N(0, 1 + σ²), so I = ½ log2(1 + 1/σ²). The Bhattacharyya sums become
  // the convolution √(4σ²/(1 + 4σ²)) · exp(−μ²/(2(1 + 4σ²))), so the fingerprint estimate
  // is ½ log2((1 + 4σ²)/(4σ²)) + log2(e)/(2(1 + 4σ²)): low by ½ log2(4/e) ≈ 0.28 bits as
  // σ → 0 (the posterior's entropy is counted with a kernel of variance 4σ², not σ²).
  const int64_t n = 3000;
  const torch::Tensor q = (torch::arange(n, torch::kFloat64) + 0.5) / static_cast<double>(n);
  const torch::Tensor mu = (torch::erfinv(q * 2 - 1) * std::sqrt(2.0)).unsqueeze(1);
  for (const double sd : {0.05, 0.1}) {
    CAPTURE(sd);
    infofrag::Embeddings e;
    e.members.push_back(member("a", mu, torch::full({n, 1}, sd, torch::kFloat64)));
    const auto r = infofrag::monte_carlo(e, quiet_config(40000, 8));
    const double mc = r.spaces.info_bits[0].item<double>();
    const double se = r.spaces.info_se_bits[0].item<double>();
    const double fp = r.fingerprint.info_bits[0].item<double>();
    const double v = sd * sd;
    const double expected_mc = 0.5 * std::log2(1 + 1 / v);
    const double expected_fp =
        0.5 * std::log2((1 + 4 * v) / (4 * v)) + std::log2(std::exp(1.0)) / (2 * (1 + 4 * v));
    CAPTURE(mc, se, expected_mc, fp, expected_fp);
    CHECK(se < 0.02);
    CHECK(std::abs(mc - expected_mc) < 3 * se + 0.01);  // 0.01: N = 3000, not a continuum
    CHECK(std::abs(fp - expected_fp) < 0.01);
    CHECK(fp < mc);
    CHECK(fp > 0.9 * mc);
  }
}

TEST_CASE("mc: the fingerprint estimate stays below the Monte Carlo one, and near it for clusters",
          "[mc][fingerprint]") {
  torch::manual_seed(11);
  const int64_t n = 400;
  infofrag::Embeddings e;
  // a, b: means spread continuously (the fingerprint's shortfall approaches 0.28 bits per
  // dimension there); c, d: 8 and 12 clusters of points with posteriors about as wide as
  // the clusters' separation, a few bits each.
  e.members.push_back(member("a", torch::randn({n, 2}, torch::kFloat64),
                             torch::full({n, 2}, 0.3, torch::kFloat64)));
  e.members.push_back(member("b", torch::randn({n, 3}, torch::kFloat64) * 2,
                             torch::rand({n, 3}, torch::kFloat64) + 0.3));
  const torch::Tensor cluster8 = torch::randint(8, {n}, torch::kInt64);
  const torch::Tensor cluster12 = torch::randint(12, {n}, torch::kInt64);
  const torch::Tensor centres8 = torch::randn({8, 2}, torch::kFloat64) * 3;
  const torch::Tensor centres12 = torch::randn({12, 3}, torch::kFloat64) * 3;
  e.members.push_back(
      member("c", centres8.index_select(0, cluster8) + torch::randn({n, 2}, torch::kFloat64) * 0.05,
             torch::full({n, 2}, 0.5, torch::kFloat64)));
  e.members.push_back(member(
      "d", centres12.index_select(0, cluster12) + torch::randn({n, 3}, torch::kFloat64) * 0.05,
      torch::rand({n, 3}, torch::kFloat64) * 0.4 + 0.4));
  const auto result = infofrag::monte_carlo(e, quiet_config(40000, 4));
  const int64_t k = 4;
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = i; j < k; ++j) {
      // I(X;U) on the diagonal of these loops, then I(X;U,U′) and I(X;U,V) in the matrices.
      for (const bool pair : {false, true}) {
        if (!pair && i != j) continue;
        const double mc = pair ? result.spaces.pair_bits[i][j].item<double>()
                               : result.spaces.info_bits[i].item<double>();
        const double se = pair ? result.spaces.pair_se_bits[i][j].item<double>()
                               : result.spaces.info_se_bits[i].item<double>();
        const double fp = pair ? result.fingerprint_pair_bits[i][j].item<double>()
                               : result.fingerprint.info_bits[i].item<double>();
        CAPTURE(i, j, pair, mc, se, fp);
        CHECK(se < 0.02);
        CHECK(fp < mc + 3 * se);
        if (!pair && i >= 2) {
          CHECK(mc > 2);
          CHECK(mc < 4);
          CHECK(fp > 0.85 * mc);
        }
      }
    }
  }
  // Over the same points, the fingerprint is exactly what `analyze` reports for /spaces.
  infofrag::AnalyzeConfig analyze_config;
  analyze_config.dtype = torch::kFloat64;
  analyze_config.progress = false;
  const auto analysis = infofrag::analyze(e, analyze_config);
  CHECK(torch::allclose(result.fingerprint.info_bits, analysis.spaces.info_bits, 0, 1e-12));
  CHECK(
      torch::allclose(result.fingerprint_similarity.nmi, analysis.space_similarity.nmi, 0, 1e-12));
}

TEST_CASE(
    "mc: NMI of a space with itself is 1, and its standard error matches the spread over seeds",
    "[mc][nmi]") {
  torch::manual_seed(21);
  const int64_t n = 200;
  const torch::Tensor shared = torch::randn({n, 1}, torch::kFloat64);
  infofrag::Embeddings e;
  // b shares a's first dimension and has one of its own; "a_copy" is a under another name.
  const auto a = member("a", torch::cat({shared, torch::randn({n, 1}, torch::kFloat64)}, 1),
                        torch::full({n, 2}, 0.4, torch::kFloat64));
  e.members = {a, member("b", torch::cat({shared, torch::randn({n, 1}, torch::kFloat64)}, 1),
                         torch::full({n, 2}, 0.5, torch::kFloat64))};
  e.members.push_back(a);
  e.members.back().id = "a_copy";

  std::vector<double> nmi_ab, vi_ab, se_nmi_ab, se_vi_ab;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    infofrag::MonteCarloConfig config = quiet_config(400, seed);
    config.fingerprint_size = 20;  // the fingerprint is not under test here
    const auto r = infofrag::monte_carlo(e, config);
    const auto& s = r.spaces;
    // The diagonal is the same draws on both sides: exactly 1 and 0.
    CHECK((s.nmi.diagonal() - 1).abs().max().item<double>() < 1e-12);
    CHECK(s.vi_bits.diagonal().abs().max().item<double>() < 1e-12);
    // A copy under another name has independent draws: 1 and 0 up to Monte Carlo error.
    const double nmi_copy = s.nmi[0][2].item<double>(), nmi_copy_se = s.nmi_se[0][2].item<double>();
    const double vi_copy = s.vi_bits[0][2].item<double>(),
                 vi_copy_se = s.vi_se_bits[0][2].item<double>();
    CAPTURE(seed, nmi_copy, nmi_copy_se, vi_copy, vi_copy_se);
    CHECK(nmi_copy_se > 0);
    CHECK(std::abs(nmi_copy - 1) < 4 * nmi_copy_se);
    CHECK(std::abs(vi_copy) < 4 * vi_copy_se);
    nmi_ab.push_back(s.nmi[0][1].item<double>());
    vi_ab.push_back(s.vi_bits[0][1].item<double>());
    se_nmi_ab.push_back(s.nmi_se[0][1].item<double>());
    se_vi_ab.push_back(s.vi_se_bits[0][1].item<double>());
  }
  auto spread = [](const std::vector<double>& v) {
    return torch::tensor(v, torch::kFloat64).std().item<double>();
  };
  auto mean = [](const std::vector<double>& v) {
    return torch::tensor(v, torch::kFloat64).mean().item<double>();
  };
  const double nmi_ratio = mean(se_nmi_ab) / spread(nmi_ab);
  const double vi_ratio = mean(se_vi_ab) / spread(vi_ab);
  CAPTURE(mean(nmi_ab), spread(nmi_ab), mean(se_nmi_ab), mean(vi_ab), spread(vi_ab),
          mean(se_vi_ab));
  CHECK(mean(nmi_ab) > 0.2);
  CHECK(mean(nmi_ab) < 0.8);
  CHECK(nmi_ratio > 1 / 1.5);
  CHECK(nmi_ratio < 1.5);
  CHECK(vi_ratio > 1 / 1.5);
  CHECK(vi_ratio < 1.5);
}

TEST_CASE("infofrag mc writes the documented file", "[mc][cli]") {
  TempDir dir;
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "150", "--members", "3",
                   "--dims", "4"})
              .code == 0);
  const auto run =
      run_cli({"mc", "--embeddings", dir.path("e.h5"), "--out", dir.path("m.h5"), "--samples",
               "300", "--members", "member_02,member_00", "--fingerprint-size", "100", "--seed",
               "5", "--device", "cpu", "--chunk", "64", "--progress", "false"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  const auto file = infofrag::h5::File::open(dir.path("m.h5"));
  CHECK(file.read_strings("/spaces/member") == std::vector<std::string>{"member_02", "member_00"});
  for (const char* name : {"/spaces/info_bits", "/spaces/info_se_bits", "/spaces/self_pair_bits",
                           "/spaces/self_pair_se_bits", "/fingerprint/info_bits"}) {
    CAPTURE(name);
    CHECK(file.info(name).shape == std::vector<int64_t>{2});
  }
  for (const char* name :
       {"/spaces/pair_info_bits", "/spaces/pair_info_se_bits", "/spaces/nmi", "/spaces/nmi_se",
        "/spaces/vi_bits", "/spaces/vi_se_bits", "/fingerprint/nmi", "/fingerprint/vi_bits"}) {
    CAPTURE(name);
    CHECK(file.info(name).shape == std::vector<int64_t>{2, 2});
  }
  CHECK(file.read_number_attr("/", "samples") == 300);
  CHECK(file.read_number_attr("/", "points") == 150);
  CHECK(file.read_number_attr("/", "seed") == 5);
  CHECK(file.read_number_attr("/", "fingerprint_size") == 100);
  CHECK(file.read_string_attr("/", "units") == std::vector<std::string>{"bits"});
  const torch::Tensor info = file.read("/spaces/info_bits", torch::kFloat64);
  const torch::Tensor fp = file.read("/fingerprint/info_bits", torch::kFloat64);
  CHECK((info > 0).all().item<bool>());
  CHECK((fp > 0).all().item<bool>());
}

TEST_CASE("infofrag mc rejects bad input and writes nothing", "[mc][cli]") {
  TempDir dir;
  REQUIRE(run_cli({"synth", "--out", dir.path("e.h5"), "--points", "40", "--members", "2"}).code ==
          0);
  const std::string e = dir.path("e.h5"), out = dir.path("m.h5");
  struct Bad {
    std::vector<std::string> args;
    std::vector<std::string> message;  // all must appear in stderr
  };
  const std::vector<Bad> cases = {
      {{"--members", "member_00,nobody"}, {"--members", "nobody", "member_01"}},
      {{"--members", "member_00,member_00"}, {"--members", "twice"}},
      {{"--samples", "0"}, {"--samples", "0"}},
      {{"--chunk", "-3"}, {"--chunk", "-3"}},
      {{"--fingerprint-size", "41"}, {"--fingerprint-size", "41", "40 points"}},
      {{"--device", "tpu"}, {"--device", "tpu"}},
  };
  for (const Bad& bad : cases) {
    std::vector<std::string> args = {"mc", "--embeddings", e, "--out", out};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    const auto run = run_cli(args);
    CAPTURE(bad.args, run.err);
    CHECK(run.code == 1);
    for (const std::string& part : bad.message) CHECK_THAT(run.err, Catch::Contains(part));
    CHECK(dir.files() == std::vector<std::string>{"e.h5"});
  }
  const auto missing = run_cli({"mc", "--embeddings", dir.path("none.h5"), "--out", out});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("none.h5"));
  CHECK(dir.files() == std::vector<std::string>{"e.h5"});
}
