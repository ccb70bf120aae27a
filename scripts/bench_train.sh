#!/usr/bin/env bash
# Benchmark (not part of the test suite): training throughput of conv64 on dSprites at batch
# 64, in member-steps per second: one member alone (K = 1), K members trained together in
# one batched model, and the same model in PyTorch eager (Debian's python3-torch), side by
# side in one run. All sides time steady-state steps only (no start-up).
#
#   scripts/bench_train.sh                       # CPU: K = 1 and 8
#   scripts/bench_train.sh --device cuda --ks 1,10,50
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
device=cpu
ks=1,8
steps=5
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --ks) ks=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
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
torch_line=$("$python" "$root/tests/bench/pytorch_conv64.py" "$work/pool.h5" --device "$device" --steps $((steps * 2)))
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
torch_rate=$(field "$torch_line" member_steps_per_s)

printf '%-28s %12s %20s %16s\n' "conv64, dSprites, batch 64" "step s" "member-steps/s" "vs PyTorch eager"
"$build/infofrag_bench_train" --device "$device" --ks "$ks" --steps "$steps" | while read -r line; do
  rate=$(field "$line" member_steps_per_s)
  printf '%-28s %12s %20s %15.2fx\n' "infofrag K=$(field "$line" K) ($device)" \
    "$(field "$line" step_s)" "$rate" "$(awk -v a="$rate" -v b="$torch_rate" 'BEGIN { print a / b }')"
done
printf '%-28s %12s %20s %15s\n' "PyTorch eager, 1 member" "$(field "$torch_line" step_s)" "$torch_rate" "1.00x"
echo "  $torch_line"
