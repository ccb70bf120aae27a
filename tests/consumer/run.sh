#!/usr/bin/env bash
# The install as a user gets it: `cmake --install` into a prefix, which is then moved (the
# install must be relocatable); a project outside the tree (this folder) builds against it
# with find_package(infofrag) and runs; and the installed `infofrag run` draws the figures
# of a tiny config with the plotting script installed beside it.
#   run.sh --build B --source S --work W [--python P] [-- extra cmake arguments]
set -euo pipefail
python=/usr/bin/python3
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
build=$(cd "$build" && pwd) source=$(cd "$source" && pwd)
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

cmake --install "$build" --prefix "$work/staging" > "$work/install.log"
mv "$work/staging" "$work/prefix"
prefix=$work/prefix
for f in bin/infofrag lib/libinfofrag.a include/infofrag/version.hpp \
         include/infofrag/info/information.hpp lib/cmake/infofrag/infofragConfig.cmake \
         share/infofrag/plot_figures.py share/infofrag/figures.ipynb; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f is not installed" >&2; exit 1; }
done
if grep -rlF -e "$source" -e "$build" "$prefix/lib/cmake" "$prefix/include" "$prefix/share"; then
  echo "FAIL: the installed package names the source or build tree (files above)" >&2
  exit 1
fi

cmake -S "$source/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" "$@" \
  > "$work/consumer-configure.log"
cmake --build "$work/consumer" > "$work/consumer-build.log" || {
  cat "$work/consumer-build.log" >&2; exit 1; }
"$work/consumer/consumer"

# Proof that `infofrag run` uses the installed script (the source tree's is still there):
# the installed copy leaves a mark when it runs.
marker=$work/plotted-by-installed-script
echo "open('$marker', 'w').close()" >> "$prefix/share/infofrag/plot_figures.py"
"$prefix/bin/infofrag" run --config "$source/configs/tests/tiny_run.ini" --out "$work/run" \
  --figures.python "$python" 2> "$work/run.log" || { cat "$work/run.log" >&2; exit 1; }
# (traversals_grid.png is drawn for image data only; the circle is vectors.)
for png in structure.png traversals.png curves.png sweep.png; do
  [ -s "$work/run/figures/$png" ] || { echo "FAIL: figures/$png missing" >&2; exit 1; }
done
[ -e "$marker" ] || { echo "FAIL: the figures were not drawn by the installed script" >&2; exit 1; }
echo "consumer: built against $prefix, ran infofrag run with its figures"
