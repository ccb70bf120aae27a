#!/usr/bin/env bash
# Sets up and builds infofrag, then runs the main job on the embedded default
# (configs/quickstart.ini): `infofrag run`, the whole pipeline on a Fashion-MNIST beta-VAE
# ensemble (train -> embed -> analyze -> hotspots -> traverse -> figures), printing the
# hotspot table and where the figures are. Output folder: first argument, default
# runs/quickstart. Running it again resumes or skips what is done.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INFOFRAG_TARGETS=${INFOFRAG_TARGETS-infofrag_cli} "$root/scripts/setup.sh"
infofrag=${INFOFRAG_BUILD_DIR:-$root/build}/infofrag
out=${1:-$root/runs/quickstart}

"$infofrag" run --config "$root/configs/quickstart.ini" --out "$out"
echo
echo "figures:  $out/figures/ (structure.png, sweep.png, traversals.png, curves.png)"
echo "analysis: $out/analysis.h5 (with /hotspots; read it with h5py, layout in README.md)"
echo "notebook: INFOFRAG_RUN=$out jupyter nbconvert --execute scripts/figures.ipynb (or open it)"
