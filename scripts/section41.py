#!/usr/bin/env python3
"""The paper's Section 4.1 (Murphy, Dillavou & Bassett 2025) with infofrag: nine synthetic
one- and two-dimensional representations of the same 64 points, every measure between every
pair, and the Spearman correlations between the measures.

The representations (point t = i/64, i = 0..63, each a Gaussian posterior):
  spiral               2-D spiral, sd 0.05
  spiral_wide          the same spiral, sd 0.2
  spiral_growing       the same spiral, sd growing along it from 0.02 to 0.32
  square_spiral        the spiral drawn on squares, sd 0.05
  square_spiral_wide   the same, sd 0.2
  line                 1-D, mean 2t, sd 0.05
  clusters_2           1-D, two soft clusters (first and second half), sd 0.25
  clusters_4           2-D, four soft clusters (quarters) at the corners of a square, sd 0.25
  clusters_4_discrete  1-D, four quasi-discrete clusters (quarters), sd 0.02

The measures (9 x 9 each), from three infofrag commands:
  analyze: fingerprint NMI and VI (bits) between whole spaces
  mc:      Monte Carlo NMI and VI (bits)
  metrics: linear CKA, RBF CKA, CKA of the Bhattacharyya coefficient matrices (similarities),
           the Gaussian stochastic shape distance
Spearman correlations between the measures run over the 36 pairs (upper triangle); a
distance (VI, shape) correlates negatively with a similarity when they agree.

    /usr/bin/python3 scripts/section41.py --infofrag build/infofrag --out runs/section41
writes OUT/section41.h5 (the representations, every measure, the correlations) and
OUT/section41.png.
"""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np
import scipy.stats

N = 64
NAMES = ["spiral", "spiral_wide", "spiral_growing", "square_spiral", "square_spiral_wide",
         "line", "clusters_2", "clusters_4", "clusters_4_discrete"]
MEASURES = [  # (name, file, dataset)
    ("fingerprint NMI", "analysis.h5", "spaces/nmi"),
    ("fingerprint VI", "analysis.h5", "spaces/vi_bits"),
    ("Monte Carlo NMI", "mc.h5", "spaces/nmi"),
    ("Monte Carlo VI", "mc.h5", "spaces/vi_bits"),
    ("linear CKA", "metrics.h5", "spaces/cka_linear_similarity"),
    ("RBF CKA", "metrics.h5", "spaces/cka_rbf_similarity"),
    ("CKA of coefficients", "metrics.h5", "spaces/cka_coefficient_similarity"),
    ("shape distance", "metrics.h5", "spaces/shape_distance"),
]


def representations():
    """name -> (mu [N, d], sd [N, d])."""
    t = np.arange(N) / N
    theta = 3 * np.pi * t
    radius = 0.2 + t
    spiral = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
    square = spiral / np.maximum(np.abs(np.cos(theta)), np.abs(np.sin(theta)))[:, None]
    quarter = np.floor(4 * t).astype(int)
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)

    def sd(value, d=2):
        return np.broadcast_to(np.asarray(value, dtype=float).reshape(-1, 1), (N, d)).copy()

    return {
        "spiral": (spiral, sd(0.05)),
        "spiral_wide": (spiral, sd(0.2)),
        "spiral_growing": (spiral, sd(0.02 + 0.3 * t)),
        "square_spiral": (square, sd(0.05)),
        "square_spiral_wide": (square, sd(0.2)),
        "line": (2 * t[:, None], sd(0.05, 1)),
        "clusters_2": ((t >= 0.5).astype(float)[:, None], sd(0.25, 1)),
        "clusters_4": (corners[quarter], sd(0.25)),
        "clusters_4_discrete": (quarter.astype(float)[:, None], sd(0.02, 1)),
    }


def run(infofrag, *args):
    result = subprocess.run([infofrag, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"section41: infofrag {args[0]} failed:\n{result.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--infofrag", default="infofrag", help="the infofrag command")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--samples", type=int, default=20000, help="Monte Carlo samples")
    parser.add_argument("--no-figure", action="store_true", help="write the HDF5 file only")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = lambda name: os.path.join(args.out, name)  # noqa: E731

    reps = representations()
    with h5py.File(path("embeddings.h5"), "w") as f:
        for k, name in enumerate(NAMES):
            mu, sd = reps[name]
            # Zero-padded member names keep the file's natural order equal to NAMES.
            f[f"members/{k}_{name}/mu"] = mu
            f[f"members/{k}_{name}/logvar"] = 2 * np.log(sd)
    run(args.infofrag, "analyze", "--embeddings", path("embeddings.h5"), "--out",
        path("analysis.h5"), "--dtype", "float64", "--progress", "false")
    run(args.infofrag, "mc", "--embeddings", path("embeddings.h5"), "--out", path("mc.h5"),
        "--samples", str(args.samples), "--device", "cpu", "--progress", "false")
    run(args.infofrag, "metrics", "--embeddings", path("embeddings.h5"), "--out",
        path("metrics.h5"), "--disentanglement", "false", "--channels", "false",
        "--min-points", str(N))

    iu = np.triu_indices(len(NAMES), 1)
    matrices = {}
    for label, file, dataset in MEASURES:
        with h5py.File(path(file), "r") as f:
            matrices[label] = f[dataset][()]
    columns = np.stack([matrices[label][iu] for label, _, _ in MEASURES], axis=1)
    rho = scipy.stats.spearmanr(columns).correlation

    tmp = path("section41.h5.partial")
    with h5py.File(tmp, "w") as f:
        f["representations"] = np.array(NAMES, dtype=h5py.string_dtype())
        for name in NAMES:
            mu, sd = reps[name]
            f[f"posteriors/{name}/mu"] = mu
            f[f"posteriors/{name}/sd"] = sd
        f["measures"] = np.array([m[0] for m in MEASURES], dtype=h5py.string_dtype())
        for label, file, dataset in MEASURES:
            f[f"pairs/{label.replace(' ', '_')}"] = matrices[label]
            f[f"pairs/{label.replace(' ', '_')}"].attrs["source"] = f"{file}:/{dataset}"
        f["spearman"] = rho
        f["spearman"].attrs["over"] = "the 36 pairs of distinct representations"
        f.attrs["points"] = N
        f.attrs["mc_samples"] = args.samples
    os.replace(tmp, path("section41.h5"))

    width = max(len(m[0]) for m in MEASURES)
    print("Spearman correlations between measures over the 36 pairs:")
    print(" " * width + "".join(f"{k:>7d}" for k in range(len(MEASURES))))
    for k, (label, _, _) in enumerate(MEASURES):
        print(f"{label:>{width}}" + "".join(f"{v:7.2f}" for v in rho[k]) + f"   {k}")

    if args.no_figure:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(15, 6.5))
    grid = fig.add_gridspec(3, 6)
    for k, name in enumerate(NAMES):
        ax = fig.add_subplot(grid[k // 3, k % 3])
        mu, sd = reps[name]
        y = mu[:, 1] if mu.shape[1] == 2 else np.zeros(N)
        colors = plt.cm.viridis(np.arange(N) / N)
        for i in range(N):
            ax.add_patch(plt.Circle((mu[i, 0], y[i]), sd[i, 0], color=colors[i], alpha=0.25,
                                    lw=0))
        ax.scatter(mu[:, 0], y, c=colors, s=6)
        ax.set_title(name, fontsize=9)
        ax.set_aspect("equal", "datalim")
        ax.set_xticks([])
        ax.set_yticks([])
    ax = fig.add_subplot(grid[:, 3:])
    image = ax.imshow(rho, cmap="RdBu_r", vmin=-1, vmax=1)
    labels = [m[0] for m in MEASURES]
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{rho[i, j]:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title("Spearman correlation between measures (36 pairs)", fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path("section41.png"), dpi=120)
    print(f"section41: wrote {path('section41.h5')} and {path('section41.png')}")


if __name__ == "__main__":
    main()
