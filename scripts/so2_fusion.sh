#!/usr/bin/env bash
# The paper's SO(2) fusion experiment (Murphy, Dillavou & Bassett, Sec. 4.4): weak learners
# (1-D beta-VAEs on the unit circle, configs/circle_weak_learners.ini), each unable to
# represent the circle without a cut, fused into 2 dimensions by `infofrag fuse` with each
# similarity (info, vi, nmi), for ensembles of 2 to 50 members drawn at random from the 50.
# The fused circle is continuous when no two neighbouring angles lie far apart in it:
#   continuity = max_i D(θ_i, θ_i+1) / (90th percentile of those neighbour distances),
# with D the Bhattacharyya distance in the fused space, without and with the wrap-around
# pair (θ_N-1, θ_0). Below 3 counts as continuous.
#
#   scripts/so2_fusion.sh [OUT]                         # the paper's setting (long, see README)
#   scripts/so2_fusion.sh runs/so2_quick --steps 1000    # shorter training of the learners
#
# Options: --steps N (training steps per learner, default 3000), --members M (learners,
# default 50), --fuse-steps S (Adam steps per fusion, default 2000), --repeats R (random
# subsets per ensemble size, default 5), --sizes LIST (default 2,3,5,10,20,50; sizes above M
# are dropped), --device (default cpu). Writes OUT/ensemble (the learners), OUT/embeddings.h5
# (200 evenly spaced angles), OUT/fused/<similarity>_<size>_<repeat>.h5, OUT/so2.h5 (every
# number), OUT/so2_continuity.png and OUT/so2_fused.png, and prints the table. Resumable:
# training resumes, and files that exist are not recomputed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=""
steps=3000
members=50
fuse_steps=2000
repeats=5
sizes=2,3,5,10,20,50
device=cpu
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    --fuse-steps) fuse_steps=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    -*) echo "so2_fusion.sh: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$out" ] || { echo "so2_fusion.sh: one output folder only" >&2; exit 2; }
       out=$1; shift ;;
  esac
done
out=${out:-$root/runs/so2}
[ -n "${INFOFRAG_SKIP_SETUP:-}" ] || INFOFRAG_TARGETS=${INFOFRAG_TARGETS-infofrag_cli} \
  "$root/scripts/setup.sh"
infofrag=${INFOFRAG_BUILD_DIR:-$root/build}/infofrag
python=${INFOFRAG_PYTHON:-/usr/bin/python3}
mkdir -p "$out/fused"
start=$SECONDS

# 1. The weak learners (resumes; refuses a folder trained with other settings).
"$infofrag" train --config "$root/configs/circle_weak_learners.ini" --out "$out/ensemble" \
  --train.steps "$steps" --train.seeds "$members" --train.pack-size "$members" \
  --train.device "$device" --train.progress false
trained=$SECONDS

# 2. The fingerprint: 200 evenly spaced angles θ_i = 2π·500i/100000, in order.
[ -f "$out/embeddings.h5" ] || "$infofrag" embed --ensemble "$out/ensemble" \
  --out "$out/embeddings.h5" --indices 0:100000:500 --device "$device" --progress false

# 3. Fusions. The random subsets depend only on (size, repeat), so every similarity fuses
#    the same members.
"$python" - "$out/embeddings.h5" "$sizes" "$repeats" >"$out/subsets.txt" <<'EOF'
import re, sys, h5py, numpy as np
path, sizes, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(path) as f:
    ids = sorted(f["members"].keys(), key=lambda s: [int(t) if t.isdigit() else t
                                                     for t in re.split(r"(\d+)", s)])
for size in (int(s) for s in sizes.split(",")):
    if size > len(ids):
        continue
    for repeat in range(repeats):
        rng = np.random.default_rng(1000 * size + repeat)
        pick = sorted(rng.choice(len(ids), size=size, replace=False))
        print(size, repeat, ",".join(ids[i] for i in pick))
EOF
for similarity in info vi nmi; do
  while read -r size repeat list; do
    file="$out/fused/${similarity}_${size}_${repeat}.h5"
    [ -f "$file" ] && continue
    "$infofrag" fuse --embeddings "$out/embeddings.h5" --out "$file" --members "$list" \
      --dims 2 --similarity "$similarity" --steps "$fuse_steps" --seed "$repeat" \
      --device "$device" --progress false 2>&1 | grep '^fuse: [0-9]' || true
    [ -f "$file" ] || { echo "so2_fusion.sh: fuse failed for $file" >&2; exit 1; }
  done <"$out/subsets.txt"
done
fused=$SECONDS

# 4. Continuity, the table, so2.h5 and the figures.
"$python" - "$out" "$steps" "$members" "$fuse_steps" <<'EOF'
import sys, os, h5py, numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out, steps, members, fuse_steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sims = ["info", "vi", "nmi"]
rows = [line.split() for line in open(os.path.join(out, "subsets.txt"))]
sizes = sorted({int(r[0]) for r in rows})
repeats = max(int(r[1]) for r in rows) + 1

def distances(mu, logvar):
    """Bhattacharyya distances [N, N] between diagonal Gaussians (README, the science)."""
    s = np.logaddexp(logvar[:, None, :], logvar[None, :, :])
    d = (mu[:, None, :] - mu[None, :, :]) ** 2 * np.exp(-s) / 4
    return (d + 0.5 * (s - np.log(2) - (logvar[:, None, :] + logvar[None, :, :]) / 2)).sum(-1)

def continuity(mu, logvar, wrap):
    d = distances(mu, logvar)
    n = len(mu)
    nb = d[np.arange(n - 1), np.arange(1, n)]
    if wrap:
        nb = np.append(nb, d[n - 1, 0])
    return nb.max() / np.percentile(nb, 90)

shape = (len(sims), len(sizes), repeats)
cont, cont_wrap = np.full(shape, np.nan), np.full(shape, np.nan)
member_nmi, info_bits, angle_nmi = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
fused_mu = {}
for a, sim in enumerate(sims):
    for b, size in enumerate(sizes):
        for r in range(repeats):
            with h5py.File(os.path.join(out, "fused", f"{sim}_{size}_{r}.h5")) as f:
                mu, lv = f["members/fused/mu"][()], f["members/fused/logvar"][()]
                member_nmi[a, b, r] = f["fusion/member_nmi"][()].mean()
                info_bits[a, b, r] = f["fusion/info_bits"][0]
                angle_nmi[a, b, r] = f["fusion/factor_nmi"][0] if "fusion/factor_nmi" in f else np.nan
            cont[a, b, r] = continuity(mu, lv, wrap=False)
            cont_wrap[a, b, r] = continuity(mu, lv, wrap=True)
            if r == 0:
                fused_mu[sim, size] = mu

# The learners themselves: a 1-D representation of the circle must cut it somewhere.
with h5py.File(os.path.join(out, "embeddings.h5")) as f:
    ids = list(f["members"].keys())
    single = np.array([continuity(f[f"members/{i}/mu"][()], f[f"members/{i}/logvar"][()], True)
                       for i in ids])

with h5py.File(os.path.join(out, "so2.h5.partial"), "w") as f:
    f["sizes"] = np.array(sizes, dtype=np.int64)
    f["similarities"] = np.array(sims, dtype=h5py.string_dtype())
    f["continuity"] = cont
    f["continuity_wrap"] = cont_wrap
    f["member_nmi_mean"] = member_nmi
    f["info_bits"] = info_bits
    f["angle_nmi"] = angle_nmi
    f["subsets"] = np.array([" ".join(r) for r in rows], dtype=h5py.string_dtype())
    f["learners/member"] = np.array(ids, dtype=h5py.string_dtype())
    f["learners/continuity_wrap"] = single
    for k, v in dict(training_steps=steps, learners=members, fuse_steps=fuse_steps,
                     repeats=repeats, points=200, dims=2, threshold=3.0,
                     layout="[similarity, size, repeat]",
                     continuity="max neighbour Bhattacharyya distance / its 90th percentile; "
                                "continuity_wrap includes the pair (last angle, first angle)").items():
        f.attrs[k] = v
os.replace(os.path.join(out, "so2.h5.partial"), os.path.join(out, "so2.h5"))

print(f"\nSO(2) fusion: {members} learners x {steps} steps, fingerprint 200 angles, "
      f"{repeats} random subsets per size, fused into 2-D by {fuse_steps} Adam steps")
print(f"single learners: continuity (with wrap) median {np.median(single):.1f}, "
      f"min {single.min():.1f} (a 1-D circle must break somewhere)")
print(f"{'similarity':<10} {'size':>4} {'continuity':>16} {'with wrap':>16} {'<3 (wrap)':>9} "
      f"{'mean NMI':>8} {'I(X;U)':>7} {'NMI angle':>9}")
for a, sim in enumerate(sims):
    for b, size in enumerate(sizes):
        c, w = cont[a, b], cont_wrap[a, b]
        print(f"{sim:<10} {size:>4} {np.mean(c):>9.2f} ± {np.std(c):<5.2f}"
              f"{np.mean(w):>9.2f} ± {np.std(w):<5.2f} {np.sum(w < 3):>4}/{repeats:<4} "
              f"{np.mean(member_nmi[a, b]):>8.3f} {np.mean(info_bits[a, b]):>7.2f} "
              f"{np.nanmean(angle_nmi[a, b]):>9.3f}")
def from_size(ok):
    """The smallest size from which on every larger size is ok, or None."""
    first = None
    for b in range(len(sizes) - 1, -1, -1):
        if not ok[b]:
            break
        first = sizes[b]
    return first

print("\ncontinuous (< 3) from ensemble size ... on:")
for a, sim in enumerate(sims):
    found = [from_size(cont[a].mean(-1) < 3), from_size(cont_wrap[a].mean(-1) < 3),
             from_size(np.all(cont_wrap[a] < 3, -1))]
    print(f"  {sim:<5} mean: {found[0] or 'never'} (neighbours), {found[1] or 'never'} "
          f"(with wrap); every repeat with wrap: {found[2] or 'never'}")

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, data, title in zip(axes, [cont, cont_wrap], ["neighbours", "neighbours and wrap-around"]):
    for a, sim in enumerate(sims):
        shift = 1.07 ** (a - 1)
        ax.errorbar(np.array(sizes) * shift, data[a].mean(-1), yerr=data[a].std(-1),
                    marker="dos"[a], lw=2, capsize=3, label=sim)
    ax.axhline(3, color="gray", ls="--", lw=1)
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xticks(sizes); ax.set_xticklabels(sizes)
    ax.set_xlabel("ensemble size"); ax.set_title(title)
axes[0].set_ylabel("continuity (mean ± sd over repeats)")
axes[0].legend()
fig.tight_layout()
fig.savefig(os.path.join(out, "so2_continuity.png"), dpi=120)

fig, axes = plt.subplots(len(sims), len(sizes), figsize=(2 * len(sizes), 2 * len(sims)))
theta = np.arange(200) / 200
for a, sim in enumerate(sims):
    for b, size in enumerate(sizes):
        ax = np.atleast_2d(axes)[a, b]
        mu = fused_mu[sim, size]
        ax.plot(mu[:, 0], mu[:, 1], color="0.8", lw=0.5)
        ax.scatter(mu[:, 0], mu[:, 1], c=theta, cmap="hsv", s=4)
        ax.set_xticks([]); ax.set_yticks([])
        ax.set_title(f"{sim}, {size}: {cont_wrap[a, b, 0]:.1f}", fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(out, "so2_fused.png"), dpi=100)
print(f"\n{out}/so2.h5, {out}/so2_continuity.png, {out}/so2_fused.png")
EOF
echo "wall time: training $((trained - start)) s, embedding and fusion $((fused - trained)) s," \
  "analysis $((SECONDS - fused)) s"
