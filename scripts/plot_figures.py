"""Figures from infofrag's HDF5 files, and nothing else: the paper's structure figure
(reachability profile above, NMI with each factor at the side, the channel-by-channel matrix
reordered by OPTICS with the hotspots marked), the hotspots per swept value, the latent
traversals of the hotspot medoids, and the training curves.

    /usr/bin/python3 scripts/plot_figures.py --analysis A.h5 [--traversals T.h5]
        [--ensemble DIR] [--matrix nmi|exp-vi] --out FIGURES_DIR

Needs numpy, h5py and matplotlib (Debian: python3-numpy python3-h5py python3-matplotlib).
scripts/figures.ipynb draws the same figures with these functions.
"""
import argparse
import glob
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

NOISE_COLOR = "0.75"


def hotspot_colors(count):
    cmap = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(count)]


def structure_figure(analysis_path, matrix="nmi"):
    """The paper's structure figure for one analysis file with /hotspots."""
    with h5py.File(analysis_path, "r") as f:
        if "hotspots" not in f:
            raise SystemExit(f"{analysis_path}: no /hotspots; run infofrag hotspots first")
        order = f["hotspots/ordering"][()]
        reach = f["hotspots/reachability"][()]
        label = f["hotspots/label"][()]
        if matrix == "nmi":
            values = f["similarity/nmi"][()]
            title = "NMI"
        else:
            values = np.exp(-np.clip(f["similarity/vi_bits"][()], 0, None))
            title = "exp(−VI)"
        factors = f["labels/factor_names"].asstr()[()] if "labels/nmi" in f else []
        label_nmi = f["labels/nmi"][()] if "labels/nmi" in f else None
        count = int(f["hotspots"].attrs["count"])
    colors = hotspot_colors(count)
    k = len(order)
    fig = plt.figure(figsize=(8.5, 8.5))
    grid = fig.add_gridspec(2, 2, width_ratios=[6, max(1, len(factors)) * 0.45],
                            height_ratios=[1.6, 6], wspace=0.05, hspace=0.05)
    top = fig.add_subplot(grid[0, 0])
    finite = np.where(np.isfinite(reach), reach, np.nan)
    ceiling = np.nanmax(finite) * 1.05 if np.isfinite(np.nanmax(finite)) else 1.0
    bar_colors = [colors[label[c]] if label[c] >= 0 else NOISE_COLOR for c in order]
    top.bar(np.arange(k), np.where(np.isfinite(reach), reach, ceiling), width=1.0,
            color=bar_colors)
    top.set_xlim(-0.5, k - 0.5)
    top.set_ylabel("reachability")
    top.set_xticks([])
    top.set_title(f"{os.path.basename(analysis_path)}: {count} hotspots over {k} channels")

    main = fig.add_subplot(grid[1, 0])
    main.imshow(values[np.ix_(order, order)], cmap="viridis", vmin=0, vmax=1,
                interpolation="nearest", aspect="auto")
    for h in range(count):
        at = np.where(label[order] == h)[0]
        if len(at):
            main.add_patch(plt.Rectangle((at.min() - 0.5, at.min() - 0.5), at.max() - at.min() + 1,
                                         at.max() - at.min() + 1, fill=False,
                                         edgecolor=colors[h], linewidth=2))
    main.set_xlabel(f"channels in OPTICS order ({title})")
    main.set_ylabel("channels")
    if label_nmi is not None:
        side = fig.add_subplot(grid[1, 1], sharey=main)
        side.imshow(label_nmi[order], cmap="magma", vmin=0, vmax=1, interpolation="nearest",
                    aspect="auto")
        side.set_xticks(range(len(factors)))
        side.set_xticklabels(factors, rotation=90)
        side.tick_params(labelleft=False)
        side.set_title("NMI with\nfactors", fontsize=9)
    return fig


def sweep_figure(analysis_path):
    """Number and size of hotspots per value of the swept hyperparameter, if recorded."""
    with h5py.File(analysis_path, "r") as f:
        if "hotspots/sweep/values" not in f:
            return None
        attr = f["hotspots/sweep"].attrs["attribute"]
        values = f["hotspots/sweep/values"][()]
        count = f["hotspots/sweep/count"][()]
        size = f["hotspots/sweep/mean_size"][()]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(values, count, "o-", label="hotspots")
    ax.plot(values, size, "s--", label="mean channels per hotspot")
    ax.set_xlabel(str(attr))
    ax.legend()
    ax.set_title("hotspots per swept value")
    return fig


def traversal_figure(traversals_path):
    """A row per hotspot medoid: its decoded traversal."""
    with h5py.File(traversals_path, "r") as f:
        if "traversals/decoded" not in f:
            return None
        decoded = f["traversals/decoded"][()]
        members = f["traversals/member"].asstr()[()]
        dims = f["traversals/dim"][()]
    rows, steps = decoded.shape[:2]
    if decoded.ndim == 5:  # images [H, S, C, h, w]
        fig, axes = plt.subplots(rows, steps, figsize=(steps * 0.9, rows * 0.95 + 0.4),
                                 squeeze=False)
        for r in range(rows):
            for s in range(steps):
                image = decoded[r, s]
                ax = axes[r, s]
                if image.shape[0] == 1:
                    ax.imshow(image[0], cmap="gray", vmin=0, vmax=1)
                else:
                    ax.imshow(np.clip(image.transpose(1, 2, 0), 0, 1))
                ax.set_xticks([])
                ax.set_yticks([])
            axes[r, 0].set_ylabel(f"{r}: {members[r]}/{dims[r]}", rotation=0, ha="right",
                                  fontsize=7)
    else:  # vectors [H, S, D]: each traversal as a path through the first two coordinates
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        for r in range(rows):
            ax.plot(decoded[r, :, 0], decoded[r, :, -1], "o-",
                    label=f"{r}: {members[r]}/{dims[r]}")
        ax.legend(fontsize=7)
        ax.set_aspect("equal")
    fig.suptitle("latent traversals of the hotspot medoids")
    return fig


def curves_figure(ensemble_dir):
    """Reconstruction and KL over training, one line per member, coloured by beta."""
    paths = sorted(glob.glob(os.path.join(ensemble_dir, "members", "*.h5")))
    if not paths:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    betas = []
    for path in paths:
        with h5py.File(path, "r") as f:
            betas.append(float(f.attrs["beta"]))
    cmap = plt.get_cmap("viridis")
    span = (min(betas), max(betas))
    for path, beta in zip(paths, betas):
        with h5py.File(path, "r") as f:
            if "curves/step" not in f:
                continue
            color = cmap(0.5 if span[0] == span[1] else (beta - span[0]) / (span[1] - span[0]))
            left.plot(f["curves/step"][()], f["curves/recon"][()], color=color, lw=1)
            right.plot(f["curves/step"][()], f["curves/kl"][()], color=color, lw=1)
    left.set_title("reconstruction (nats)")
    right.set_title("KL (nats)")
    for ax in (left, right):
        ax.set_xlabel("step")
    fig.suptitle(f"training curves, {len(paths)} members (colour: beta {span[0]:g}–{span[1]:g})",
                 y=1.04)
    return fig


def write_all(analysis, out, traversals=None, ensemble=None, matrix="nmi"):
    """Writes every figure the inputs allow into `out`; returns the paths written."""
    os.makedirs(out, exist_ok=True)
    figures = {"structure.png": structure_figure(analysis, matrix),
               "sweep.png": sweep_figure(analysis)}
    if traversals:
        figures["traversals.png"] = traversal_figure(traversals)
    if ensemble:
        figures["curves.png"] = curves_figure(ensemble)
    written = []
    for name, fig in figures.items():
        if fig is None:
            continue
        path = os.path.join(out, name)
        fig.savefig(path + ".partial.png", dpi=110, bbox_inches="tight")
        os.replace(path + ".partial.png", path)  # never a half-written figure
        plt.close(fig)
        written.append(path)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analysis", required=True, help="analysis file with /hotspots")
    parser.add_argument("--traversals", help="traversals file from infofrag traverse")
    parser.add_argument("--ensemble", help="ensemble folder (training curves)")
    parser.add_argument("--matrix", choices=["nmi", "exp-vi"], default="nmi")
    parser.add_argument("--out", required=True, help="folder for the PNG figures")
    args = parser.parse_args()
    for path in write_all(args.analysis, args.out, args.traversals, args.ensemble, args.matrix):
        print(path)


if __name__ == "__main__":
    main()
