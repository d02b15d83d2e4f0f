#!/usr/bin/env bash
# Command-line tests of pq-run on a compiled bundle (ctest pq-run.bundle):
# the step configuration comes from the bundle, flags may only agree with it,
# the module's limits apply on every device, and --device=gpu / auto behave
# as documented with and without a GPU (no driver: gpu fails with a message,
# auto falls back to the CPU reference and says so; a GPU: both run there and
# --check passes). The bundle is compiled here, so the test is skipped (exit
# 77) when no pq-compile is at hand.
#   test/cli/pq-run-bundle-test.sh PATH/TO/pq-run [PATH/TO/pq-compile]
# pq-compile: the argument, else $PQ_COMPILE, else build/bin/pq-compile.
set -uo pipefail
pqrun=${1:?usage: pq-run-bundle-test.sh PATH/TO/pq-run [PATH/TO/pq-compile]}
root=$(cd "$(dirname "$0")/../.." && pwd)
pqcompile=${2:-${PQ_COMPILE:-$root/build/bin/pq-compile}}
if [ ! -x "$pqcompile" ]; then
  echo "SKIP: no pq-compile ($pqcompile) to build a test bundle"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

# A small module: llama3_8b's step, at most 2048 tokens, PTX for sm_80 (any
# GPU of sm_80 or newer can JIT it).
bundle=$work/llama3_8b.pqmod
if ! "$pqcompile" "$root/examples/llama3_8b.mlir" --target=sm_80 \
    --max-seq-len=2048 -o "$bundle" >"$work/compile.log" 2>&1; then
  echo "FAIL: pq-compile could not build the test bundle"
  sed 's/^/  | /' "$work/compile.log"
  exit 1
fi

# --- the configuration comes from the bundle --------------------------------
expect_ok '^step +bundle .*llama3_8b\.pqmod \(entry llama3_8b, [a-z]+, max sk 2048\): h 32, h_kv 8, d 128, S 2, bits 6' \
  "$bundle" --device=cpu
expect_ok '^call +b 1, sk 2048, n 1920, n_cached 1919 ' "$bundle" --device=cpu
expect_ok '^check +PASS$' "$bundle" --device=cpu --check --seq-len 1500 --batch 2
expect_ok '^device +cpu reference$' "$bundle" --device=cpu --seq-len 1300
expect_ok '^  codes +PASS$' "$bundle" --device=cpu --check --ties --seq-len 1300
expect_ok '^outputs +written' "$bundle" --device=cpu --seq-len 1300 \
  --heads 32 --layout compact --outputs "$work/out"
for f in sparse_list sparse_len weight_list codes; do
  checks=$((checks + 1))
  [ -s "$work/out/$f.npy" ] || fail "--outputs did not write $f.npy"
done
expect_ok '^bench +cpu reference: median [0-9.]+ ms per step over 2 runs' \
  "$bundle" --device=cpu --seq-len 1300 --bench 2
expect_ok '^build +k-means of n = 1372 keys in 16 groups, T = 1 .*\(CPU reference\)$' \
  "$bundle" --device=cpu --build --kmeans-iter 1 --seq-len 1500

# --- flags may only agree; the module's limits hold on the CPU too ----------
expect_error 2 "--heads 16 disagrees with the bundle, which is built for 32" \
  "$bundle" --heads 16
expect_error 2 "--layout seed disagrees with the bundle, which is built for compact" \
  "$bundle" --layout seed
expect_error 2 "--preset llama3_8b cannot be combined with a bundle" \
  "$bundle" --preset llama3_8b
expect_error 1 "--seq-len 2049 exceeds the bundle's max_seq_len 2048 \(pq-compile --max-seq-len sets it\)" \
  "$bundle" --device=cpu --seq-len 2049
# sk from key.npy's positions is named as such (not as a flag never given).
expect_ok '^time ' --preset llama3_8b --seq-len 2100 --save-inputs "$work/long"
expect_error 1 "sk 2100 \(the positions in .*/long/key.npy\) exceeds the bundle's max_seq_len 2048" \
  "$bundle" --device=cpu --inputs "$work/long"
expect_error 2 "more than one bundle given" "$bundle" "$bundle"

# --- damaged bundles -----------------------------------------------------------
head -c 200 "$bundle" >"$work/truncated.pqmod"
expect_error 1 "truncated\.pqmod: bundle: " "$work/truncated.pqmod"
expect_error 1 "missing\.pqmod: bundle: cannot open" "$work/missing.pqmod"
mkdir -p "$work/folder.pqmod"
expect_error 1 "folder\.pqmod: bundle: '.*folder\.pqmod' is a directory, not a \.pqmod file" \
  "$work/folder.pqmod"

# --- --device=gpu and auto -----------------------------------------------------
auto=$("$pqrun" "$bundle" --check --seq-len 1500 2>&1)
if grep -q 'no GPU here' <<<"$auto"; then
  echo "(no GPU here: checking the fallback and the clean failure)"
  expect_ok '^device +cpu reference; --device=auto: no GPU here \(.*\), so the step runs on the CPU reference' \
    "$bundle" --seq-len 1500
  expect_ok '^check +PASS$' "$bundle" --device=auto --check --seq-len 1500
  expect_error 1 "--device=gpu: cannot run on the GPU: no (usable )?CUDA (driver|device).*--device=cpu \(or auto\) runs the CPU reference" \
    "$bundle" --device=gpu
else
  echo "(a GPU is present: running the bundle on it)"
  expect_ok '^device +gpu 0 ' "$bundle" --seq-len 1500
  expect_ok '^check +PASS$' "$bundle" --device=gpu --check --seq-len 1500 --batch 3
  expect_ok '^  codes +PASS$' "$bundle" --device=gpu --check --ties --seq-len 2048
  expect_ok '^check +PASS$' "$bundle" --device=gpu --check --seq-len 1217
  expect_ok '^bench +gpu 0 .*us wall per step .* us GPU \(CUDA events\) over 5 runs' \
    "$bundle" --device=gpu --bench 5
  # --build runs the bundle's GPU build when it has one (docs/BUILD.md),
  # checked against the reference's build; else the CPU reference's.
  built=$("$pqrun" "$bundle" --device=gpu --build --kmeans-iter 3 --check \
    --seq-len 1500 2>&1)
  if grep -q 'the bundle has no GPU build' <<<"$built"; then
    echo "(the bundle has no GPU build: the CPU reference builds the index)"
  else
    expect_ok '^build +k-means .*\(GPU, device time\)$' "$bundle" --device=gpu \
      --build --kmeans-iter 3 --seq-len 1500
    expect_ok '^check +build PASS: ' "$bundle" --device=gpu --build \
      --kmeans-iter 3 --check --seq-len 1500 --batch 2
  fi
  expect_ok '^check +PASS$' "$bundle" --device=gpu --build --kmeans-iter 3 \
    --check --seq-len 1500
fi
expect_error 1 "--device=gpu needs a compiled bundle" --preset llama3_8b --device=gpu

echo "pq-run bundle CLI: $checks checks, $failures failed"
[ $failures -eq 0 ]
