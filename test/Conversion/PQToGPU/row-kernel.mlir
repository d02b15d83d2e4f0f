// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s

// The `row` strategy: one kernel per step, one CTA (512 threads) per
// (kv head, batch entry), the group's tables and keys in dynamic shared
// memory, warp shuffles in the reductions and shared-memory atomics in the
// radix-select histogram. llama3_8b has 8 kv heads, so the grid is
// [8, batch, 1] (-1 stands for the call's batch). On sm_80, whose choice
// never depends on clusters (cluster-kernel.mlir has sm_90's third kernel).

// CHECK:      gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_80">] {
// CHECK-NEXT:   gpu.func @llama3_8b_row(
// CHECK-SAME:     kernel attributes {known_block_size = array<i32: 512, 1, 1>, nvvm.maxnreg = 128 : i32,
// CHECK-SAME:     pq.grid = array<i64: 8, -1, 1>
// CHECK:          gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:          gpu.shuffle xor
// CHECK:          gpu.barrier
// CHECK:          memref.atomic_rmw addi %{{.+}}, %{{.+}}[%{{.+}}] : (i32, memref<{{[0-9]+}}xi32, #gpu.address_space<workgroup>>) -> i32
// CHECK:          gpu.return
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NOT:  gpu.func
