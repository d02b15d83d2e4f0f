#!/usr/bin/env bash
# Command-line tests of pq-run (registered with ctest as pq-run.cli):
# presets with --check, bad flags and bad files (non-zero exit and a message,
# never a crash), and a .npy round trip through --save-inputs / --outputs /
# --inputs.
#   test/cli/pq-run-test.sh PATH/TO/pq-run
set -uo pipefail
pqrun=${1:?usage: pq-run-test.sh PATH/TO/pq-run}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

# --- presets and --check ----------------------------------------------------
expect_ok '^check +PASS$' --preset llama3_8b --seq-len 2048 --check
expect_ok 'sink \[0\.\.127\] \+ 1024 heavy \(first: [0-9]+, ' \
  --preset llama3_8b --seq-len 2048
expect_ok 'window \[1920\.\.2047\]' --preset llama3_8b --seq-len 2048
expect_ok '^weights +row sums 1280 in all 32 rows$' --preset llama3_8b --seq-len 2048
expect_ok '^check +PASS$' --preset mha32_seed --seq-len 1024 --check --ties
expect_ok '^check +PASS$' --preset qwen2_5_7b --seq-len 2600 --check
expect_ok '^path +full attention' --preset llama3_8b --seq-len 1217
expect_ok '^path +sparse' --preset llama3_8b --seq-len 1218
expect_ok '^  codes +PASS$' --heads 4 --kv-heads 2 --head-dim 8 --subspaces 2 \
  --bits 3 --sink 2 --window 3 --heavy 5 --init-offset 1 --seq-len 40 \
  --metric ip --layout seed --index-type i32 --weight-type f32 --batch 2 \
  --num-cached 30 --check
expect_ok '^bench +cpu reference: median [0-9.]+ ms per step over 3 runs' \
  --preset llama3_8b --seq-len 1500 --bench 3
expect_ok 'runs on the CPU reference' --preset llama3_8b --seq-len 1500 --device=auto
expect_ok '^device +cpu reference$' --preset llama3_8b --seq-len 1500 --device cpu
expect_ok '^build +k-means of n = 1920 keys in 16 groups, T = 2 \(seed 3\): [12] iterations' \
  --preset llama3_8b --seq-len 2048 --build --kmeans-iter 2 --seed 3
expect_ok '^check +PASS$' --preset qwen2_5_7b --seq-len 2600 --build --kmeans-iter 1 --check
expect_ok 'n_cached 1920 \(0 new keys to quantize\)' --preset llama3_8b --seq-len 2048 \
  --build --kmeans-iter 0
expect_ok 'llama3_8b_long' --preset list
expect_ok '^usage: pq-run' --help

# --- bad command lines: exit 2 ----------------------------------------------
expect_error 2 "unknown option '--bogus'" --bogus
expect_error 2 "unknown option '-x'" -x
expect_error 2 "--heads expects a value" --heads
expect_error 2 "--heads: 'abc' is not an integer" --heads=abc
expect_error 2 "--heads: '-3' is out of range" --heads=-3
expect_error 2 "out of range" --seq-len 99999999999999999999999
expect_error 2 "--check takes no value" --check=yes
expect_error 2 "'cosine' is not one of euclidean, ip" --metric cosine
expect_error 2 "'tpu' is not one of cpu, gpu, auto" --device=tpu
expect_error 2 "unknown preset 'nope'" --preset nope
expect_error 2 "h 3 is not divisible by h_kv 2" --heads 3 --kv-heads 2
expect_error 2 "pq_bits 9 does not fit the compact" --bits 9
expect_error 2 "cannot be combined with --inputs" --ties --inputs "$work"
expect_error 2 "--kmeans-iter applies to --build" --kmeans-iter 3
expect_error 2 "cannot be combined with --num-cached" --build --num-cached 5
expect_error 2 "--kmeans-iter: '1001' is out of range" --build --kmeans-iter 1001

# --- cannot run: exit 1 -----------------------------------------------------
expect_error 1 "--device=gpu needs a compiled bundle" --device=gpu
expect_error 1 "some.pqmod: bundle: cannot open" some.pqmod
expect_error 1 "exceeds n = sk - init_offset" --preset llama3_8b --num-cached 99999
expect_error 1 "above pq-run's limit" --preset llama3_8b --seq-len 1000000000
expect_error 1 "not a directory" --inputs "$work/none"
expect_error 1 "fewer than C = 2\^bits = 64 centroids" --preset llama3_8b --seq-len 150 \
  --heavy 0 --build

# --- .npy round trip ----------------------------------------------------------
q="--preset qwen2_5_7b --seq-len 2600"
# shellcheck disable=SC2086
expect_ok '^outputs +written' $q --save-inputs "$work/in" --outputs "$work/out1"
for f in query key centroids phi codes; do
  checks=$((checks + 1))
  [ -s "$work/in/$f.npy" ] || fail "--save-inputs did not write $f.npy"
done
# The saved inputs give the same outputs, byte for byte.
# shellcheck disable=SC2086
expect_ok 'n_cached 2471 \(1 new key' $q --inputs "$work/in" --outputs "$work/out2"
for f in sparse_list sparse_len weight_list codes; do
  checks=$((checks + 1))
  cmp -s "$work/out1/$f.npy" "$work/out2/$f.npy" ||
    fail "$f.npy differs between random and --inputs runs"
done
# The codebook written after the step is a valid input: nothing is left to
# quantize, and the outputs are the same.
cp "$work/out1/codes.npy" "$work/in/codes.npy"
# shellcheck disable=SC2086
expect_ok 'n_cached 2472 \(0 new keys' $q --inputs "$work/in" --outputs "$work/out3" --check
for f in sparse_list sparse_len weight_list codes; do
  checks=$((checks + 1))
  cmp -s "$work/out1/$f.npy" "$work/out3/$f.npy" ||
    fail "$f.npy differs after feeding codes.npy back"
done
# bf16 buffers travel as '<i2' raw bits and are accepted back.
expect_ok '^time ' --preset llama3_8b --seq-len 1300 --save-inputs "$work/bf"
expect_ok '^check +PASS$' --preset llama3_8b --inputs "$work/bf" --check

# --- bad files: exit 1 --------------------------------------------------------
mkdir -p "$work/bad"
cp "$work/in/"*.npy "$work/bad/"
echo "not numpy" >"$work/bad/query.npy"
expect_error 1 "query.npy: not a .npy file" $q --inputs "$work/bad"
cp "$work/in/query.npy" "$work/bad/"
head -c 500 "$work/in/key.npy" >"$work/bad/key.npy"
expect_error 1 "key.npy: truncated .npy file" $q --inputs "$work/bad"
cp "$work/in/key.npy" "$work/bad/"
expect_error 1 "query.npy: dtype f16 \('<f2'\), expected bf16" \
  --preset llama3_8b --inputs "$work/bad"
expect_error 1 "centroids.npy: shape \(1, 4, 4, 256, 33\), expected" \
  --preset qwen2_5_7b --metric euclidean --inputs "$work/bad"
expect_error 1 "query.npy: shape \(1, 28, 1, 128\), expected \(2, 28, 1, 128\)" \
  $q --inputs "$work/bad" --batch 2
rm "$work/bad/phi.npy"
expect_error 1 "phi.npy: no such file" $q --inputs "$work/bad"
cp "$work/in/phi.npy" "$work/bad/"
rm "$work/bad/key.npy"
expect_error 1 "key.npy: missing" --preset qwen2_5_7b --inputs "$work/bad"
expect_error 1 "codes.npy holds only 2472 rows" $q --inputs "$work/bad" --num-cached 3000
expect_error 1 "cannot create the directory" --preset llama3_8b --outputs /proc/pq-run-test

# --- messages name what the user supplied -------------------------------------
# n_cached from codes.npy's rows, not from a --num-cached never given.
# shellcheck disable=SC2086
expect_error 1 "n_cached 2472 \(the rows of .*/in/codes.npy\) exceeds n = sk - init_offset = 2471 \(--seq-len 2599, init_offset 128\)" \
  $q --inputs "$work/in" --seq-len 2599
expect_error 1 "--num-cached 5 exceeds n = sk - init_offset = 2 \(--seq-len 130, init_offset 128\)" \
  --preset llama3_8b --seq-len 130 --num-cached 5
expect_error 2 "step configuration \(defaults \+ --heads 3 \+ --kv-heads 2\): kv_heads: h 3" \
  --heads 3 --kv-heads 2
mkdir -p "$work/dir.pqmod"
expect_error 1 "dir.pqmod: bundle: '.*dir.pqmod' is a directory, not a .pqmod file" \
  "$work/dir.pqmod"
# A code outside [0, C) in codes.npy is named by its place in the file.
mkdir -p "$work/badcode"
cp "$work/bf/"*.npy "$work/badcode/"
python3 - "$work/badcode/codes.npy" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
start = 10 + struct.unpack("<H", data[8:10])[0]   # .npy 1.0 header
data[start + 2 * 1000 + 1] = 200                  # [0, 0, 1000, 1] of (1, 8, n, 2)
open(sys.argv[1], "wb").write(bytes(data))
PY
expect_error 1 "badcode/codes.npy: code 200 at \(0, 0, 1000, 1\) is outside \[0, 64\)" \
  --preset llama3_8b --inputs "$work/badcode"

# --- only what the step reads is allocated --------------------------------------
# Every key cached and no key.npy: the key cache (here 17.1 GiB) is never
# read, so it is not allocated; pq-run used to refuse the step as "above
# pq-run's limit of 16.0 GiB". Inputs are zeros, written without numpy.
mkdir -p "$work/nokey"
python3 - "$work/nokey" <<'PY'
import struct, sys
def npy(path, descr, shape, itemsize):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % d for d in shape))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    count = 1
    for d in shape:
        count *= d
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode() + bytes(count * itemsize))
d = sys.argv[1]
npy(d + "/query.npy", "<i2", (1, 1, 1, 65536), 2)
npy(d + "/centroids.npy", "<f4", (1, 1, 1, 2, 65536), 4)
npy(d + "/codes.npy", "|u1", (1, 1, 140000, 1), 1)
PY
wide="--heads 1 --kv-heads 1 --head-dim 65536 --subspaces 1 --bits 1 --sink 1
  --window 1 --heavy 4 --init-offset 0 --layout compact --query-type bf16"
# shellcheck disable=SC2086
expect_ok '^check +PASS$' $wide --inputs "$work/nokey" --seq-len 140000 --check
# shellcheck disable=SC2086
expect_error 1 "nokey/key.npy: missing, but 1 new key must be quantized" \
  $wide --inputs "$work/nokey" --seq-len 140001

echo "pq-run CLI: $checks checks, $failures failed"
[ $failures -eq 0 ]
