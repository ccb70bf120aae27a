#include "infofrag/info/information.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "infofrag/core/device.hpp"
#include "infofrag/core/progress.hpp"

namespace infofrag {

namespace {

using Clock = std::chrono::steady_clock;

/// On CPU, a tile of coefficient rows is kept about this size: large enough that each
/// tile's log2 covers several rows, small enough to stay in cache (8 MiB measured best at
/// M = 500, N = 1000 among 2, 8, 16 and 32; neutral at M = 200, N = 300).
constexpr int64_t kCpuTileBytes = int64_t{8} << 20;

int64_t tile_rows_for(const ChannelSet& a, const ChannelSet* b, const TileOptions& options) {
  const int64_t n = a.points();
  // Tiles are reduced by multiplying their row sums S_i (each in [1, N]) and taking one
  // log2 of the product, so a tile may hold only as many rows as the dtype's range allows.
  const double max_exponent = a.options().dtype() == torch::kFloat64 ? 1000.0 : 120.0;
  const int64_t range_rows =
      static_cast<int64_t>(max_exponent / std::log2(std::max<double>(static_cast<double>(n), 2)));
  int64_t rows = options.tile_rows;
  if (rows <= 0) {
    const int64_t element_bytes = a.options().dtype().itemsize();
    const int64_t mb = b ? b->size() : a.size();
    const int64_t per_row =
        (a.work_elements_per_row() + (b ? b->work_elements_per_row() : 0) + 2 * a.size() * mb) *
        element_bytes;
    rows = (options.memory_budget_mb << 20) / std::max<int64_t>(per_row, 1);
    if (!a.options().device().is_cuda()) {
      const int64_t coefficient_bytes = (a.size() + (b ? b->size() : 0)) * n * element_bytes;
      rows = std::min(rows, kCpuTileBytes / std::max<int64_t>(coefficient_bytes, 1));
    }
  }
  return std::clamp<int64_t>(std::min(rows, range_rows), 1, n);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Sums log2 of row sums (for I) and of squared row sums (for I′) over the tile's rows.
/// Sums over one tile stay in the working dtype (casting reductions are slow on CPU); the
/// running totals over tiles are float64.
void accumulate_channel_terms(const torch::Tensor& rows, torch::Tensor& info_acc,
                              torch::Tensor* self_acc) {
  info_acc += rows.sum(-1).log2_().sum(0);
  if (self_acc) *self_acc += rows.square().sum(-1).log2_().sum(0);
}

/// −(1/N) Σ_i log2[(1/N) S_i] = log2 N − (1/N) Σ_i log2 S_i.
torch::Tensor finish_bits(const torch::Tensor& log2_sum, int64_t n) {
  return (std::log2(static_cast<double>(n)) - log2_sum / static_cast<double>(n)).cpu();
}

/// The pass shared by pairwise_info (b == nullptr: b is a) and cross_info.
CrossInfo run_pass(const ChannelSet& a, const ChannelSet* b, const TileOptions& options) {
  const int64_t n = a.points();
  TORCH_CHECK(n > 0, "information pass: no fingerprint points");
  TORCH_CHECK(!b || b->points() == n, "cross_info: the two sets have different points");
  const torch::Device device = a.options().device();
  const auto acc_options = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  const int64_t ma = a.size();
  const int64_t mb = b ? b->size() : ma;

  torch::Tensor pair_acc = torch::zeros({ma, mb}, acc_options);
  torch::Tensor info_a = torch::zeros({ma}, acc_options);
  torch::Tensor self_a = torch::zeros({ma}, acc_options);
  torch::Tensor info_b = torch::zeros({mb}, acc_options);
  torch::Tensor self_b = torch::zeros({mb}, acc_options);

  const int64_t tile = tile_rows_for(a, b, options);
  // Reused for every tile: fresh allocations of this size cost as much as the products
  // themselves on CPU.
  torch::Tensor products_buffer = torch::empty({tile, ma, mb}, a.options());
  torch::Tensor rows_a_buffer = torch::empty({tile, ma, n}, a.options());
  torch::Tensor rows_b_buffer = b ? torch::empty({tile, mb, n}, a.options()) : torch::Tensor();
  Progress progress("pairwise information", n, options.progress);
  PassSeconds seconds;
  for (int64_t begin = 0; begin < n; begin += tile) {
    const int64_t end = std::min(begin + tile, n);
    auto start = Clock::now();
    torch::Tensor rows_a = rows_a_buffer.slice(0, 0, end - begin);  // [T, Ma, N]
    a.coefficient_rows(begin, end, rows_a);
    torch::Tensor rows_b = rows_a;  // [T, Mb, N]
    if (b) {
      rows_b = rows_b_buffer.slice(0, 0, end - begin);
      b->coefficient_rows(begin, end, rows_b);
    }
    synchronize(device);
    seconds.fingerprints += seconds_since(start);

    start = Clock::now();
    torch::Tensor products = products_buffer.slice(0, 0, end - begin);  // [T, Ma, Mb]
    torch::bmm_out(products, rows_a, rows_b.transpose(1, 2));
    if (b) {
      accumulate_channel_terms(rows_a, info_a, &self_a);
      accumulate_channel_terms(rows_b, info_b, &self_b);
    } else {
      accumulate_channel_terms(rows_a, info_a, nullptr);
    }
    // Σ_t log2 S_t = log2 Π_t S_t: the tile is sized so the product cannot overflow.
    pair_acc += products.prod(0).log2_();
    synchronize(device);
    seconds.pairwise += seconds_since(start);
    progress.advance(end - begin);
  }

  CrossInfo out;
  out.pair_bits = finish_bits(pair_acc, n);
  // Within one set, I(X;U,U′) is the diagonal of I(X;U,V): the same numbers, so that
  // NMI(U, U) = 1 and VI(U, U) = 0 exactly.
  out.a = {finish_bits(info_a, n), b ? finish_bits(self_a, n) : out.pair_bits.diagonal().clone()};
  out.b = b ? ChannelInfo{finish_bits(info_b, n), finish_bits(self_b, n)} : out.a;
  out.seconds = seconds;
  return out;
}

}  // namespace

PairwiseInfo pairwise_info(const ChannelSet& set, const TileOptions& options) {
  CrossInfo pass = run_pass(set, nullptr, options);
  // The two triangles come from the same products but separate roundings; average them so
  // the result is exactly symmetric.
  torch::Tensor pair_bits = (pass.pair_bits + pass.pair_bits.t()) * 0.5;
  return {pass.a, pair_bits, pass.seconds};
}

CrossInfo cross_info(const ChannelSet& a, const ChannelSet& b, const TileOptions& options) {
  return run_pass(a, &b, options);
}

torch::Tensor info_self_mi_bits(const torch::Tensor& i_u, const torch::Tensor& i_uu) {
  return i_u * 2 - i_uu;
}

torch::Tensor info_shared_bits(const torch::Tensor& i_u, const torch::Tensor& i_v,
                               const torch::Tensor& i_uv) {
  return i_u + i_v - i_uv;
}

torch::Tensor info_vi_bits(const torch::Tensor& i_uv, const torch::Tensor& i_uu,
                           const torch::Tensor& i_vv) {
  return i_uv * 2 - i_uu - i_vv;
}

torch::Tensor info_nmi(const torch::Tensor& shared_bits, const torch::Tensor& h_u,
                       const torch::Tensor& h_v) {
  return shared_bits / (h_u * h_v).sqrt();
}

Similarity similarity(const ChannelInfo& a, const ChannelInfo& b, const torch::Tensor& pair_bits,
                      double nmi_floor_bits) {
  const torch::Tensor h_a = a.self_mi_bits().unsqueeze(1);  // [Ma, 1]
  const torch::Tensor h_b = b.self_mi_bits().unsqueeze(0);  // [1, Mb]
  const torch::Tensor shared =
      info_shared_bits(a.info_bits.unsqueeze(1), b.info_bits.unsqueeze(0), pair_bits);
  // NMI is reported as 0 where either side carries (almost) nothing.
  const torch::Tensor defined = h_a.ge(nmi_floor_bits) & h_b.ge(nmi_floor_bits);
  const torch::Tensor ones = torch::ones_like(shared);
  Similarity out;
  out.nmi = torch::where(
      defined, info_nmi(shared, torch::where(defined, h_a, ones), torch::where(defined, h_b, ones)),
      torch::zeros_like(shared));
  out.vi_bits =
      info_vi_bits(pair_bits, a.self_pair_bits.unsqueeze(1), b.self_pair_bits.unsqueeze(0));
  return out;
}

torch::Tensor info_bits_from_distances(const torch::Tensor& distances) {
  const int64_t n = distances.size(-1);
  const torch::Tensor log_mean =
      torch::logsumexp(-distances.to(torch::kFloat64), -1) - std::log(static_cast<double>(n));
  return -log_mean.mean(-1) / std::log(2.0);
}

}  // namespace infofrag
