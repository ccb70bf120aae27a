// Uses the installed library: I(X;U) of N points a channel tells apart perfectly is log2 N
// bits (every Bhattacharyya coefficient between distinct points is 0).
#include <cmath>
#include <cstdio>

#include <infofrag/info/information.hpp>
#include <infofrag/version.hpp>

int main() {
  const int64_t n = 8;
  const torch::Tensor distances =
      torch::full({n, n}, 1e6, torch::kFloat64).fill_diagonal_(0.0);  // [N, N]
  const double bits = infofrag::info_bits_from_distances(distances).item<double>();
  std::printf("infofrag %s: I(X;U) = %.6f bits (expected 3)\n", infofrag::kVersion, bits);
  return std::abs(bits - 3.0) < 1e-9 ? 0 : 1;
}
