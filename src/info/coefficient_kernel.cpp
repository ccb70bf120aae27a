// Compiled with -O3 -fno-math-errno (CMakeLists.txt) so that the loops below vectorize;
// target_clones adds an AVX2 build of each row loop, chosen at load time.
#include "coefficient_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace infofrag::detail {

namespace {

/// e^x for x in [−87, 0], branch-free so that it vectorizes: x = n ln2 + r with Cody–Waite
/// splitting of ln2, a degree-7 Taylor polynomial for e^r (|r| <= ln2/2, relative error
/// below 1e-8), and 2^n assembled from its exponent bits. e^0 = 1 exactly.
inline float exp_nonpositive(float x) {
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(x / ln2)
  const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187045e-06f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/// e^x for x in [−700, 0], as above with a degree-13 polynomial (relative error ~1e-16).
inline double exp_nonpositive(double x) {
  const double n = (x * 1.4426950408889634 + 6755399441055744.0) - 6755399441055744.0;
  const double r = (x - n * 0.6931471803691238) - n * 1.9082149292705877e-10;
  double p = 1.0 / 6227020800.0;
  for (const double c : {1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
                         1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0}) {
    p = p * r + c;
  }
  const int64_t bits = (static_cast<int64_t>(n) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

template <typename T>
constexpr T kExpFloor = sizeof(T) == 4 ? T(-87) : T(-700);

/// One output row: BC between point (a_mu, a_half_var, a_sd) and N points, where
///   BC = exp(−(μa − μj)² / (8h)) · sqrt(σa σj / h),  h = (σa² + σj²)/2,
/// μa − μj is exact for close means, and the 1/8 is applied after squaring (a power of two,
/// exact). Dividing σaσj by h (rather than multiplying by 1/h) keeps BC(x, x) = 1 exactly.
template <typename T>
inline void coefficient_row(T a_mu, T a_half_var, T a_sd, const T* __restrict mu,
                            const T* __restrict half_var, const T* __restrict sd, T* __restrict out,
                            int64_t n, T tiny) {
  for (int64_t j = 0; j < n; ++j) {
    const T h = a_half_var + half_var[j];
    const T d = a_mu - mu[j];
    const T x = std::max(-(d * d * T(0.125)) / h, kExpFloor<T>);
    const T coefficient = exp_nonpositive(x) * std::sqrt(a_sd * sd[j] / h);
    out[j] = coefficient < tiny ? T(0) : coefficient;
  }
}

__attribute__((target_clones("avx2", "default"))) void row_float(float a_mu, float a_half_var,
                                                                 float a_sd, const float* mu,
                                                                 const float* half_var,
                                                                 const float* sd, float* out,
                                                                 int64_t n, float tiny) {
  coefficient_row(a_mu, a_half_var, a_sd, mu, half_var, sd, out, n, tiny);
}

__attribute__((target_clones("avx2", "default"))) void row_double(double a_mu, double a_half_var,
                                                                  double a_sd, const double* mu,
                                                                  const double* half_var,
                                                                  const double* sd, double* out,
                                                                  int64_t n, double tiny) {
  coefficient_row(a_mu, a_half_var, a_sd, mu, half_var, sd, out, n, tiny);
}

template <typename T, typename Row>
void fill(const CoefficientTerms& rows, const CoefficientTerms& all, int64_t begin, int64_t end,
          T tiny, torch::Tensor& out, Row row) {
  const int64_t m = all.mu.size(0), n = all.mu.size(1);
  const auto r_mu = rows.mu.accessor<T, 2>();
  const auto r_hv = rows.half_var.accessor<T, 2>();
  const auto r_sd = rows.sd.accessor<T, 2>();
  const T* mu = all.mu.data_ptr<T>();
  const T* hv = all.half_var.data_ptr<T>();
  const T* sd = all.sd.data_ptr<T>();
  T* o = out.data_ptr<T>();
  const int64_t stride_t = out.stride(0), stride_c = out.stride(1);
  for (int64_t t = begin; t < end; ++t) {
    for (int64_t c = 0; c < m; ++c) {
      row(r_mu[t][c], r_hv[t][c], r_sd[t][c], mu + c * n, hv + c * n, sd + c * n,
          o + (t - begin) * stride_t + c * stride_c, n, tiny);
    }
  }
}

}  // namespace

void coefficient_rows_cpu(const CoefficientTerms& rows, const CoefficientTerms& all, int64_t begin,
                          int64_t end, double tiny, torch::Tensor& out) {
  TORCH_CHECK(!all.mu.is_cuda() && all.mu.is_contiguous() && all.half_var.is_contiguous() &&
                  all.sd.is_contiguous(),
              "coefficient_rows_cpu: expects contiguous CPU terms");
  TORCH_CHECK(out.dim() == 3 && out.size(0) == end - begin && out.size(1) == all.mu.size(0) &&
                  out.size(2) == all.mu.size(1) && out.stride(2) == 1 &&
                  out.scalar_type() == all.mu.scalar_type(),
              "coefficient_rows_cpu: out must be [T, M, N] with a contiguous last dimension");
  if (out.scalar_type() == torch::kFloat32) {
    fill<float>(rows, all, begin, end, static_cast<float>(tiny), out, row_float);
  } else {
    TORCH_CHECK(out.scalar_type() == torch::kFloat64, "coefficient_rows_cpu: float32 or float64");
    fill<double>(rows, all, begin, end, tiny, out, row_double);
  }
}

}  // namespace infofrag::detail
