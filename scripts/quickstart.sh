#!/usr/bin/env bash
# Sets up and builds infofrag, then runs the main job on the embedded default
# (configs/quickstart.ini): a synthetic ensemble -> analysis -> summary.
# Output folder: first argument, default runs/quickstart.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
infofrag=${INFOFRAG_BUILD_DIR:-$root/build}/infofrag
out=${1:-$root/runs/quickstart}
mkdir -p "$out"

config=$root/configs/quickstart.ini
"$infofrag" synth --config "$config" --out "$out/embeddings.h5"
"$infofrag" analyze --config "$config" --embeddings "$out/embeddings.h5" --out "$out/analysis.h5"
"$infofrag" summarize --analysis "$out/analysis.h5"
echo
echo "embeddings: $out/embeddings.h5"
echo "analysis:   $out/analysis.h5   (read it with h5py; layout in README.md)"
