"""The baseline for scripts/bench_analyze.sh: the analysis done one pair at a time in NumPy,
the way the paper's code does it (a distance matrix per channel, then, for every pair in the
upper triangle, exp(-(D_u + D_v)), row means, log2, mean). Times the computation only, in
one process (no start-up, no file reading). With --max-pairs, times that many pairs chosen at
random and extrapolates to all M(M+1)/2 pairs (the per-pair cost is the same for every pair);
the output says so.

    /usr/bin/python3 tests/bench/numpy_per_pair.py E.h5 [--max-pairs P]
"""
import argparse
import time

import h5py
import numpy as np


def distance_matrix(mu, logvar):
    var = np.exp(logvar)
    s = var[:, None] + var[None, :]
    return 0.25 * (mu[:, None] - mu[None, :]) ** 2 / s + 0.5 * np.log(
        s / (2 * np.sqrt(var[:, None] * var[None, :])))


def info(bc):
    return -np.mean(np.log2(np.mean(bc, axis=-1)), axis=-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("embeddings")
    parser.add_argument("--max-pairs", type=int, default=0)
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    with h5py.File(args.embeddings, "r") as f:
        ids = list(f["members"])
        mu = np.concatenate([f[f"members/{i}/mu"][()] for i in ids], axis=1).astype(args.dtype)
        lv = np.concatenate([f[f"members/{i}/logvar"][()] for i in ids], axis=1).astype(args.dtype)
    n, m = mu.shape
    pairs = [(u, v) for u in range(m) for v in range(u, m)]
    rng = np.random.default_rng(0)
    timed = pairs
    if args.max_pairs and args.max_pairs < len(pairs):
        timed = [pairs[k] for k in rng.choice(len(pairs), args.max_pairs, replace=False)]
    needed = sorted({c for pair in timed for c in pair})

    start = time.perf_counter()
    distances = {c: distance_matrix(mu[:, c], lv[:, c]) for c in needed}
    singles = {c: (info(np.exp(-distances[c])), info(np.exp(-2 * distances[c]))) for c in needed}
    fingerprint_s = (time.perf_counter() - start) * m / len(needed)

    np.seterr(all="ignore")  # NMI of channels without information is 0/0, as in the paper's code
    start = time.perf_counter()
    for u, v in timed:
        i_u, i_uu = singles[u]
        i_v, i_vv = singles[v]
        i_uv = info(np.exp(-(distances[u] + distances[v])))
        nmi = (i_u + i_v - i_uv) / np.sqrt((2 * i_u - i_uu) * (2 * i_v - i_vv))
        vi = 2 * i_uv - i_uu - i_vv
    pairs_s = (time.perf_counter() - start) * len(pairs) / len(timed)
    print(f"numpy M={m} N={n} dtype={args.dtype} pairs={len(pairs)} timed_pairs={len(timed)} "
          f"extrapolated={'yes' if len(timed) < len(pairs) else 'no'} "
          f"fingerprint_s={fingerprint_s:.3f} pairs_s={pairs_s:.3f} "
          f"total_s={fingerprint_s + pairs_s:.3f}")


if __name__ == "__main__":
    main()
