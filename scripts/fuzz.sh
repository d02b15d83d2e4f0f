#!/usr/bin/env bash
# Builds the libFuzzer targets in their own tree (clang, ASan + UBSan, no
# compiler, no unit tests unless the tree is scripts/sanitize.sh's) and runs
# each one briefly over its seed corpus: pq-fuzz-bundle (the .pqmod
# parser), pq-fuzz-npy (the .npy reader), pq-fuzz-capi (the C API's host
# functions with random configs and steps).
#   scripts/fuzz.sh [BUILD_DIR]      default build-fuzz
#   FUZZ_SECONDS=N                   seconds per target (default 10)
#   FUZZ_TARGETS="pq-fuzz-npy ..."   a subset (default: every pq-fuzz-* built)
# Targets and their corpus: test/fuzz/<Name>Fuzzer.cpp, test/fuzz/corpus/<name>.
# New inputs found are kept in BUILD_DIR/fuzz-corpus/<name>, not in the source
# tree; crashes are written to BUILD_DIR/fuzz-artifacts/ and fail the script.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-10}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; libFuzzer needs clang (apt-get install clang)" >&2
  exit 1
fi

# A tree of scripts/sanitize.sh (ASan + UBSan, tests on) is reused as it
# is; a new tree gets no tests.
tests=()
if [ ! -f "$build/CMakeCache.txt" ]; then
  tests=(-DPQ_ENABLE_TESTS=OFF)
fi
echo "fuzz: configuring $build (clang, PQ_ENABLE_FUZZERS=ON)"
CC=clang CXX=clang++ cmake -G Ninja -S . -B "$build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPQ_ENABLE_COMPILER=OFF \
  -DPQ_ENABLE_FUZZERS=ON -DPQ_SANITIZE=address,undefined "${tests[@]}" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
rm -f "$build.configure.log"

targets=${FUZZ_TARGETS:-}
if [ -z "$targets" ]; then
  targets=$(ninja -C "$build" -t targets all 2>/dev/null |
    sed -n 's/^\(pq-fuzz-[A-Za-z0-9_-]*\): .*/\1/p' | sort -u)
fi
if [ -z "$targets" ]; then
  echo "fuzz: no pq-fuzz-* targets in $build" >&2
  exit 1
fi
# shellcheck disable=SC2086
ninja -C "$build" $targets

status=0
mkdir -p "$build/fuzz-artifacts"
for target in $targets; do
  name=${target#pq-fuzz-}
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  seeds=()
  if [ -d "test/fuzz/corpus/$name" ]; then
    seeds=("test/fuzz/corpus/$name")
  fi
  echo "fuzz: $target for ${seconds}s (seeds: ${seeds[*]:-none})"
  if "$build/bin/$target" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$name-" \
      "$work" "${seeds[@]}" >"$build/fuzz-$name.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$name.log")
    echo "fuzz: $target PASS (${runs:-?} runs)"
  else
    tail -40 "$build/fuzz-$name.log" >&2
    echo "fuzz: $target FAIL (log: $build/fuzz-$name.log)" >&2
    status=1
  fi
done
exit $status
