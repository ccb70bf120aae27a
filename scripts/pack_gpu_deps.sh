#!/usr/bin/env bash
# Downloads (does not install) the Debian packages that the GPU machine lacks into DEST
# (default .gpu-deps in the repository, ignored by git), for scripts/gpu_check.sh to unpack
# there under /tmp (never into /). Run here, where apt works; the GPU machine has no network.
#
#   scripts/pack_gpu_deps.sh [DEST]
#
# DEST/*.deb           what the build needs: HDF5, Boost.Program_options, Catch2, Eigen,
#                      liblinear and XGBoost (infofrag metrics) and zlib's headers
#                      (find_package(ZLIB)), with the libraries they link.
# DEST/fallback/*.deb  the shared libraries that libhdf5, liblinear, libxgboost and their
#                      dependencies load at run time
#                      (libcurl, libssl, ... found with ldd here, C and C++ runtimes left out).
#                      gpu_check.sh unpacks them only if the GPU machine lacks one of them, so
#                      its own copies are used wherever it has them.
# The package list is what a build of infofrag needs (scripts/setup.sh's libraries less
# LibTorch, which the GPU machine's PyTorch brings) plus zlib and the run-time fallback above.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$root/.gpu-deps}
mkdir -p "$dest/fallback"
dest=$(cd "$dest" && pwd)
[ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ] || apt-get update -qq

build_packages=(
  libhdf5-dev libhdf5-103-1 libhdf5-cpp-103-1 libhdf5-hl-100 libhdf5-hl-cpp-100
  libsz2 libaec0 libaec-dev
  libboost-program-options1.74-dev libboost-program-options1.74.0 libboost1.74-dev
  libeigen3-dev catch2
  liblinear-dev liblinear4 libxgboost-dev libxgboost0 libdmlc0
  zlib1g-dev zlib1g
)
rm -f "$dest"/*.deb "$dest"/fallback/*.deb
(cd "$dest" && apt-get download -qq "${build_packages[@]}")

# The packages of every library that ldd resolves for the libraries above here.
libs=(/usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so
      /usr/lib/x86_64-linux-gnu/libboost_program_options.so.1.74.0
      /usr/lib/x86_64-linux-gnu/liblinear.so.4 /usr/lib/x86_64-linux-gnu/libxgboost.so.0)
fallback=$(for l in $(ldd "${libs[@]}" | awk '/=>/ { print $3 }' | sort -u); do
             dpkg -S "$(readlink -f "$l")" 2>/dev/null || dpkg -S "$l"
           done | cut -d: -f1 | sort -u |
           grep -vxE 'libc6|libgcc-s1|libstdc\+\+6|zlib1g|libsz2|libaec0|liblinear4|libxgboost0|libdmlc0')
# shellcheck disable=SC2086
(cd "$dest/fallback" && apt-get download -qq $fallback)
echo "pack_gpu_deps: $(ls "$dest"/*.deb | wc -l) packages, $(ls "$dest"/fallback/*.deb | wc -l) fallback; $(du -sh "$dest" | cut -f1) in $dest" >&2
