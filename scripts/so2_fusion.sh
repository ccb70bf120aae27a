#!/usr/bin/env bash
# The paper's SO(2) fusion experiment (Murphy, Dillavou & Bassett, Sec. 4.4): weak learners
# (1-D beta-VAEs on the unit circle, configs/circle_weak_learners.ini: Keras's initialization
# and Adam epsilon, as the paper's notebook), each unable to represent the circle without a
# cut, fused into 2 dimensions by `infofrag fuse` with each similarity (info, vi, nmi). As in
# the notebook, each repeat fuses learners of its own: the learners are cut into `repeats`
# disjoint blocks and repeat r fuses the first `size` of block r. Two measures
# (scripts/so2_analysis.py): continuity, the largest Bhattacharyya distance between
# neighbouring angles over the 90th percentile of those distances, without the wrap-around
# pair as the paper reports it (below 3 counts as continuous); and the fraction of points
# whose two angular neighbours are their 2 nearest points in the fused space, which a
# staircase or a shuffle cannot fool.
#
#   scripts/so2_fusion.sh [OUT]                         # the paper's setting (long, see README)
#   scripts/so2_fusion.sh runs/so2_quick --members 100 --sizes 2,3,5,10,20
#
# Options: --steps N (training steps per learner, default 3000), --members M (learners,
# default 250 = 5 blocks of 50), --fuse-steps S (Adam steps per fusion, default 2000),
# --repeats R (blocks, default 5), --sizes LIST (default 2,3,5,10,20,50; with fewer than R
# times the largest size, larger sizes run on around the pool and repeats share learners;
# sizes above M are dropped), --device (default cpu), --pack-size K (learners trained together,
# default 50; the folder's packs, so keep it when resuming), --jobs J (fusions run at once,
# default 1), --ensemble DIR (learners trained already, by this script or `infofrag train`
# with configs/circle_weak_learners.ini: nothing is trained, and the finished members of DIR
# are the pool, however many there are). Writes OUT/ensemble (the learners),
# OUT/embeddings.h5 (200 evenly spaced angles), OUT/fused/<similarity>_<size>_<repeat>.h5,
# OUT/so2.h5 (every number), OUT/so2_continuity.png, OUT/so2_fused.png (the fused posteriors
# as ellipses) and OUT/so2_learners.png, and prints the table. Resumable: training resumes, and files that
# exist are not recomputed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=""
steps=3000
members=250
fuse_steps=2000
repeats=5
sizes=2,3,5,10,20,50
device=cpu
pack_size=50
jobs=1
ensemble=""
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    --fuse-steps) fuse_steps=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --pack-size) pack_size=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --ensemble) ensemble=$2; shift 2 ;;
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
if [ -z "$ensemble" ]; then
  ensemble=$out/ensemble
  "$infofrag" train --config "$root/configs/circle_weak_learners.ini" --out "$ensemble" \
    --train.steps "$steps" --train.seeds "$members" --train.pack-size "$pack_size" \
    --train.device "$device" --train.progress false
fi
trained=$SECONDS

# 2. The fingerprint: 200 evenly spaced angles θ_i = 2π·500i/100000, in order.
[ -f "$out/embeddings.h5" ] || "$infofrag" embed --ensemble "$ensemble" \
  --out "$out/embeddings.h5" --indices 0:100000:500 --device "$device" --progress false

# 3. Fusions: repeat r fuses the first `size` learners of its own block of members/repeats
#    (scripts/so2_analysis.py subsets); every similarity fuses the same learners.
"$python" "$root/scripts/so2_analysis.py" subsets "$out/embeddings.h5" "$sizes" "$repeats" \
  >"$out/subsets.txt"
fuse_one() {  # similarity size repeat members
  local file="$out/fused/${1}_${2}_${3}.h5"
  "$infofrag" fuse --embeddings "$out/embeddings.h5" --out "$file" --members "$4" \
    --dims 2 --similarity "$1" --steps "$fuse_steps" --seed "$3" \
    --device "$device" --progress false 2>&1 </dev/null | grep '^fuse: [0-9]' || true
  [ -f "$file" ] || { echo "so2_fusion.sh: fuse failed for $file" >&2; return 1; }
}
running=0
failed=0
for similarity in info vi nmi; do
  while read -r size repeat list; do
    [ -f "$out/fused/${similarity}_${size}_${repeat}.h5" ] && continue
    fuse_one "$similarity" "$size" "$repeat" "$list" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
  done <"$out/subsets.txt"
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" = 0 ] || exit 1
fused=$SECONDS

# 4. Both measures, the table, so2.h5 and the figures.
"$python" "$root/scripts/so2_analysis.py" analyze "$out" --steps "$steps" \
  --fuse-steps "$fuse_steps"
echo "wall time: training $((trained - start)) s, embedding and fusion $((fused - trained)) s," \
  "analysis $((SECONDS - fused)) s"
