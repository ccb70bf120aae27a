#!/usr/bin/env bash
# Benchmark (not part of the test suite): infofrag's analysis against a NumPy implementation
# that goes one pair at a time, as the paper's code does, on the same synthetic embeddings,
# side by side in one run. Both sides time only the computation, in-process (no start-up, no
# file reading), in float32. Also prints the pairwise stage's GFLOP/s next to plain matrix
# products of the same FLOP count.
#
#   scripts/bench_analyze.sh                      # CPU: M=200,N=300 and M=500,N=1000
#   scripts/bench_analyze.sh --device cuda --sizes 5000x1000
# NumPy runs pairs until --numpy-seconds is spent (default: all pairs when that is quick) and
# extrapolates to all M(M+1)/2 pairs; the output says when it did.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
device=cpu
sizes="200x300 500x1000"
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "${INFOFRAG_SKIP_SETUP:-}" ] || "$root/scripts/setup.sh"
build=${INFOFRAG_BUILD_DIR:-$root/build}
python=${INFOFRAG_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-12s %-8s %10s %10s %9s %15s %18s %14s\n' "M x N" device "infofrag s" "numpy s" ratio \
  "pairwise GF/s" "same-shape mm GF/s" "square mm GF/s"
for size in $sizes; do
  m=${size%x*}
  n=${size#*x}
  members=$(( (m + 9) / 10 ))
  "$build/infofrag" synth --out "$work/e.h5" --points "$n" --members "$members" --dims 10 2>/dev/null
  cpp=$("$build/infofrag_bench_analyze" --embeddings "$work/e.h5" --device "$device" --dtype float32)
  pairs=$(( m * (m + 1) / 2 ))
  # Per-pair NumPy costs about N^2 * 10 ns; time at most ~60 s of pairs and extrapolate.
  max_pairs=$(( 60000000000 / (n * n * 10) ))
  [ "$max_pairs" -lt "$pairs" ] || max_pairs=0
  numpy=$("$python" "$root/tests/bench/numpy_per_pair.py" "$work/e.h5" --dtype float32 --max-pairs "$max_pairs")
  field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
  c=$(field "$cpp" pass_s)
  p=$(field "$numpy" total_s)
  printf '%-12s %-8s %10s %10s %8.0fx %15s %18s %14s\n' "$m x $n" "$device" "$c" "$p" \
    "$(awk -v p="$p" -v c="$c" 'BEGIN { print p / c }')" "$(field "$cpp" pairwise_gflops)" \
    "$(field "$cpp" same_shape_mm_gflops)" "$(field "$cpp" square_mm_gflops)"
  echo "  $cpp"
  echo "  $numpy"
done
