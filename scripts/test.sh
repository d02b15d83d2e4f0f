#!/usr/bin/env bash
# Runs every test suite of a built tree and ends with each runner's summary:
# lit's for the compiler, ctest's for the runtime and reference, pytest's for
# the Python package.
set -uo pipefail
build=${1:-build}
status=0
here=$(dirname "$0")
# CI also runs the runtime's tests under ASan + UBSan (scripts/sanitize.sh:
# a clang tree without the compiler) and then, in the same tree, fuzzes the
# bundle parser, the .npy reader and the C API briefly (libFuzzer); first,
# so the runners' summaries stay the last lines. Elsewhere PQ_SANITIZE
# (address,undefined or thread) and PQ_FUZZ ask for them.
if [ "${CI:-}" = "true" ] || [ -n "${PQ_SANITIZE:-}" ]; then
  bash "$here/sanitize.sh" || status=1
fi
if [ "${CI:-}" = "true" ] || [ -n "${PQ_FUZZ:-}" ]; then
  fuzzTree=build-fuzz
  if [ "${PQ_SANITIZE:-address,undefined}" = address,undefined ] &&
     { [ "${CI:-}" = "true" ] || [ -n "${PQ_SANITIZE:-}" ]; }; then
    fuzzTree=build-asan # sanitize.sh's tree has the fuzzers built
  fi
  FUZZ_SECONDS=${FUZZ_SECONDS:-15} bash "$here/fuzz.sh" "$fuzzTree" || status=1
  # pq-compile and pq-opt of this tree: mutated and deeply nested IR, bad
  # flags, unwritable outputs (a few hundred invocations, ~15 s).
  if [ -x "$build/bin/pq-compile" ]; then
    FUZZ_MUTANTS=${FUZZ_MUTANTS:-200} bash "$here/fuzz-pq-compile.sh" "$build" ||
      status=1
  fi
fi
"${LIT:-/usr/lib/llvm-22/bin/lit}" -v "$build/test" || status=1
(cd "$build" && ctest --output-on-failure) || status=1
# The Python package over this tree's libpqrt and pq-compile (pytest's
# summary closes the output). PQ_NO_PYTHON=1 leaves it out.
if [ -z "${PQ_NO_PYTHON:-}" ]; then
  bash "$here/python-test.sh" "$build" || status=1
fi
exit $status
