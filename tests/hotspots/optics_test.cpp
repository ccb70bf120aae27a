#include "infofrag/hotspots/optics.hpp"
#include "infofrag/core/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

using infofrag::optics;
using infofrag::OpticsOptions;
using infofrag::OpticsResult;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// |x_i − x_j| for points on a line: [n, n] float64.
torch::Tensor line_distances(const std::vector<double>& x) {
  const torch::Tensor t = torch::tensor(x, torch::kFloat64);
  return (t.unsqueeze(1) - t.unsqueeze(0)).abs();
}

/// Euclidean distances between points [n, d]: [n, n] float64. Elementwise (not cdist's
/// matrix-product form), so permuting the points permutes the matrix exactly.
torch::Tensor plane_distances(const torch::Tensor& points) {
  return (points.unsqueeze(1) - points.unsqueeze(0)).pow(2).sum(-1).sqrt();
}

/// A symmetric [n, n] matrix of `blocks` planted blocks, point i in block i % blocks:
/// distances within a block uniform in [1, 1.01], between blocks in [10, 11], zero diagonal.
/// Within a block no two reachabilities differ by the 5% that makes a xi-steep point.
torch::Tensor block_distances(int64_t blocks, int64_t per_block, uint64_t seed,
                              std::vector<int64_t>* truth) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  const int64_t n = blocks * per_block;
  truth->resize(n);
  for (int64_t i = 0; i < n; ++i) (*truth)[i] = i % blocks;
  torch::Tensor d = torch::zeros({n, n}, torch::kFloat64);
  auto a = d.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < i; ++j) {
      a[i][j] = a[j][i] = (*truth)[i] == (*truth)[j] ? 1 + 0.01 * jitter(rng) : 10 + jitter(rng);
    }
  }
  return d;
}

/// Points i of `blocks` clusters of 2-D Gaussian blobs, far apart, in interleaved order.
torch::Tensor blobs(int64_t blocks, int64_t per_block, uint64_t seed, std::vector<int>* truth) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const int64_t n = blocks * per_block;
  torch::Tensor points = torch::empty({n, 2}, torch::kFloat64);
  truth->assign(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t block = i % blocks;  // interleaved, so blocks are not contiguous rows
    (*truth)[i] = static_cast<int>(block);
    points[i][0] = 100.0 * block + normal(rng);
    points[i][1] = normal(rng);
  }
  return points;
}

/// Whether two labelings are the same partition (equal up to renaming the labels), with
/// noise (−1) kept as noise.
bool same_partition(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size()) return false;
  std::map<int64_t, int64_t> a_to_b, b_to_a;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] == -1) != (b[i] == -1)) return false;
    if (a[i] == -1) continue;
    auto [it, fresh] = a_to_b.emplace(a[i], b[i]);
    if (it->second != b[i]) return false;
    auto [jt, fresh_b] = b_to_a.emplace(b[i], a[i]);
    if (jt->second != a[i]) return false;
  }
  return true;
}

/// The message of the `Error` that `f` throws, or "(nothing thrown)".
template <typename Error, typename F>
std::string message_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

TEST_CASE("optics: points on a line give the hand-worked walk", "[hotspots][optics]") {
  // x = 0, 1, 3, 7, 8 with min_samples = 2: the core distance is the distance to the
  // nearest other point. The walk starts at point 0 and always takes the smallest
  // reachability max(d, core(from)):
  //   from 0 (core 1): r1 = 1, r2 = 3, r3 = 7, r4 = 8
  //   from 1 (core 1): r2 = 2, r3 = 6, r4 = 7
  //   from 2 (core 2): r3 = 4, r4 = 5
  //   from 3 (core 1): r4 = 1
  OpticsOptions options;
  options.min_samples = 2;
  const OpticsResult r = optics(line_distances({0, 1, 3, 7, 8}), options);
  CHECK(r.ordering == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(r.core_distances == std::vector<double>{1, 1, 2, 1, 1});
  CHECK(r.reachability == std::vector<double>{kInf, 1, 2, 4, 1});
  CHECK(r.predecessor == std::vector<int64_t>{-1, 0, 1, 2, 3});

  // The same line listed from x = 8: the walk starts at the other end.
  const OpticsResult rev = optics(line_distances({8, 7, 3, 1, 0}), options);
  CHECK(rev.ordering == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(rev.reachability == std::vector<double>{kInf, 1, 4, 2, 1});
  CHECK(rev.predecessor == std::vector<int64_t>{-1, 0, 1, 2, 3});
}

TEST_CASE("optics: breaks ties by the smallest index and needs a strict improvement",
          "[hotspots][optics]") {
  // Four points all at distance 1 (diagonal 0): every reachability is 1, reached from the
  // first point, and the walk takes the rest in index order.
  torch::Tensor d = torch::ones({4, 4}, torch::kFloat64) - torch::eye(4, torch::kFloat64);
  OpticsOptions options;
  options.min_samples = 2;
  OpticsResult r = optics(d, options);
  CHECK(r.ordering == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(r.predecessor == std::vector<int64_t>{-1, 0, 0, 0});
  CHECK(r.reachability == std::vector<double>{kInf, 1, 1, 1});

  // With max_eps below every distance nothing is core: each point starts its own walk, in
  // index order, and everything is noise.
  options.max_eps = 0.5;
  r = optics(d, options);
  CHECK(r.ordering == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(r.core_distances == std::vector<double>(4, kInf));
  CHECK(r.labels == std::vector<int64_t>(4, -1));
  CHECK(r.clusters.empty());
}

TEST_CASE("optics: finds two well-separated blocks", "[hotspots][optics]") {
  // The reachability plot is inf, 39 values near 1, one near 10, 39 near 1: a steep down
  // area at 0 and at 40, steep up at 39 and 79, hence clusters [0, 39], [40, 79] and the
  // whole, labelled 0 and 1.
  std::vector<int64_t> truth;
  const OpticsResult r = optics(block_distances(/*blocks=*/2, /*per_block=*/40, 3, &truth));
  CHECK(same_partition(r.labels, truth));
  CHECK(r.labels[r.ordering[0]] == 0);
  CHECK(std::set<int64_t>(r.labels.begin(), r.labels.end()) == std::set<int64_t>{0, 1});
  using Cluster = std::pair<int64_t, int64_t>;
  CHECK(r.clusters == std::vector<Cluster>{{0, 39}, {40, 79}, {0, 79}});
  CHECK(r.reachability[r.ordering[40]] >= 10);
}

TEST_CASE("optics: is equivariant under permutations of the points", "[hotspots][optics]") {
  std::mt19937_64 rng(5);

  SECTION("keeping the first point, every output is the same up to renumbering") {
    // Reachabilities tie whenever several points are closer than a core distance, and ties
    // go to the smaller index. With min_samples = 2 the core distance is the nearest
    // neighbour's, so every reachability is a distance: with distinct distances nothing
    // ties, and the walk is determined by its start point. With and without the predecessor
    // correction as scikit-learn >= 1.3 has it (1.2's depends on how points are numbered).
    std::vector<int> truth;
    const torch::Tensor points = blobs(/*blocks=*/3, /*per_block=*/30, /*seed=*/11, &truth);
    const int64_t n = points.size(0);
    OpticsOptions options;
    options.min_samples = 2;
    options.predecessor_correction = GENERATE(false, true);
    INFO("predecessor correction " << options.predecessor_correction);
    const OpticsResult r = optics(plane_distances(points), options);
    REQUIRE(r.clusters.size() >= 3);

    std::vector<int64_t> perm(n);  // new point k is old point perm[k]
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin() + 1, perm.end(), rng);
    const torch::Tensor index = torch::tensor(perm, torch::kInt64);
    const OpticsResult p = optics(plane_distances(points.index_select(0, index)), options);
    std::vector<int64_t> new_of_old(n);
    for (int64_t k = 0; k < n; ++k) new_of_old[perm[k]] = k;
    for (int64_t k = 0; k < n; ++k) {
      CHECK(perm[p.ordering[k]] == r.ordering[k]);
      CHECK(p.reachability[k] == r.reachability[perm[k]]);
      CHECK(p.core_distances[k] == r.core_distances[perm[k]]);
      const int64_t pred = r.predecessor[perm[k]];
      CHECK(p.predecessor[k] == (pred < 0 ? -1 : new_of_old[pred]));
      CHECK(p.labels[k] == r.labels[perm[k]]);
    }
    CHECK(p.clusters == r.clusters);
  }

  SECTION("any permutation of planted blocks gives the same partition") {
    std::vector<int64_t> truth;
    const torch::Tensor d = block_distances(/*blocks=*/3, /*per_block=*/25, 2, &truth);
    const int64_t n = d.size(0);
    const OpticsResult r = optics(d);
    REQUIRE(same_partition(r.labels, truth));
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<int64_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0);
      std::shuffle(perm.begin(), perm.end(), rng);
      const torch::Tensor index = torch::tensor(perm, torch::kInt64);
      const OpticsResult p = optics(d.index_select(0, index).index_select(1, index));
      std::vector<int64_t> permuted(n);
      for (int64_t k = 0; k < n; ++k) {
        permuted[k] = r.labels[perm[k]];
        CHECK(p.core_distances[k] == r.core_distances[perm[k]]);
      }
      CHECK(same_partition(p.labels, permuted));
    }
  }
}

TEST_CASE("optics: corrects predecessors as scikit-learn >= 1.3, or as 1.2 on request",
          "[hotspots][optics]") {
  // x = 8, 26, 17, 7, 16, 0 with min_samples = 2 (core distance = nearest neighbour's): the
  // walk visits points 0, 3, 5, 4, 2, 1 with reachabilities inf, 1, 7, 8, 1, 9, each reached
  // from 0, 3, 0, 4, 2. xi = 0.1 finds positions [0, 2], [3, 5] and the whole. The cluster
  // [3, 5] ends at point 1, reached from point 2, which lies inside it (position 4): kept.
  // scikit-learn 1.2 looked up position 2 of the ordering instead (point 5, outside), so it
  // dropped point 1 and ended the cluster at position 4.
  using infofrag::OpticsCompat;
  using Cluster = std::pair<int64_t, int64_t>;
  const torch::Tensor d = line_distances({8, 26, 17, 7, 16, 0});
  OpticsOptions options;
  options.min_samples = 2;
  options.xi = 0.1;
  const OpticsResult current = optics(d, options);
  CHECK(current.ordering == std::vector<int64_t>{0, 3, 5, 4, 2, 1});
  CHECK(current.reachability == std::vector<double>{kInf, 9, 1, 1, 8, 7});
  CHECK(current.predecessor == std::vector<int64_t>{-1, 2, 4, 0, 0, 3});
  CHECK(current.clusters == std::vector<Cluster>{{0, 2}, {3, 5}, {0, 5}});
  CHECK(current.labels == std::vector<int64_t>{0, 1, 1, 0, 1, 0});

  options.compat = OpticsCompat::kSklearn12;
  const OpticsResult old = optics(d, options);
  CHECK(old.ordering == current.ordering);
  CHECK(old.clusters == std::vector<Cluster>{{0, 2}, {3, 4}, {0, 5}});
  CHECK(old.labels == std::vector<int64_t>{0, -1, 1, 0, 1, 0});

  // The option's names (hotspots --optics-compat).
  using Traits = infofrag::fields::Traits<OpticsCompat>;
  CHECK(Traits::parse("current") == OpticsCompat::kCurrent);
  CHECK(Traits::parse("sklearn-1.2") == OpticsCompat::kSklearn12);
  CHECK(Traits::format(OpticsCompat::kSklearn12) == "sklearn-1.2");
  CHECK(message_of<infofrag::fields::BadValue>([] { Traits::parse("1.2"); }) ==
        "is not current or sklearn-1.2");
}

TEST_CASE("optics: takes fractions of n as scikit-learn does", "[hotspots][optics]") {
  std::vector<int> truth;
  const torch::Tensor d = plane_distances(blobs(2, 25, 7, &truth));
  OpticsOptions by_count;
  by_count.min_samples = 7;  // int(0.15 · 50) = 7: truncated, not rounded to 8
  by_count.min_cluster_size = 12;
  OpticsOptions by_fraction;
  by_fraction.min_samples_fraction = 0.15;
  by_fraction.min_cluster_size_fraction = 0.25;
  const OpticsResult a = optics(d, by_count);
  const OpticsResult b = optics(d, by_fraction);
  CHECK(a.core_distances == b.core_distances);
  CHECK(a.labels == b.labels);
  CHECK(a.clusters == b.clusters);
  by_count.min_samples = 8;
  CHECK(optics(d, by_count).core_distances != b.core_distances);
}

TEST_CASE("optics: treats +inf as never a neighbour and float32 as its float64 value",
          "[hotspots][optics]") {
  torch::Tensor d = line_distances({0, 1, 2, 50, 51, 52});
  torch::Tensor far = d.clone();
  far.masked_fill_(d > 10, kInf);
  OpticsOptions options;
  options.min_samples = 2;
  options.max_eps = 10;
  const OpticsResult a = optics(d, options);
  const OpticsResult b = optics(far, options);
  CHECK(a.ordering == b.ordering);
  CHECK(a.reachability == b.reachability);
  CHECK(a.predecessor == b.predecessor);
  CHECK(a.labels == b.labels);
  const OpticsResult c = optics(d.to(torch::kFloat32), options);
  CHECK(c.reachability == a.reachability);
}

TEST_CASE("optics: rejects bad input and options, naming them", "[hotspots][optics]") {
  using Catch::Matchers::Contains;
  using infofrag::ConfigError;
  using infofrag::InputError;
  auto input_error = [](const torch::Tensor& d) {
    return message_of<InputError>([&] { optics(d); });
  };
  CHECK_THAT(input_error(torch::zeros({3, 4}, torch::kFloat64)),
             Contains("square") && Contains("[3, 4]"));
  CHECK_THAT(input_error(torch::zeros({1, 1}, torch::kFloat64)), Contains("at least 2"));
  CHECK_THAT(input_error(torch::zeros({3, 3}, torch::kInt64)), Contains("floating point"));
  const torch::Tensor d = line_distances({0, 1, 2, 3, 4});
  torch::Tensor bad = d.clone();
  bad[1][3] = std::nan("");
  CHECK_THAT(input_error(bad), Contains("nan at [1, 3]"));
  bad[1][3] = -0.5;
  CHECK_THAT(input_error(bad), Contains("-0.5 at [1, 3]"));
  bad[1][3] = -kInf;
  CHECK_THAT(input_error(bad), Contains("-inf at [1, 3]"));

  auto config_error = [&](auto set) {
    OpticsOptions o;
    set(o);
    return message_of<ConfigError>([&] { optics(d, o); });
  };
  CHECK_THAT(config_error([](OpticsOptions& o) { o.min_samples = 1; }),
             Contains("min_samples = 1"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.min_samples = 6; }),
             Contains("min_samples = 6") && Contains("(5)"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.min_samples_fraction = 1.5; }),
             Contains("min_samples_fraction = 1.5"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.max_eps = -1; }), Contains("max_eps = -1"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.xi = 1; }), Contains("xi = 1"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.min_cluster_size = 1; }),
             Contains("min_cluster_size = 1"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.min_cluster_size = 9; }),
             Contains("min_cluster_size = 9"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.min_cluster_size_fraction = -0.1; }),
             Contains("min_cluster_size_fraction = -0.1"));
  CHECK_THAT(config_error([](OpticsOptions& o) { o.min_samples = 5; }), Contains("nothing thrown"));
}
