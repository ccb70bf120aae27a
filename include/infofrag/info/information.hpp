#pragma once

#include <torch/torch.h>

#include "infofrag/info/channel_set.hpp"

namespace infofrag {

/// How the O(M²N²) pass over fingerprint rows is tiled.
struct TileOptions {
  /// Working memory for one tile of rows, in MiB; the tile size is derived from it.
  int64_t memory_budget_mb = 1024;
  /// Rows per tile; 0 derives it from the budget (and, on CPU, from the cache size). Never
  /// more than the dtype's range allows (about 120/log2 N rows in float32).
  int64_t tile_rows = 0;
  /// Show a progress bar with ETA on stderr when the pass takes more than a few seconds.
  bool progress = true;
};

/// Wall time spent in the two halves of the pass (synchronized on CUDA).
struct PassSeconds {
  double fingerprints = 0;  ///< computing BC rows
  double pairwise = 0;      ///< batched matrix products, logs, sums
};

/// Single-channel terms, float64 [M], in bits (Kolchinsky & Tracey 2017 pairwise bound):
///   info_bits      I(X;U)    = −(1/N) Σ_i log2[(1/N) Σ_j BC_ij]
///   self_pair_bits I(X;U,U′) = −(1/N) Σ_i log2[(1/N) Σ_j BC_ij²]  (the channel read twice)
/// The terms of the generalized NMI and VI (Murphy, Dillavou & Bassett 2025) from the
/// pairwise-bound estimates I_U = I(X;U), I_UU′ = I(X;U,U′), I_UV = I(X;U,V), in bits,
/// elementwise with broadcasting and differentiable (fusion optimizes them). The one place
/// where these formulas live; `similarity` and fusion both use them.
/// 2 I_U − I_UU′: the information shared by two reads of U, which plays the role of H(U) in
/// NMI and equals the partition entropy for hard clusterings. It lies in [0, I_U].
torch::Tensor info_self_mi_bits(const torch::Tensor& i_u, const torch::Tensor& i_uu);
/// I(U;V) = I_U + I_V − I_UV.
torch::Tensor info_shared_bits(const torch::Tensor& i_u, const torch::Tensor& i_v,
                               const torch::Tensor& i_uv);
/// VI(U,V) = 2 I_UV − I_UU′ − I_VV′.
torch::Tensor info_vi_bits(const torch::Tensor& i_uv, const torch::Tensor& i_uu,
                           const torch::Tensor& i_vv);
/// NMI(U,V) = I(U;V) / sqrt(h_U h_V) with h = `info_self_mi_bits` (no floor: callers choose).
torch::Tensor info_nmi(const torch::Tensor& shared_bits, const torch::Tensor& h_u,
                       const torch::Tensor& h_v);

struct ChannelInfo {
  torch::Tensor info_bits;
  torch::Tensor self_pair_bits;

  /// `info_self_mi_bits` of each channel.
  torch::Tensor self_mi_bits() const { return info_self_mi_bits(info_bits, self_pair_bits); }
};

/// All pairs within one set: pair_bits[u, v] = I(X;U,V) = −(1/N) Σ_i log2[(1/N) Σ_j
/// BC_U,ij BC_V,ij], float64 [M, M], symmetric, with diagonal I(X;U,U′).
struct PairwiseInfo {
  ChannelInfo channels;
  torch::Tensor pair_bits;
  PassSeconds seconds;
};

/// All pairs between two sets: pair_bits float64 [Ma, Mb].
struct CrossInfo {
  ChannelInfo a;
  ChannelInfo b;
  torch::Tensor pair_bits;
  PassSeconds seconds;
};

/// One pass over the fingerprint rows. For row i, Σ_j BC_U[i,j] BC_V[i,j] over all (U, V) is
/// B_i B_iᵀ with B_i the [M, N] matrix of every channel's row i, so the M×M result is a
/// batch of N matrix products, done a tile of rows at a time (never M·N² memory). Sums of
/// logarithms accumulate in float64 whatever the set's dtype.
PairwiseInfo pairwise_info(const ChannelSet& set, const TileOptions& options = {});

/// As `pairwise_info`, between the channels of `a` and those of `b` (same points).
CrossInfo cross_info(const ChannelSet& a, const ChannelSet& b, const TileOptions& options = {});

/// Generalized NMI and VI (Murphy, Dillavou & Bassett 2025), float64 [Ma, Mb]:
///   NMI(U,V) = (I_U + I_V − I_UV) / sqrt((2I_U − I_UU′)(2I_V − I_VV′))
///   VI(U,V)  = 2 I_UV − I_UU′ − I_VV′   (bits)
/// NMI is undefined when either channel carries (almost) nothing: where 2I − I′ of either
/// side is below `nmi_floor_bits`, NMI is reported as 0. VI is always defined. Neither is
/// clipped, so rounding can show as values a hair outside [0, 1] or below 0.
struct Similarity {
  torch::Tensor nmi;
  torch::Tensor vi_bits;
};
Similarity similarity(const ChannelInfo& a, const ChannelInfo& b, const torch::Tensor& pair_bits,
                      double nmi_floor_bits);

/// I(X;U) straight from distance matrices D [..., N, N]; returns float64 [...]. Uses
/// logsumexp, so it is also the reference for the tiled pass.
torch::Tensor info_bits_from_distances(const torch::Tensor& distances);

}  // namespace infofrag
