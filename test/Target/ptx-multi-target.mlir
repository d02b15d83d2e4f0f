// RUN: pq-compile %examples/mha32_seed.mlir --target=sm_80 --target=sm_90 --max-seq-len=4096 --emit=ptx | FileCheck %s

// With several --target, --emit=ptx prints each arch's PTX in --target
// order, each after a `// pq-compile: <arch>` line. Both come from the same
// tiling (made for the arch with the least shared memory).

// CHECK:      // pq-compile: sm_80
// CHECK:      .target sm_80
// CHECK:      .visible .entry mha32_seed_row(
// CHECK:      // pq-compile: sm_90
// CHECK:      .target sm_90
// CHECK:      .visible .entry mha32_seed_row(
// CHECK-NOT:  // pq-compile:
