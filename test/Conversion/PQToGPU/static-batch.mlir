// RUN: pq-opt %s --convert-pq-to-gpu | FileCheck %s

// A static batch is a constant on the host (the grid's batch extent and the
// workspace size) and the first entry of pq.shape; the kernel's pq.grid
// still marks the batch extent with -1, so the runtime sizes it per call.
// Workspace rows hold max_seq_len - init_offset = 1019 keys, padded to 1020
// so that runs of 4 keys are 16-byte stores.

#target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>

// CHECK-LABEL: func.func @static_batch(
// CHECK-NOT:     memref.dim %{{.+}}, %{{.+}} : memref<3x4x1x16xf32>
// CHECK:         %[[B:.+]] = arith.constant 3 : index
// CHECK:         %[[PER:.+]] = arith.constant 4080 : index
// CHECK:         %[[N:.+]] = arith.muli %[[B]], %[[PER]] : index
// CHECK:         memref.alloc(%[[N]]) : memref<?xi32>
// CHECK:         gpu.launch_func @pq_kernels::@static_batch_score blocks in (%{{.+}}, %{{.+}}, %[[B]])
// CHECK:         gpu.launch_func @pq_kernels::@static_batch_select blocks in (%{{.+}}, %[[B]], %{{.+}})
// CHECK:       gpu.func @static_batch_score(
// CHECK-SAME:    pq.grid = array<i64: 4, 2, -1>
// CHECK-SAME:    pq.shape = array<i64: 3, 4, 2, 16, 2>
// CHECK-SAME:    pq.workspace_bytes_per_batch = 16320 : i64
// CHECK:       gpu.func @static_batch_select(
// CHECK-SAME:    pq.grid = array<i64: 4, -1, 1>
// CHECK-SAME:    pq.shape = array<i64: 3, 4, 2, 16, 2>
module attributes {pq.target = #target} {
  func.func @static_batch(%q: memref<3x4x1x16xf32>, %c: memref<3x2x2x16x8xf32>, %codes: memref<3x2x?x2xui8>, %nc: index, %sk: index, %l: memref<3x4x?xi64>, %len: memref<3x4xi64>, %w: memref<3x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<3x4x1x16xf32>) centroids(%c : memref<3x2x2x16x8xf32>) codes(%codes : memref<3x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<3x4x?xi64>, memref<3x4xi64>, memref<3x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = split, threads = 256, ctas_per_row = 4, max_seq_len = 1023, smem = 0>
    return %n : index
  }
}
