#!/usr/bin/env python3
"""The measures, subsets, table and figures of the SO(2) fusion experiment
(scripts/so2_fusion.sh; Murphy, Dillavou & Bassett, Sec. 4.4).

    so2_analysis.py subsets EMBEDDINGS.h5 SIZES REPEATS      # lines "size repeat id,id,..."
    so2_analysis.py analyze OUT --steps N --fuse-steps S     # OUT/so2.h5, the table, figures

Subsets: the M learners in seed order are cut into `repeats` blocks of B = M // repeats;
repeat r fuses learners [r·B, r·B + size), so no two repeats share a learner as long as
size <= B (the paper's notebook slices [r·50, r·50 + size) of 250). A larger size (up to M)
runs on around the pool, (r·B + j) mod M, and then repeats share learners: an adaptation to
fewer learners, reported by `subsets`.

Two measures of how well a fused 2-D representation of the 200 ordered angles θ_i draws the
circle, both from Bhattacharyya distances D between the fused posteriors:
  continuity  = max_i D(θ_i, θ_i+1) / 90th percentile of those N − 1 distances, without the
                wrap-around pair (θ_N−1, θ_0), as the paper reports it (below 3: continuous);
                `continuity_wrap` adds that pair (a single learner's cut may lie anywhere).
  neighbours  = the fraction of points whose two angular neighbours θ_i±1 (around the closed
                circle) are both among their k = 2 nearest points in the fused space. 1 for a
                circle drawn in order; a staircase (points piled into steps, order lost within
                a step) scores low however even its steps, although its ratio is ~1.
Run with Debian's /usr/bin/python3 (numpy, h5py, matplotlib).
"""
import argparse
import os
import re
import sys

import numpy as np

SIMILARITIES = ["info", "vi", "nmi"]


def bhattacharyya_distances(mu, logvar):
    """Bhattacharyya distances [N, N] between diagonal Gaussians; mu, logvar [N, D]. Per
    dimension (μ_i − μ_j)² / (4(σ_i² + σ_j²)) + ½ ln[(σ_i² + σ_j²) / (2σ_iσ_j)], summed."""
    mu, logvar = np.asarray(mu, float), np.asarray(logvar, float)
    s = np.logaddexp(logvar[:, None, :], logvar[None, :, :])  # ln(σ_i² + σ_j²)
    d = (mu[:, None, :] - mu[None, :, :]) ** 2 * np.exp(-s) / 4
    return (d + 0.5 * (s - np.log(2) - (logvar[:, None, :] + logvar[None, :, :]) / 2)).sum(-1)


def continuity(distances, wrap):
    """Largest distance between angular neighbours over its 90th percentile (points in
    angular order); with wrap, the pair (last, first) counts too."""
    n = len(distances)
    steps = distances[np.arange(n - 1), np.arange(1, n)]
    if wrap:
        steps = np.append(steps, distances[n - 1, 0])
    return steps.max() / np.percentile(steps, 90)


def neighbour_fraction(distances, k=2):
    """Fraction of points (in angular order, closed circle) whose two angular neighbours are
    both among their k nearest other points by `distances`. Ties are broken by index."""
    n = len(distances)
    d = np.array(distances, float)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
    i = np.arange(n)
    prev_in = (nearest == ((i - 1) % n)[:, None]).any(1)
    next_in = (nearest == ((i + 1) % n)[:, None]).any(1)
    return float(np.mean(prev_in & next_in))


def natural_key(text):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def subsets(ids, sizes, repeats):
    """[(size, repeat, [ids])]: repeat r fuses learners (in seed order) r·B, ..., r·B + size − 1
    modulo M = len(ids), B = M // repeats: disjoint blocks while size <= B. Sizes above M are
    left out."""
    ids = sorted(ids, key=natural_key)
    block = len(ids) // repeats
    out = []
    for size in sizes:
        if size > len(ids) or block == 0:
            continue
        for r in range(repeats):
            out.append((size, r, [ids[(r * block + j) % len(ids)] for j in range(size)]))
    return out


def spread(values):
    """Median and interquartile range of finite values: (median, q25, q75)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return (np.nan, np.nan, np.nan)
    return (np.median(v), np.percentile(v, 25), np.percentile(v, 75))


def draw_ellipses(ax, mu, logvar, theta):
    """Each fused posterior as its 1-σ ellipse (axis-aligned: diagonal Gaussians), coloured by
    angle, over the path of the means in angular order."""
    from matplotlib.collections import EllipseCollection
    import matplotlib.pyplot as plt
    sd = np.exp(0.5 * logvar)
    ax.plot(mu[:, 0], mu[:, 1], color="0.7", lw=0.4, zorder=1)
    ellipses = EllipseCollection(2 * sd[:, 0], 2 * sd[:, 1], np.zeros(len(mu)), units="xy",
                                 offsets=mu, offset_transform=ax.transData,
                                 facecolors=plt.cm.hsv(theta), alpha=0.25, lw=0, zorder=2)
    ax.add_collection(ellipses)
    ax.scatter(mu[:, 0], mu[:, 1], c=theta, cmap="hsv", s=3, zorder=3)
    # The view frames the means; far broader posteriors run off it as shaded bands.
    lo, hi = mu.min(0), mu.max(0)
    centre, half = (lo + hi) / 2, 0.6 * max((hi - lo).max(), 1e-9)
    ax.set_xlim(centre[0] - half, centre[0] + half)
    ax.set_ylim(centre[1] - half, centre[1] + half)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def command_subsets(args):
    import h5py
    with h5py.File(args.embeddings, "r") as f:
        ids = list(f["members"].keys())
    sizes = [int(s) for s in args.sizes.split(",")]
    chosen = subsets(ids, sizes, args.repeats)
    block = len(ids) // args.repeats
    dropped = sorted({s for s in sizes} - {s for s, _, _ in chosen})
    shared = sorted({s for s, _, _ in chosen if s > block})
    if dropped or shared:
        print(f"so2_analysis.py: {len(ids)} learners in {args.repeats} blocks of {block}: "
              + (f"sizes {dropped} left out; " if dropped else "")
              + (f"repeats of sizes {shared} share learners" if shared else ""),
              file=sys.stderr)
    for size, r, members in chosen:
        print(size, r, ",".join(members))


def command_analyze(args):
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = args.out
    rows = [line.split() for line in open(os.path.join(out, "subsets.txt"))]
    sizes = sorted({int(r[0]) for r in rows})
    repeats = max(int(r[1]) for r in rows) + 1
    shape = (len(SIMILARITIES), len(sizes), repeats)
    cont, cont_wrap, neigh = (np.full(shape, np.nan) for _ in range(3))
    member_nmi, info_bits, angle_nmi = (np.full(shape, np.nan) for _ in range(3))
    fused = {}
    for a, sim in enumerate(SIMILARITIES):
        for b, size in enumerate(sizes):
            for r in range(repeats):
                with h5py.File(os.path.join(out, "fused", f"{sim}_{size}_{r}.h5"), "r") as f:
                    mu, lv = f["members/fused/mu"][()], f["members/fused/logvar"][()]
                    member_nmi[a, b, r] = f["fusion/member_nmi"][()].mean()
                    info_bits[a, b, r] = f["fusion/info_bits"][0]
                    if "fusion/factor_nmi" in f:
                        angle_nmi[a, b, r] = f["fusion/factor_nmi"][0]
                d = bhattacharyya_distances(mu, lv)
                cont[a, b, r] = continuity(d, wrap=False)
                cont_wrap[a, b, r] = continuity(d, wrap=True)
                neigh[a, b, r] = neighbour_fraction(d, args.k)
                if r == 0:
                    fused[sim, size] = (mu, lv)

    # The learners themselves: a 1-D representation of the circle must cut it somewhere.
    with h5py.File(os.path.join(out, "embeddings.h5"), "r") as f:
        ids = sorted(f["members"].keys(), key=natural_key)
        learner_mu = np.stack([f[f"members/{i}/mu"][()][:, 0] for i in ids])
        learner_lv = np.stack([f[f"members/{i}/logvar"][()][:, 0] for i in ids])
    single_wrap, single_neigh = [], []
    for mu, lv in zip(learner_mu, learner_lv):
        d = bhattacharyya_distances(mu[:, None], lv[:, None])
        single_wrap.append(continuity(d, wrap=True))
        single_neigh.append(neighbour_fraction(d, args.k))
    single_wrap, single_neigh = np.array(single_wrap), np.array(single_neigh)
    largest_logvar = learner_lv.max(1)

    partial = os.path.join(out, "so2.h5.partial")
    with h5py.File(partial, "w") as f:
        f["sizes"] = np.array(sizes, dtype=np.int64)
        f["similarities"] = np.array(SIMILARITIES, dtype=h5py.string_dtype())
        f["continuity"] = cont
        f["continuity_wrap"] = cont_wrap
        f["neighbours"] = neigh
        f["member_nmi_mean"] = member_nmi
        f["info_bits"] = info_bits
        f["angle_nmi"] = angle_nmi
        f["subsets"] = np.array([" ".join(r) for r in rows], dtype=h5py.string_dtype())
        f["learners/member"] = np.array(ids, dtype=h5py.string_dtype())
        f["learners/continuity_wrap"] = single_wrap
        f["learners/neighbours"] = single_neigh
        f["learners/largest_logvar"] = largest_logvar
        for key, value in dict(
                training_steps=args.steps, learners=len(ids), fuse_steps=args.fuse_steps,
                repeats=repeats, points=len(learner_mu[0]), dims=2, threshold=3.0, k=args.k,
                layout="[similarity, size, repeat]",
                subsets="disjoint blocks of learners // repeats; repeat r: block r's first size",
                continuity="max neighbour Bhattacharyya distance / its 90th percentile, without "
                           "the wrap-around pair; continuity_wrap with it",
                neighbours="fraction of points whose two angular neighbours are among their k "
                           "nearest in the fused space").items():
            f.attrs[key] = value
    os.replace(partial, os.path.join(out, "so2.h5"))

    def cell(values, fmt):
        m, lo, hi = spread(values)
        return f"{m:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"

    print(f"\nSO(2) fusion: {len(ids)} learners x {args.steps} steps, 200 angles, {repeats} "
          f"blocks of {len(ids) // repeats}, fused into 2-D by {args.fuse_steps} Adam steps")
    print(f"single learners: largest logvar at the cut median {np.median(largest_logvar):.2f} "
          f"[{largest_logvar.min():.2f}, {largest_logvar.max():.2f}]; continuity (with wrap) "
          f"median {np.median(single_wrap):.0f} [{single_wrap.min():.0f}, "
          f"{single_wrap.max():.0f}]; neighbours median {np.median(single_neigh):.3f}")
    print("median [25th, 75th percentile] over repeats")
    print(f"{'similarity':<10} {'size':>4}  {'continuity':>22}  {'neighbours (k=' + str(args.k) + ')':>22}"
          f"  {'with wrap':>22} {'<3':>5} {'mean NMI':>8} {'I bits':>6}")
    for a, sim in enumerate(SIMILARITIES):
        for b, size in enumerate(sizes):
            print(f"{sim:<10} {size:>4}  {cell(cont[a, b], '6.2f'):>22}  "
                  f"{cell(neigh[a, b], '5.3f'):>22}  {cell(cont_wrap[a, b], '6.2f'):>22} "
                  f"{np.sum(cont[a, b] < 3):>2}/{repeats:<2} {np.mean(member_nmi[a, b]):>8.3f} "
                  f"{np.mean(info_bits[a, b]):>6.2f}")

    # Both measures against ensemble size: median with the interquartile range.
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, data, title in zip(axes, [cont, neigh],
                               ["continuity (no wrap-around)", f"neighbours (k = {args.k})"]):
        for a, sim in enumerate(SIMILARITIES):
            stats = np.array([spread(data[a, b]) for b in range(len(sizes))])
            x = np.array(sizes) * 1.07 ** (a - 1)
            ax.errorbar(x, stats[:, 0], yerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
                        marker="dos"[a], lw=2, capsize=3, label=sim)
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels(sizes)
        ax.set_xlabel("ensemble size")
        ax.set_title(title)
    axes[0].axhline(3, color="gray", ls="--", lw=1)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("median, interquartile range")
    axes[1].set_ylim(-0.02, 1.02)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "so2_continuity.png"), dpi=120)
    plt.close(fig)

    theta = np.arange(len(learner_mu[0])) / len(learner_mu[0])
    fig, axes = plt.subplots(len(SIMILARITIES), len(sizes),
                             figsize=(2.2 * len(sizes), 2.3 * len(SIMILARITIES)), squeeze=False)
    for a, sim in enumerate(SIMILARITIES):
        for b, size in enumerate(sizes):
            mu, lv = fused[sim, size]
            draw_ellipses(axes[a, b], mu, lv, theta)
            axes[a, b].set_title(f"{sim}, {size}: {cont[a, b, 0]:.1f}, {neigh[a, b, 0]:.2f}",
                                 fontsize=8)
    fig.suptitle("fused posteriors, repeat 0 (1-σ ellipses, colour = angle)\n"
                 "title: similarity, size: continuity, neighbours", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "so2_fused.png"), dpi=100)
    plt.close(fig)

    # A few learners: posterior mean ± σ against the angle; the cut is where the mean jumps.
    show = min(6, len(ids))
    fig, axes = plt.subplots(1, show, figsize=(2.4 * show, 2.4), squeeze=False)
    angle = 2 * np.pi * theta
    for j in range(show):
        ax = axes[0, j]
        mu, sd = learner_mu[j], np.exp(0.5 * learner_lv[j])
        ax.fill_between(angle, mu - sd, mu + sd, color="C0", alpha=0.3, lw=0)
        ax.plot(angle, mu, color="C0", lw=1)
        ax.set_title(f"{ids[j]}\nmax logvar {largest_logvar[j]:.2f}", fontsize=7)
        ax.set_xlabel("angle")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "so2_learners.png"), dpi=100)
    plt.close(fig)
    print(f"\n{out}/so2.h5, {out}/so2_continuity.png, {out}/so2_fused.png, "
          f"{out}/so2_learners.png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("subsets", help="the disjoint blocks of learners each repeat fuses")
    s.add_argument("embeddings")
    s.add_argument("sizes")
    s.add_argument("repeats", type=int)
    a = sub.add_parser("analyze", help="both measures, so2.h5, the table and the figures")
    a.add_argument("out")
    a.add_argument("--steps", type=int, required=True, help="training steps of the learners")
    a.add_argument("--fuse-steps", type=int, required=True)
    a.add_argument("--k", type=int, default=2, help="nearest neighbours for the neighbour measure")
    args = parser.parse_args(argv)
    {"subsets": command_subsets, "analyze": command_analyze}[args.command](args)


if __name__ == "__main__":
    main()
