// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --target=sm_90 --max-seq-len=4096 --no-cubin -o %t.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s --implicit-check-not=cubin

// --no-cubin bundles PTX only, whether or not ptxas is installed.

// CHECK: image 0: sm_80 ptx
// CHECK: image 1: sm_90 ptx
// CHECK: content_hash: fnv1a64: ok
