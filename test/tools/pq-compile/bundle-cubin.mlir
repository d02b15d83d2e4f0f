// REQUIRES: ptxas
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --target=sm_90 --max-seq-len=4096 -o %t.pqmod 2>&1 | FileCheck %s --check-prefix=WARN --allow-empty
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --ptxas=%ptxas -o %t.explicit.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.explicit.pqmod | FileCheck %s --check-prefix=EXPLICIT

// With ptxas present every arch also gets a cubin (after all PTX images),
// found on its own or named by --ptxas; no spill warning is printed.

// WARN-NOT: spill

// CHECK:      image 0: sm_80 ptx .target sm_80
// CHECK-NEXT: image 1: sm_90 ptx .target sm_90
// CHECK-NEXT: image 2: sm_80 cubin elf
// CHECK-NEXT: image 3: sm_90 cubin elf
// CHECK-NEXT: content_hash: fnv1a64: ok

// EXPLICIT:      image 0: sm_90 ptx .target sm_90
// EXPLICIT-NEXT: image 1: sm_90 cubin elf
// EXPLICIT-NEXT: content_hash: fnv1a64: ok
