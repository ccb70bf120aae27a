#!/usr/bin/env bash
# The whole test suite (C++ and Python), after the same setup as quickstart.sh.
# Extra arguments go to ctest (e.g. -R hard-limit).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
build=${INFOFRAG_BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"
