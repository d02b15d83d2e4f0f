// RUN: pq-opt %s -split-input-file --convert-pq-to-gpu | FileCheck %s

// The block size comes from the tiling's threads (known_block_size, pq.block
// and the launch); nvvm.maxnreg = min(255, 65536 / threads) lets one CTA per
// SM use the whole register file instead of ptxas capping registers for an
// occupancy the kernels do not need.

#target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>

// CHECK-LABEL: func.func @threads_128(
// CHECK:         %[[T:.+]] = arith.constant 128 : index
// CHECK:         gpu.launch_func @pq_kernels::@threads_128_row blocks in ({{.+}}) threads in (%[[T]], %{{.+}}, %{{.+}})
// CHECK:       gpu.func @threads_128_row(
// CHECK-SAME:    known_block_size = array<i32: 128, 1, 1>, nvvm.maxnreg = 255 : i32, pq.block = 128 : i64
module attributes {pq.target = #target} {
  func.func @threads_128(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = row, threads = 128, ctas_per_row = 1, max_seq_len = 1024, smem = 0>
    return %n : index
  }
}

// -----

#target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>

// CHECK-LABEL: func.func @threads_1024(
// CHECK:         %[[T:.+]] = arith.constant 1024 : index
// CHECK:         gpu.launch_func @pq_kernels::@threads_1024_score blocks in ({{.+}}) threads in (%[[T]], %{{.+}}, %{{.+}})
// CHECK:         %[[T2:.+]] = arith.constant 1024 : index
// CHECK:         gpu.launch_func @pq_kernels::@threads_1024_select blocks in ({{.+}}) threads in (%[[T2]], %{{.+}}, %{{.+}})
// CHECK:       gpu.func @threads_1024_score(
// CHECK-SAME:    known_block_size = array<i32: 1024, 1, 1>, nvvm.maxnreg = 64 : i32, pq.block = 1024 : i64
// CHECK:       gpu.func @threads_1024_select(
// CHECK-SAME:    known_block_size = array<i32: 1024, 1, 1>, nvvm.maxnreg = 64 : i32, pq.block = 1024 : i64
module attributes {pq.target = #target} {
  func.func @threads_1024(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = split, threads = 1024, ctas_per_row = 2, max_seq_len = 1024, smem = 0>
    return %n : index
  }
}
