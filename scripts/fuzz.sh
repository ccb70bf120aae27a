#!/bin/bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, AddressSanitizer + UBSan) in
# build-fuzz/ and runs each for SECONDS (default 60), one after the other, on a seed corpus of
# small files written by infofrag itself (synth, analyze, hotspots, train) and the configs/.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      harnesses: embeddings analysis member config
# Environment: INFOFRAG_CLI (default build/infofrag, to write the seeds), JOBS (default 2),
# INFOFRAG_FUZZ_REPLAY (harnesses that only run their seed files, once each, unmutated: CI
# replays the HDF5 readers this way, since mutating them soon reaches the faults inside
# libhdf5 1.10.8 kept in tests/fuzz/libhdf5_findings/).
# Findings (crashes, leaks, sanitizer reports, escaped exceptions, inputs slower than 30 s
# when rerun alone) land in build-fuzz/findings/; the script exits non-zero when there is one.
set -euo pipefail
seconds=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(embeddings analysis member config)
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
cli=${INFOFRAG_CLI:-$root/build/infofrag}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DINFOFRAG_BUILD_FUZZERS=ON \
  -DINFOFRAG_BUILD_TESTS=OFF -DINFOFRAG_BUILD_BENCHMARKS=OFF >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "infofrag_fuzz_$h"); done
cmake --build "$build" -j"${JOBS:-2}" "${targets[@]}"

# Seeds: small valid files of each kind (libFuzzer mutates from them).
seeds=$build/seeds
if [ ! -f "$seeds/done" ]; then
  if [ ! -x "$cli" ]; then
    echo "fuzz.sh: $cli not found: build infofrag first (or set INFOFRAG_CLI)" >&2
    exit 2
  fi
  rm -rf "$seeds"
  mkdir -p "$seeds"/{embeddings,analysis,member,config}
  work=$(mktemp -d)
  "$cli" synth --out "$seeds/embeddings/synth.h5" --points 12 --members 2 --dims 3 \
    --discrete 3 --continuous 0 2>/dev/null
  "$cli" synth --out "$seeds/embeddings/nolabels.h5" --points 8 --members 1 --dims 2 \
    --discrete "" --continuous 0 2>/dev/null
  "$cli" analyze --embeddings "$seeds/embeddings/synth.h5" --out "$seeds/analysis/plain.h5" \
    --progress false 2>/dev/null
  cp "$seeds/analysis/plain.h5" "$seeds/analysis/hotspots.h5"
  "$cli" hotspots --analysis "$seeds/analysis/hotspots.h5" --min-samples 2 \
    --min-info-bits 0 >/dev/null
  "$cli" train --config "$root/configs/tests/tiny_circle.ini" --out "$work/ens" \
    --train.steps 4 --train.seeds 1 --model.widths 4 2>/dev/null
  cp "$work"/ens/members/*.h5 "$seeds/member/"
  cp "$root"/configs/*.ini "$root"/configs/tests/*.ini "$seeds/config/"
  rm -rf "$work"
  touch "$seeds/done"
fi

mkdir -p "$build/findings"
status=0
for h in "${harnesses[@]}"; do
  corpus=$build/corpus/$h
  mkdir -p "$corpus"
  # A file of infofrag's is a few KiB; -max_len leaves room to grow. -rss_limit_mb bounds
  # one input's memory (LibTorch itself takes some).
  mode=(-max_total_time="$seconds") dirs=("$corpus" "$seeds/$h")
  if [[ " ${INFOFRAG_FUZZ_REPLAY:-} " == *" $h "* ]]; then
    echo "== fuzz $h: its $(ls "$seeds/$h" | wc -l) seed files, once each"
    mode=(-runs=0) dirs=("$seeds/$h")
  else
    echo "== fuzz $h for ${seconds}s"
  fi
  set +e
  "$build/tests/fuzz/infofrag_fuzz_$h" "${mode[@]}" -max_len=65536 \
    -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$h-" "${dirs[@]}" >"$build/fuzz-$h.log" 2>&1
  code=$?
  set -e
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY|==[0-9]+==" \
    "$build/fuzz-$h.log" | head -20 || true
  echo "   exit $code, corpus $(ls "$corpus" | wc -l) inputs, log $build/fuzz-$h.log"
  # A timeout (libFuzzer exits 70) is a finding only if its input is slow again: the one
  # input is rerun alone under the same limit. One that then runs in milliseconds was a stall
  # of the machine, not of the code; it is shown and kept under findings/unreproduced/.
  if [ "$code" = 70 ]; then
    code=0
    for unit in "$build/findings/$h"-timeout-*; do
      [ -f "$unit" ] || continue
      echo "   timeout input $(basename "$unit") ($(stat -c %s "$unit") bytes), its start:"
      head -c 240 "$unit" | od -An -c | head -6 | sed 's/^/     /'
      if "$build/tests/fuzz/infofrag_fuzz_$h" -timeout=30 -rss_limit_mb=4096 "$unit" \
        >"$unit.rerun.log" 2>&1; then
        echo "   rerun alone: $(grep -Eo 'in [0-9]+ ms' "$unit.rerun.log" | tail -1)," \
          "not slow again: not counted (moved to findings/unreproduced/)"
        mkdir -p "$build/findings/unreproduced"
        mv "$unit" "$unit.rerun.log" "$build/findings/unreproduced/"
      else
        echo "   rerun alone: slow again (log $unit.rerun.log)"
        code=70
      fi
    done
  fi
  [ "$code" = 0 ] || status=1
done
ls "$build/findings"
exit $status
