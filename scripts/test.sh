#!/usr/bin/env bash
# Runs every test suite of a built tree and ends with each runner's summary:
# lit's for the compiler, ctest's for the runtime and reference.
set -uo pipefail
build=${1:-build}
status=0
"${LIT:-/usr/lib/llvm-22/bin/lit}" -v "$build/test" || status=1
(cd "$build" && ctest --output-on-failure) || status=1
exit $status
