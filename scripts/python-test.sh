#!/usr/bin/env bash
# Builds the Python package (python/) from a built tree and runs its tests:
# a virtual environment in BUILD/python-venv, the wheel's libpqrt and
# pq-compile taken from BUILD (PQ_PREBUILT, so nothing is compiled twice),
# then pytest (the GPU tests skip without a GPU). pytest's summary is the
# last line.
#   scripts/python-test.sh [BUILD]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$build/python-venv
python=${PYTHON:-python3}

if ldd "$build/bin/pq-compile" 2>/dev/null | grep -q 'libLLVM\|libMLIR'; then
  echo "python-test: $build/bin/pq-compile loads libLLVM; the wheel ships it, so" \
       "configure $build with -DPQ_LINK_LLVM_STATIC=ON (the Makefile does)" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
# Build requirements are installed once; --no-build-isolation reuses them.
if ! "$venv/bin/python" -c 'import nanobind, scikit_build_core, numpy, pytest' 2>/dev/null; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    'scikit-build-core>=0.10' 'nanobind>=2.2' numpy pytest
fi
PQ_PREBUILT=$build "$venv/bin/python" -m pip install -q --disable-pip-version-check \
  --no-build-isolation --no-deps --force-reinstall "$root/python"
cd "$root"
PQ_RUN=$build/bin/pq-run "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
