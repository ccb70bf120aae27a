#!/usr/bin/env bash
# Runs `python ARGS...` with the interpreter of a virtual environment that holds current
# scikit-learn from PyPI (Debian 12's is 1.2), for test_optics_sklearn.py --compat current.
# Creates it on first use, once for every build and clone:
#   INFOFRAG_SKLEARN_VENV     default $HOME/.cache/infofrag/sklearn-venv
#   INFOFRAG_SKLEARN_VERSION  the version pinned, default 1.9.1 (pip install scikit-learn==V h5py)
# Exits 77, which CTest reports as skipped, when the environment cannot be made (no network).
set -uo pipefail
venv=${INFOFRAG_SKLEARN_VENV:-$HOME/.cache/infofrag/sklearn-venv}
version=${INFOFRAG_SKLEARN_VERSION:-1.9.1}
skipped=77

have() {
  [ "$("$venv/bin/python" -c 'import h5py, sklearn; print(sklearn.__version__)' 2>/dev/null)" = "$version" ]
}

if ! have; then
  mkdir -p "$(dirname "$venv")"
  # One creator at a time (two builds' tests may start together).
  exec 9>"$venv.lock"
  flock 9
  if ! have; then
    echo "with_current_sklearn: installing scikit-learn==$version and h5py into $venv" >&2
    { [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"; } &&
      "$venv/bin/python" -m pip install -q --disable-pip-version-check \
        "scikit-learn==$version" h5py >&2
    if ! have; then
      echo "skipped: could not install scikit-learn==$version into $venv (no network?)" >&2
      exit $skipped
    fi
  fi
  exec 9>&-
fi
exec "$venv/bin/python" "$@"
