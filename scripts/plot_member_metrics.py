#!/usr/bin/env python3
"""Each member's disentanglement scores beside its hotspot membership: which fragments do the
high-MIG members hold?

    /usr/bin/python3 scripts/plot_member_metrics.py --analysis A.h5 --metrics M.h5 --out F.png

A.h5 is an analysis file with /hotspots (infofrag analyze, then infofrag hotspots); M.h5 the
metrics file of the same embeddings (infofrag metrics). Rows are members, ordered by MIG
(highest first): at the left, how many of each member's channels fall in each hotspot
(/hotspots/member_counts; columns labelled with the hotspot's best factor); at the right,
the member's scores (MIG, SAP, modularity, explicitness, DCI disentanglement, UDR), each
column scaled to its own range. Members are matched by id; ones that a file lacks are left
out. Also prints, per hotspot, the mean MIG of the members that hold it and of those that do
not.
"""
import argparse
import sys

import h5py
import numpy as np

SCORES = [("MIG", "disentanglement/mig"), ("SAP", "disentanglement/sap"),
          ("modularity", "disentanglement/modularity"),
          ("explicitness", "disentanglement/explicitness_test"),
          ("DCI D", "disentanglement/dci_disentanglement"), ("UDR", "udr/score")]


def strings(dataset):
    return [s.decode() if isinstance(s, bytes) else s for s in dataset[()]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analysis", required=True, help="analysis file with /hotspots")
    parser.add_argument("--metrics", required=True, help="metrics file (infofrag metrics)")
    parser.add_argument("--out", required=True, help="PNG file")
    args = parser.parse_args()

    with h5py.File(args.analysis, "r") as a:
        if "hotspots/member_counts" not in a:
            sys.exit(f"{args.analysis}: no /hotspots/member_counts (run infofrag hotspots first)")
        members = strings(a["members/id"])
        counts = a["hotspots/member_counts"][()]
        best = strings(a["hotspots/table/best_factor"]) if "hotspots/table/best_factor" in a \
            else [""] * counts.shape[1]
    with h5py.File(args.metrics, "r") as m:
        if "disentanglement/mig" not in m:
            sys.exit(f"{args.metrics}: no /disentanglement/mig (metrics ran with "
                     "--disentanglement false, or without labels)")
        metric_members = strings(m["members"])
        scores = {name: m[path][()] for name, path in SCORES if path in m}
    at = {name: k for k, name in enumerate(metric_members)}
    rows = [k for k, name in enumerate(members) if name in at]
    if not rows:
        sys.exit(f"{args.analysis} and {args.metrics} share no member id")
    counts = counts[rows]
    names = [members[k] for k in rows]
    table = np.stack([scores[n][[at[x] for x in names]] for n, _ in SCORES if n in scores], 1)
    labels = [n for n, _ in SCORES if n in scores]
    order = np.argsort(-table[:, 0], kind="stable")  # by MIG
    counts, table, names = counts[order], table[order], [names[i] for i in order]

    mig = table[:, 0]
    print("hotspot  best factor      members  mean MIG holding / not")
    for h in range(counts.shape[1]):
        holds = counts[:, h] > 0
        inside = mig[holds].mean() if holds.any() else np.nan
        outside = mig[~holds].mean() if (~holds).any() else np.nan
        print(f"{h:7d}  {best[h]:<15s} {holds.sum():7d}  {inside:8.3f} / {outside:.3f}")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(3.0, 0.22 * len(names) + 1.5)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(4 + 0.45 * counts.shape[1] + 0.6 * len(labels), height),
        gridspec_kw={"width_ratios": [max(counts.shape[1], 1), len(labels)]})
    left.imshow(counts, aspect="auto", cmap="Greys", vmin=0)
    left.set_xticks(range(counts.shape[1]), [f"{h} {best[h]}" for h in range(counts.shape[1])],
                    rotation=60, ha="right", fontsize=7)
    left.set_yticks(range(len(names)), names, fontsize=7)
    left.set_title("channels in each hotspot", fontsize=9)
    span = np.nanmax(table, 0) - np.nanmin(table, 0)
    scaled = (table - np.nanmin(table, 0)) / np.where(span > 0, span, 1)
    right.imshow(scaled, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            right.text(j, i, f"{table[i, j]:.2f}", ha="center", va="center", fontsize=6,
                       color="w" if scaled[i, j] < 0.5 else "k")
    right.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
    right.set_yticks([])
    right.set_title("scores (members by MIG)", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out, dpi=130)
    print(f"plot_member_metrics: wrote {args.out}")


if __name__ == "__main__":
    main()
