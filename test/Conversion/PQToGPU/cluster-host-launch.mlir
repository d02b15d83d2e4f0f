// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_90 max-seq-len=4096 cluster-size=16" --convert-pq-to-gpu | FileCheck %s --implicit-check-not=pq.indexer

// The host side of a `cluster` step: one gpu.launch_func whose `clusters in` is
// the tiling's cluster size (16, fixed by cluster-size) and whose grid is [16 *
// 8 kv heads, batch, 1] CTAs of 256 threads, with the plan's dynamic shared
// memory and an i32 workspace of 2 * heads * (max_seq_len - init_offset) =
// 2 * 32 * 3968 = 253952 elements per batch entry (the keys of each row's
// threshold bin and their positions), freed after the launch.

// CHECK-LABEL: func.func @llama3_8b(
// CHECK-SAME:    %[[Q:[^:]+]]: memref<?x32x1x128xbf16>
// CHECK:         %[[B:.+]] = memref.dim %[[Q]], %{{.+}} : memref<?x32x1x128xbf16>
// CHECK:         %[[PER:.+]] = arith.constant 253952 : index
// CHECK:         %[[N:.+]] = arith.muli %[[B]], %[[PER]] : index
// CHECK:         %[[WS:.+]] = memref.alloc(%[[N]]) : memref<?xi32>
// CHECK:         %[[C128:.+]] = arith.constant 128 : index
// CHECK:         %[[C1:.+]] = arith.constant 1 : index
// CHECK:         %[[ONE:.+]] = arith.constant 1 : index
// CHECK:         %[[C256:.+]] = arith.constant 256 : index
// CHECK:         %[[SMEM:.+]] = arith.constant 53232 : i32
// CHECK:         %[[C16:.+]] = arith.constant 16 : index
// CHECK:         gpu.launch_func @pq_kernels::@llama3_8b_cluster clusters in (%[[C16]], %[[ONE]], %[[ONE]]) blocks in (%[[C128]], %[[B]], %[[C1]]) threads in (%[[C256]], %[[ONE]], %[[ONE]]) dynamic_shared_memory_size %[[SMEM]] args(
// CHECK-SAME:      %[[WS]] : memref<?xi32>
// CHECK-NEXT:    memref.dealloc %[[WS]] : memref<?xi32>
// CHECK-NOT:     gpu.launch_func
// CHECK:         return
