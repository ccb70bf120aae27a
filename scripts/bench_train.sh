#!/usr/bin/env bash
# Benchmark (not part of the test suite): training throughput of conv64 on dSprites at batch
# 64, in member-steps per second, per model family: one member alone (K = 1), K members
# trained together in one batched model, and the same model and objective in PyTorch eager
# (Debian's python3-torch), side by side in one run, family by family. All sides time
# steady-state steps only (no start-up), each the fastest of --repeat tries (default 3) of
# --extra steps (default 20; infofrag: runs of --steps and --steps + --extra, differenced).
#
#   scripts/bench_train.sh                       # CPU: K = 1 and 8, every family
#   scripts/bench_train.sh --device cuda --ks 1,10,50 --objectives beta-vae,factor-vae
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
device=cpu
ks=1,8
steps=5
extra=20
repeat=3
objectives=beta-vae,annealed-vae,factor-vae,beta-tcvae,dip-vae-i,dip-vae-ii
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --ks) ks=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --extra) extra=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --objectives) objectives=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "${INFOFRAG_SKIP_SETUP:-}" ] || "$root/scripts/setup.sh"
build=${INFOFRAG_BUILD_DIR:-$root/build}
python=${INFOFRAG_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# PyTorch's data: every 97th dSprite (7,601 images, all factors), sampled with replacement.
"$build/infofrag" export-data --dataset dsprites --indices "$(seq -s, 0 97 737279)" \
  --out "$work/pool.h5"
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# Family by family, PyTorch's member and then infofrag's, so that both sides of a ratio are
# measured at nearly the same moment (each side takes the fastest of its repeats).
printf '%-14s %-22s %10s %16s %18s\n' "family" "conv64, dSprites, b 64" "step s" "member-steps/s" "vs PyTorch eager"
for objective in ${objectives//,/ }; do
  torch_line=$("$python" "$root/tests/bench/pytorch_conv64.py" "$work/pool.h5" --device "$device" \
    --steps "$extra" --repeat "$repeat" --objective "$objective")
  torch_rate=$(field "$torch_line" member_steps_per_s)
  "$build/infofrag_bench_train" --device "$device" --ks "$ks" --steps "$steps" --extra "$extra" \
    --repeat "$repeat" --objectives "$objective" | while read -r line; do
    rate=$(field "$line" member_steps_per_s)
    printf '%-14s %-22s %10s %16s %17.2fx\n' "$objective" "infofrag K=$(field "$line" K)" \
      "$(field "$line" step_s)" "$rate" \
      "$(awk -v a="$rate" -v b="$torch_rate" 'BEGIN { print a / b }')"
  done
  printf '%-14s %-22s %10s %16s %17s\n' "$objective" "PyTorch eager, 1 member" \
    "$(field "$torch_line" step_s)" "$torch_rate" "1.00x"
done
echo "  $torch_line"
