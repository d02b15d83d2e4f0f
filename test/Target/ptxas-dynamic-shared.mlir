// REQUIRES: ptxas
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx -o %t.ptx
// RUN: %ptxas -arch=sm_80 -v %t.ptx -o %t.cubin > %t.log 2>&1
// RUN: FileCheck %s --input-file=%t.log

// With dynamic shared memory declared `.extern`, ptxas reserves no static
// shared memory for the kernels and has no out-of-bounds notes about it.

// CHECK-NOT: smem
// CHECK-NOT: out of bound
// CHECK:     Used {{[0-9]+}} registers
// CHECK-NOT: smem
