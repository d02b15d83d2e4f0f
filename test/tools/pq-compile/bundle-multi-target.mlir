// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --target=sm_90 --max-seq-len=4096 --no-cubin -o %t.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s

// --target twice bundles one PTX image per arch, in --target order, back to
// back in the image section; one kernel list serves both.

// CHECK:      kernel llama3_8b_row grid=[8, batch, 1]
// CHECK-NEXT: image 0: sm_80 ptx .target sm_80
// CHECK-NEXT: image 1: sm_90 ptx .target sm_90
// CHECK-NEXT: content_hash: fnv1a64: ok
