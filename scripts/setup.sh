#!/usr/bin/env bash
# Installs what infofrag needs on Debian 12 (only what is missing) and builds it in Release.
# Idempotent: a second run installs nothing and rebuilds nothing that is up to date.
# Build folder: $INFOFRAG_BUILD_DIR, default build/ in the repository.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
  g++ cmake ninja-build pkg-config
  libtorch-dev libhdf5-dev libeigen3-dev libboost-program-options-dev catch2
  libopenblas0-pthread          # optimized BLAS: LibTorch's matrix products are ~28x faster
  python3-numpy python3-h5py    # Python tests, scripts and notebooks (Debian's /usr/bin/python3)
  python3-venv                  # the venvs of current scikit-learn and of the torch wheel (PyPI)
  python3-sklearn               # independent answers in the Python tests
  liblinear-dev libxgboost-dev  # the classifiers of explicitness and DCI (infofrag metrics)
  zlib1g-dev                    # reads the gzipped IDX files of Fashion-MNIST
  dataset-fashion-mnist         # Fashion-MNIST (/usr/share/datasets/fashion-mnist)
  python3-pil                   # reads the dSprites reference frames in the Python tests
  python3-torch                 # PyTorch eager, the baseline of the training benchmark
  python3-matplotlib            # scripts/plot_figures.py
  python3-nbclient python3-nbformat python3-ipykernel   # runs scripts/figures.ipynb in the tests
  clang-format clang-tidy       # scripts/lint.sh (the lint.* tests)
  clang libclang-rt-14-dev      # scripts/fuzz.sh (libFuzzer, AddressSanitizer, UBSan)
  slurm-wlm munge               # the one-node Slurm of tests/slurm/live_test.sh (slurm.live)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*|*blis*|*mkl*) ;;
  *) echo "setup: warning: the system BLAS is '$blas', not an optimized one; matrix products will be slow" >&2 ;;
esac

# INFOFRAG_SETUP_BUILD=0: install only (scripts/test_cuda_build.sh builds elsewhere).
[ "${INFOFRAG_SETUP_BUILD:-1}" = 1 ] || exit 0
build=${INFOFRAG_BUILD_DIR:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
fi
# INFOFRAG_TARGETS: what to build (default everything; quickstart.sh builds the command only).
targets=()
for t in ${INFOFRAG_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j "$(nproc)" "${targets[@]}" >&2
