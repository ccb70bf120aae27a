#!/usr/bin/env bash
# The second build that CI runs (after scripts/test.sh): infofrag against the LibTorch inside
# PyPI's torch wheel (a CUDA build, C++11 ABI like Debian's libraries) and the machine's CUDA
# toolkit, in its own build folder, then the whole test suite there. Without a GPU everything
# runs on the CPU and the CUDA tests (ctest -L cuda) report skipped.
#
#   scripts/test_cuda_build.sh [CTEST ARGS...]
#
# INFOFRAG_TORCH_VENV      virtual environment holding the wheel, created when missing
#                          (/usr/bin/python3 -m venv, then pip install torch==$INFOFRAG_TORCH_VERSION;
#                          several GB, downloaded once); default $HOME/.cache/infofrag/torch-venv
# INFOFRAG_TORCH_VERSION   the torch version pinned (default 2.15.0)
# INFOFRAG_CUDA_BUILD_DIR  build folder (default build-cuda/ in the repository)
# CUDAToolkit_ROOT         the CUDA toolkit (default /usr/local/cuda when it exists)
# Debian's packages (HDF5, Boost, Catch2, ...) come from scripts/setup.sh, run first without
# its build (INFOFRAG_SETUP_BUILD=0).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${INFOFRAG_TORCH_VENV:-$HOME/.cache/infofrag/torch-venv}
version=${INFOFRAG_TORCH_VERSION:-2.15.0}
build=${INFOFRAG_CUDA_BUILD_DIR:-$root/build-cuda}

INFOFRAG_SETUP_BUILD=0 "$root/scripts/setup.sh"

installed=$("$venv/bin/python" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)
if [ "${installed%%+*}" != "$version" ]; then
  echo "test_cuda_build: installing torch==$version into $venv (was: ${installed:-none})" >&2
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q "torch==$version"
fi
torch_cmake=$("$venv/bin/python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)

args=(-DCMAKE_PREFIX_PATH="$torch_cmake")
cuda=${CUDAToolkit_ROOT:-/usr/local/cuda}
[ -d "$cuda" ] && args+=(-DCUDAToolkit_ROOT="$cuda" -DCUDA_TOOLKIT_ROOT_DIR="$cuda")
command -v ccache >/dev/null && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${args[@]}" >&2
fi
cmake --build "$build" -j "$(nproc)" >&2
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"
