#!/usr/bin/env bash
# Formatting and lint checks, run by CTest (lint.format, lint.tidy) and so by scripts/test.sh.
#   scripts/lint.sh format           clang-format --dry-run --Werror over every C++ file
#   scripts/lint.sh tidy BUILD_DIR   the .clang-tidy config, and clang-tidy over the files
#                                    that do not include LibTorch (BUILD_DIR has
#                                    compile_commands.json)
# Exit status 77 when the tool is not installed (CTest reports the test as skipped).
# clang-tidy runs on the LibTorch-free files only: each file that includes LibTorch takes
# clang-tidy about a minute of parsing, so the whole tree would take longer than the suite.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tidy_files=(src/core/error.cpp src/core/progress.cpp src/core/text.cpp src/io/atomic_file.cpp
            src/cli/options.cpp src/cli/data_files.cpp)

case ${1:-} in
  format)
    command -v clang-format > /dev/null || { echo "lint: clang-format is not installed"; exit 77; }
    mapfile -t files < <(find include src tests cmake -name '*.cpp' -o -name '*.hpp' | sort)
    clang-format --dry-run --Werror "${files[@]}"
    echo "lint: ${#files[@]} files formatted as .clang-format says"
    ;;
  tidy)
    build=${2:?usage: lint.sh tidy BUILD_DIR}
    command -v clang-tidy > /dev/null || { echo "lint: clang-tidy is not installed"; exit 77; }
    [ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json"; exit 1; }
    # The config: --verify-config where clang-tidy has it (16 and later); otherwise every
    # check named in .clang-tidy must exist (an unknown name would silently check nothing).
    if clang-tidy --help | grep -q -- --verify-config; then
      clang-tidy --verify-config
    else
      enabled=$(clang-tidy --list-checks src/core/text.cpp -p "$build")
      for check in $(sed -n 's/^ *\([a-z][a-z-]*\)[-*,]*,\{0,1\}$/\1/p' .clang-tidy); do
        grep -q "^ *$check" <<< "$enabled" || { echo "lint: .clang-tidy: no check $check"; exit 1; }
      done
    fi
    clang-tidy -p "$build" --quiet --warnings-as-errors='*' "${tidy_files[@]}" 2> /dev/null
    echo "lint: clang-tidy found nothing in ${#tidy_files[@]} files"
    ;;
  *)
    echo "usage: lint.sh format | tidy BUILD_DIR" >&2
    exit 2
    ;;
esac
