#!/usr/bin/env bash
# Benchmark (not part of the test suite): the Monte Carlo estimator of whole latent spaces
# (infofrag mc) on random diagonal-Gaussian spaces, d = 10, S = 2000 samples, next to a
# plain implementation of I(X;U) that takes one sample at a time, in one run. Prints
# samples × dataset points per second.
#
#   scripts/bench_monte_carlo.sh                          # CPU: |D| = 10,000 and 60,000
#   scripts/bench_monte_carlo.sh --device cuda --members 4
#   scripts/bench_monte_carlo.sh --sizes 10000 --samples 500
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
device=cpu
sizes="10000 60000"
samples=2000
members=1
dims=10
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    --dims) dims=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "${INFOFRAG_SKIP_SETUP:-}" ] || "$root/scripts/setup.sh"
build=${INFOFRAG_BUILD_DIR:-$root/build}
[ -x "$build/infofrag_bench_monte_carlo" ] || ninja -C "$build" infofrag_bench_monte_carlo

printf '%-8s %-7s %5s %4s %8s %10s %22s %22s %7s\n' points device dims K samples "seconds" \
  "mc samples*points/s" "naive (I only) s*p/s" ratio
for n in $sizes; do
  out=$("$build/infofrag_bench_monte_carlo" --points "$n" --dims "$dims" --members "$members" \
    --samples "$samples" --device "$device")
  field() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  printf '%-8s %-7s %5s %4s %8s %10s %22s %22s %6sx\n' "$n" "$device" "$dims" "$members" \
    "$samples" "$(field mc_s)" "$(field mc_sample_points_per_s)" \
    "$(field naive_info_only_sample_points_per_s)" "$(field ratio)"
  echo "  $out"
done
