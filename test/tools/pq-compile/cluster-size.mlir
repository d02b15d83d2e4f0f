// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=5 --emit=ptx | FileCheck %s
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_90 --cluster-size=17 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_90 --cluster-size=-1 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// --cluster-size reaches pq-tile: the kernel is built for clusters of 5
// CTAs (a grid of 5 * 8 kv heads). It must be in [0, 16].

// CHECK:      .visible .entry llama3_8b_cluster(
// CHECK:      .explicitcluster
// CHECK-NEXT: .reqnctapercluster 5, 1, 1
// RANGE:      pq-compile: error: --cluster-size must be in [0, 16] (0: pq-tile chooses), got 17
// NEGATIVE:   pq-compile: error: --cluster-size must be in [0, 16] (0: pq-tile chooses), got -1
