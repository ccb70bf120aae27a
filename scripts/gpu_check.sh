#!/usr/bin/env bash
# The GPU check, in one call on the GPU machine (one H200, 16 cores, CUDA 13, PyTorch with a
# CUDA LibTorch; no HDF5, Boost or Catch2, no network). From the repository root:
#
#   here, once:   scripts/pack_gpu_deps.sh            # .gpu-deps/ (Debian packages, ~33 MB)
#   there:        bash scripts/gpu_check.sh            # carry .gpu-deps; results under $OUT
#   here, no GPU: bash scripts/gpu_check.sh --local    # the same steps against the CUDA
#                 LibTorch of scripts/test_cuda_build.sh; CUDA tests report skipped, and the
#                 benchmarks run on the CPU at toy sizes (checks the plumbing, not speed)
#
# Steps, each under `timeout`, each going on after a failed one, all within a budget of
# INFOFRAG_GPU_CHECK_BUDGET_S seconds (default 400) counted from the start:
#   1. unpack .gpu-deps under /tmp/deps (plus fallback libraries the machine lacks), configure
#      and build the command, the CUDA tests and the benchmarks (-j$(nproc));
#   2. the CUDA tests (ctest -L cuda: analyze float32/float64, mc, fuse, embed, train K=1/8,
#      traverse, each against the CPU);
#   3. analyze at M = 5000 channels, N = 1000 points, float32 and float64: the pairwise
#      stage's TFLOP/s next to plain matrix products of the same FLOP count;
#   4. training conv64 on dSprites at batch 64 with K = 1, 10, 50 against PyTorch eager on the
#      same GPU, and the projected wall time of 300 members x 300,000 steps;
#   5. mc: samples x points per second;
#   6. what time is left: the rest of the test suite (ctest without the CUDA tests already
#      run, the Python tests, which need Debian's python3 packages, and the tests that read
#      Debian's Fashion-MNIST).
# Files under $OUT (default build-gpu-check/out locally): summary.txt (environment, every
# step's status and time, the results), build.log, cuda_tests.log, benchmarks.log, ctest.log.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

if [ "${1:-}" = "--step" ]; then
  step_name=$2
else
  step_name=""
  local_mode=0
  [ "${1:-}" = "--local" ] && local_mode=1
  export INFOFRAG_GPU_CHECK_LOCAL=$local_mode
fi
local_mode=${INFOFRAG_GPU_CHECK_LOCAL:-0}

# --- the steps (run as `gpu_check.sh --step NAME` under timeout) -------------------------
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

step_cuda_tests() {
  ctest --test-dir "$BUILD" -L cuda --output-on-failure --timeout 300
}

step_bench_analyze() {
  local work; work=$(mktemp -d)
  local members=$ANALYZE_MEMBERS points=$ANALYZE_POINTS
  "$BUILD/infofrag" synth --out "$work/e.h5" --points "$points" --members "$members" --dims 10
  for spec in "float32 1024" "float32 16384" "float64 16384"; do
    set -- $spec
    echo "+ infofrag_bench_analyze --device $DEVICE --dtype $1 --memory-budget-mb $2"
    "$BUILD/infofrag_bench_analyze" --embeddings "$work/e.h5" --device "$DEVICE" --dtype "$1" \
      --memory-budget-mb "$2" --repeat 2
  done
  # The paper's way, one pair at a time in NumPy, on a few hundred pairs (extrapolated).
  if "$PYTHON" -c 'import numpy, h5py' 2>/dev/null; then
    echo "+ numpy_per_pair.py --max-pairs $NUMPY_PAIRS"
    env -u LD_LIBRARY_PATH "$PYTHON" tests/bench/numpy_per_pair.py "$work/e.h5" --dtype float32 \
      --max-pairs "$NUMPY_PAIRS"
  else
    echo "numpy_per_pair: skipped, $PYTHON lacks numpy or h5py"
  fi
  rm -rf "$work"
}

step_bench_train() {
  local work; work=$(mktemp -d)
  echo "+ pytorch_conv64.py --device $DEVICE --steps $TORCH_STEPS --repeat $TRAIN_REPEAT"
  if "$PYTHON" -c 'import h5py' 2>/dev/null &&
     "$BUILD/infofrag" export-data --dataset dsprites --indices 0:737280:97 --out "$work/pool.h5"; then
    env -u LD_LIBRARY_PATH "$PYTHON" tests/bench/pytorch_conv64.py "$work/pool.h5" \
      --device "$DEVICE" --steps "$TORCH_STEPS" --repeat "$TRAIN_REPEAT"
  else
    env -u LD_LIBRARY_PATH "$PYTHON" tests/bench/pytorch_conv64.py --synthetic 7601 \
      --device "$DEVICE" --steps "$TORCH_STEPS" --repeat "$TRAIN_REPEAT"
  fi
  echo "+ infofrag_bench_train --device $DEVICE --ks $TRAIN_KS --steps $TRAIN_STEPS --extra $TRAIN_EXTRA --repeat $TRAIN_REPEAT"
  "$BUILD/infofrag_bench_train" --device "$DEVICE" --ks "$TRAIN_KS" --steps "$TRAIN_STEPS" \
    --extra "$TRAIN_EXTRA" --repeat "$TRAIN_REPEAT"
  rm -rf "$work"
}

step_bench_mc() {
  for spec in $MC_SPECS; do
    IFS=: read -r points members <<<"$spec"
    echo "+ infofrag_bench_monte_carlo --device $DEVICE --points $points --members $members"
    "$BUILD/infofrag_bench_monte_carlo" --device "$DEVICE" --points "$points" \
      --members "$members" --samples "$MC_SAMPLES"
  done
}

# Not run there: the Python tests (Debian's python3 packages) and the tests that read
# Debian's dataset-fashion-mnist (too large to carry). Locally they run in test_cuda_build.sh.
ctest_exclude='^python\.|fashion-mnist|every config under configs'
step_ctest_rest() {
  cmake --build "$BUILD" -j "$(nproc)" &&
    OMP_NUM_THREADS=1 ctest --test-dir "$BUILD" -LE cuda -E "$ctest_exclude" -j "$(nproc)" \
      --output-on-failure --timeout 240
}

if [ -n "$step_name" ]; then
  "step_$step_name"
  exit $?
fi

# --- set-up --------------------------------------------------------------------------------
start=$SECONDS
if [ "$local_mode" = 1 ]; then
  budget=${INFOFRAG_GPU_CHECK_BUDGET_S:-7200}
  venv=${INFOFRAG_TORCH_VENV:-$HOME/.cache/infofrag/torch-venv}
  export PYTHON=$venv/bin/python
  export BUILD=${INFOFRAG_CUDA_BUILD_DIR:-$root/build-cuda}
  OUT=${OUT:-$root/build-gpu-check/out}
  export DEVICE=cpu ANALYZE_MEMBERS=20 ANALYZE_POINTS=300 NUMPY_PAIRS=20
  export TRAIN_KS=1,2 TRAIN_STEPS=1 TRAIN_EXTRA=2 TRAIN_REPEAT=1 TORCH_STEPS=2
  export MC_SPECS="2000:1" MC_SAMPLES=200
  build_limit=3600  # a first build takes about 15 minutes on 2 cores
else
  budget=${INFOFRAG_GPU_CHECK_BUDGET_S:-400}
  export PYTHON=${PYTHON:-python3}
  export BUILD=${INFOFRAG_BUILD_DIR:-$root/build-gpu}
  OUT=${OUT:-$root/build-gpu-check/out}
  # M = 500 members x 10 dims = 5000 channels, N = 1000 points.
  export DEVICE=cuda ANALYZE_MEMBERS=500 ANALYZE_POINTS=1000 NUMPY_PAIRS=300
  export TRAIN_KS=1,10,50 TRAIN_STEPS=5 TRAIN_EXTRA=20 TRAIN_REPEAT=2 TORCH_STEPS=100
  export MC_SPECS="10000:1 60000:1 60000:4"
  export MC_SAMPLES=2000
  build_limit=300
fi
mkdir -p "$OUT"
export OUT
summary=$OUT/summary.txt
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }

# run_step NAME MAX_SECONDS LOG: runs step_NAME under timeout, within what is left of the
# budget; records its exit status and seconds in the summary.
run_step() {
  local name=$1 max=$2 log=$3 left=$((budget - (SECONDS - start)))
  [ "$left" -lt "$max" ] && max=$left
  if [ "$max" -lt 10 ]; then
    say "step $name: not run, budget spent"
    return 125
  fi
  local t0=$SECONDS
  echo "=== $name (limit ${max}s) ===" >>"$log"
  timeout -k 10 "$max" "$0" --step "$name" >>"$log" 2>&1
  local rc=$?
  local status=ok
  [ "$rc" -eq 0 ] || status="FAILED (exit $rc)"
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && status="TIMED OUT after ${max}s"
  say "step $name: $status, $((SECONDS - t0)) s"
  return "$rc"
}

say "infofrag gpu_check $(git -C "$root" rev-parse --short HEAD 2>/dev/null) $(date -u +%FT%TZ) mode=$([ "$local_mode" = 1 ] && echo local || echo gpu) budget=${budget}s"
say "host: $(nproc) cores, $(uname -m), $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-?}")"
say "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo none)"
say "nvcc: $(nvcc --version 2>/dev/null | tail -1 || echo none)"
build_log=$OUT/build.log
: >"$build_log"
torch_info=$("$PYTHON" -c 'import sys, torch
print(sys.executable, "torch", torch.__version__, "cuda", torch.version.cuda,
      "available", torch.cuda.is_available())
print(torch.utils.cmake_prefix_path)' 2>>"$build_log" | tail -2)
say "python: $(echo "$torch_info" | head -1)"
torch_cmake=$(echo "$torch_info" | tail -1)
prefix_path=$torch_cmake
cmake_args=()
if [ "$local_mode" != 1 ]; then
  # The Debian packages of .gpu-deps (scripts/pack_gpu_deps.sh), unpacked under /tmp/deps,
  # never into /.
  deps=/tmp/deps
  libdir=$deps/usr/lib/x86_64-linux-gnu
  if [ ! -d "$deps/usr" ]; then
    mkdir -p "$deps"
    for f in "$root"/.gpu-deps/*.deb; do dpkg -x "$f" "$deps"; done
    # Absolute links (libz.so -> /lib/...) point into the unpacked tree.
    find "$deps" -type l | while read -r link; do
      target=$(readlink "$link")
      case $target in /*) [ -e "$deps$target" ] && ln -sfn "$deps$target" "$link" ;; esac
    done
  fi
  # (Debian's zlib1g is unpacked only for the libz.so link; the machine's libz.so.1 runs.)
  export LD_LIBRARY_PATH=$libdir:$libdir/hdf5/serial:${LD_LIBRARY_PATH:-}
  # Libraries that libhdf5, liblinear or libxgboost load and this machine lacks (libgomp,
  # a BLAS, ...) come from .gpu-deps/fallback, only
  # those (linked one by one into /tmp/deps/missing), so the machine's own are used otherwise.
  fallback=/tmp/deps-fallback
  if ls "$root"/.gpu-deps/fallback/*.deb >/dev/null 2>&1 && [ ! -d "$fallback/usr" ]; then
    mkdir -p "$fallback" "$deps/missing"
    for f in "$root"/.gpu-deps/fallback/*.deb; do dpkg -x "$f" "$fallback"; done
  fi
  mkdir -p "$deps/missing"
  export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$deps/missing
  for round in 1 2 3 4 5 6; do
    missing=$(ldd "$libdir/hdf5/serial/libhdf5.so" "$libdir/libboost_program_options.so" \
                  "$libdir/liblinear.so" "$libdir/libxgboost.so" 2>/dev/null |
              awk '/not found/ { print $1 }' | sort -u)
    [ -n "$missing" ] || break
    added=0
    for so in $missing; do
      found=$(find "$fallback" -name "$so" 2>/dev/null | head -1)
      [ -n "$found" ] && [ ! -e "$deps/missing/$so" ] && ln -sfn "$found" "$deps/missing/$so" && added=1
    done
    say "libraries missing here (round $round): $(echo $missing)$([ $added = 1 ] && echo ', taken from .gpu-deps/fallback')"
    [ "$added" = 1 ] || break
  done
  prefix_path="$torch_cmake;$deps/usr;$deps/usr/share/eigen3/cmake"
  cmake_args+=(-DHDF5_ROOT="$libdir/hdf5/serial" -DHDF5_NO_FIND_PACKAGE_CONFIG_FILE=ON
               -DHDF5_C_COMPILER_EXECUTABLE=/nonexistent -DHDF5_CXX_COMPILER_EXECUTABLE=/nonexistent)
  # Compile for this GPU only: nothing of ours is CUDA code, but Torch's CMake asks.
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1)
  [ -n "$arch" ] && cmake_args+=(-DTORCH_CUDA_ARCH_LIST="$arch")
fi
command -v ccache >/dev/null && cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

say "set-up: $((SECONDS - start)) s"
t0=$SECONDS
cmake -S "$root" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix_path" "${cmake_args[@]}" >>"$build_log" 2>&1
configure_rc=$?
say "step configure: $([ $configure_rc = 0 ] && echo ok || echo "FAILED (exit $configure_rc)"), $((SECONDS - t0)) s"
left=$((budget - (SECONDS - start) - 20))
t0=$SECONDS
# Only what the checks need first; the rest of the tests come last, if time is left.
if [ "$left" -ge 30 ]; then
  timeout -k 10 $((left < build_limit ? left : build_limit)) cmake --build "$BUILD" -j "$(nproc)" \
    --target infofrag_cli infofrag_cuda_tests infofrag_bench_analyze infofrag_bench_train \
    infofrag_bench_monte_carlo >>"$build_log" 2>&1
  build_rc=$?
  case $build_rc in
    0) say "step build: ok, $((SECONDS - t0)) s" ;;
    124 | 137) say "step build: TIMED OUT, $((SECONDS - t0)) s" ;;
    *) say "step build: FAILED (exit $build_rc), $((SECONDS - t0)) s; see build.log" ;;
  esac
else
  say "step build: not run, budget spent"
fi
{ echo "--- ldd $BUILD/infofrag"; ldd "$BUILD/infofrag" 2>&1; } >>"$build_log"
ldd "$BUILD/infofrag" 2>&1 | grep -q "not found" && say "ldd: $(ldd "$BUILD/infofrag" | grep 'not found' | tr -s ' \t\n' ' ')"

run_step cuda_tests 150 "$OUT/cuda_tests.log"
if [ -f "$OUT/cuda_tests.log" ]; then
  say "  $(grep -E 'tests passed|tests failed' "$OUT/cuda_tests.log" | tail -1); $(grep -c 'Skipped' "$OUT/cuda_tests.log") lines say Skipped (CUDA absent)"
  grep -E '^ *[0-9]+/[0-9]+ Test' "$OUT/cuda_tests.log" | sed 's/^ */  /' >>"$summary"
fi

bench_log=$OUT/benchmarks.log
: >"$bench_log"
run_step bench_analyze 100 "$bench_log"
run_step bench_train 150 "$bench_log"
run_step bench_mc 60 "$bench_log"
run_step ctest_rest 900 "$OUT/ctest.log"
if [ -f "$OUT/ctest.log" ]; then
  say "  $(grep -E 'tests passed|tests failed' "$OUT/ctest.log" | tail -1)"
  grep -E '\*\*\*Failed|\*\*\*Timeout|Not Run|\(Failed\)' "$OUT/ctest.log" | sed 's/^ */  /' >>"$summary"
fi

# --- results ---------------------------------------------------------------------------------
say ""
say "== analyze, M = $((ANALYZE_MEMBERS * 10)) channels, N = $ANALYZE_POINTS points, $DEVICE"
grep '^cpp ' "$bench_log" | while read -r line; do
  say "$(awk -v d="$(field "$line" dtype)" -v b="$(field "$line" budget_mb)" \
    -v pass="$(field "$line" pass_s)" -v an="$(field "$line" analyze_s)" \
    -v pw="$(field "$line" pairwise_gflops)" -v same="$(field "$line" same_shape_mm_gflops)" \
    -v sq="$(field "$line" square_mm_gflops)" 'BEGIN {
      printf "%-8s budget %6s MiB: pass %.3f s, analyze %.3f s; pairwise %.2f TFLOP/s, same-shape GEMMs %.2f, one square GEMM %.2f (pairwise at %.0f%% of the square GEMM)\n",
        d, b, pass, an, pw / 1000, same / 1000, sq / 1000, 100 * pw / sq }')"
done
numpy_line=$(grep '^numpy ' "$bench_log" | tail -1)
cpp32=$(grep '^cpp ' "$bench_log" | grep 'dtype=float32' | head -1)
if [ -n "$numpy_line" ] && [ -n "$cpp32" ]; then
  say "NumPy one pair at a time (paper's way, extrapolated): $(field "$numpy_line" total_s) s, $(awk -v p="$(field "$numpy_line" total_s)" -v c="$(field "$cpp32" pass_s)" 'BEGIN { printf "%.0fx", p / c }') the float32 pass"
fi

say ""
say "== training conv64, dSprites, batch 64, $DEVICE (member-steps/s; 300 members x 300,000 steps = 9e7 member-steps)"
# Lines of tests/bench/pytorch_conv64.py (objective=... torch=...) and of
# infofrag_bench_train (objective=... K=...).
torch_line=$(grep '^objective=.* torch=' "$bench_log" | tail -1)
torch_rate=$(field "$torch_line" member_steps_per_s)
grep '^objective=.* K=' "$bench_log" | while read -r line; do
  rate=$(field "$line" member_steps_per_s)
  say "$(awk -v k="$(field "$line" K)" -v r="$rate" -v s="$(field "$line" step_s)" \
    -v d="$(field "$line" data_s_per_step)" -v t="${torch_rate:-0}" 'BEGIN {
      printf "infofrag K=%-3s step %.4f s (data %.4f s): %8.1f member-steps/s, %5.2fx PyTorch eager; 9e7 member-steps in %.1f h\n",
        k, s, d, r, (t > 0 ? r / t : 0), (r > 0 ? 9e7 / r / 3600 : 0) }')"
done
[ -n "$torch_rate" ] && say "$(awk -v r="$torch_rate" -v l="$torch_line" 'BEGIN {
  printf "PyTorch eager, 1 member: %8.1f member-steps/s; 9e7 member-steps in %.1f h  (%s)\n", r, 9e7 / r / 3600, l }')"

say ""
say "== mc, $DEVICE (S = $MC_SAMPLES samples)"
grep '^device=' "$bench_log" | while read -r line; do
  say "points $(field "$line" points), K $(field "$line" members): $(field "$line" mc_sample_points_per_s) samples*points/s ($(field "$line" mc_s) s), naive one-sample loop $(field "$line" naive_info_only_sample_points_per_s), ratio $(field "$line" ratio)x"
done
say ""
say "total: $((SECONDS - start)) s of a ${budget} s budget"
