// RUN: pq-opt %s --convert-pq-to-gpu | FileCheck %s

// A hand-written `cluster` tiling: the kernel takes its cluster size from
// ctas_per_row (2 here, whatever pq-tile would pick), so the grid is
// [2 * 2 kv heads, batch, 1] and the launch's `clusters in` is (2, 1, 1). A
// static batch of 3 is a constant on the host (grid and workspace, which
// holds max_seq_len - init_offset = 1019 keys per row padded to 1020, then
// as many positions: 2 * 4 heads * 1020 = 8160 elements per batch entry),
// while pq.grid still marks the batch with -1. The step has no key, so
// nothing is quantized.

#target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>

// CHECK-LABEL: func.func @static_batch(
// CHECK:         %[[B:.+]] = arith.constant 3 : index
// CHECK:         %[[PER:.+]] = arith.constant 8160 : index
// CHECK:         %[[N:.+]] = arith.muli %[[B]], %[[PER]] : index
// CHECK:         %[[WS:.+]] = memref.alloc(%[[N]]) : memref<?xi32>
// CHECK:         %[[C4:.+]] = arith.constant 4 : index
// CHECK:         %[[C1:.+]] = arith.constant 1 : index
// CHECK:         %[[ONE:.+]] = arith.constant 1 : index
// CHECK:         %[[C256:.+]] = arith.constant 256 : index
// CHECK:         %[[SMEM:.+]] = arith.constant 31104 : i32
// CHECK:         %[[C2:.+]] = arith.constant 2 : index
// CHECK:         gpu.launch_func @pq_kernels::@static_batch_cluster clusters in (%[[C2]], %[[ONE]], %[[ONE]]) blocks in (%[[C4]], %[[B]], %[[C1]]) threads in (%[[C256]], %[[ONE]], %[[ONE]]) dynamic_shared_memory_size %[[SMEM]] args(
// CHECK-SAME:      %[[WS]] : memref<?xi32>
// CHECK-NEXT:    memref.dealloc %[[WS]] : memref<?xi32>
// CHECK:       gpu.func @static_batch_cluster(
// CHECK-SAME:    known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME:    nvvm.cluster_dim = array<i32: 2, 1, 1>
// CHECK-SAME:    pq.cluster = 2 : i64
// CHECK-SAME:    pq.grid = array<i64: 4, -1, 1>
// CHECK-SAME:    pq.params = ["query", "centroids", "codes", "sparse_list", "sparse_len", "weight_list", "workspace", "seq_len", "num_cached", "key_capacity", "code_capacity"]
// CHECK-SAME:    pq.quantize = false
// CHECK-SAME:    pq.shape = array<i64: 3, 4, 2, 16, 2>
// CHECK-SAME:    pq.smem = 31104 : i64
// CHECK-SAME:    pq.workspace_bytes_per_batch = 32640 : i64
// CHECK:         nvvm.mapa
module attributes {pq.target = #target} {
  func.func @static_batch(%q: memref<3x4x1x16xf32>, %c: memref<3x2x2x16x8xf32>, %codes: memref<3x2x?x2xui8>, %nc: index, %sk: index, %l: memref<3x4x?xi64>, %len: memref<3x4xi64>, %w: memref<3x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<3x4x1x16xf32>) centroids(%c : memref<3x2x2x16x8xf32>) codes(%codes : memref<3x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<3x4x?xi64>, memref<3x4xi64>, memref<3x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 2, max_seq_len = 1023, smem = 31104>
    return %n : index
  }
}
