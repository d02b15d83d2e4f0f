// RUN: pq-opt %s --convert-pq-to-gpu | FileCheck %s

// Kernel names start with the function's name; a second step in the same
// function gets a counter, and the strategy names the kernels (_row,
// _score and _select, _cluster). All kernels go into the one gpu.module, in
// the order of the steps, and each step launches its own kernels.

#target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
#row = #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 1024, smem = 0>
#split = #pq.tiling<strategy = split, threads = 512, ctas_per_row = 8, max_seq_len = 65536, smem = 0>
#cluster = #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 4, max_seq_len = 1024, smem = 0>

// CHECK-LABEL: func.func @two_steps(
// CHECK:         gpu.launch_func @pq_kernels::@two_steps_row
// CHECK:         gpu.launch_func @pq_kernels::@two_steps_1_score
// CHECK:         gpu.launch_func @pq_kernels::@two_steps_1_select
// CHECK:         gpu.launch_func @pq_kernels::@two_steps_2_cluster
// CHECK-LABEL: func.func @other(
// CHECK:         gpu.launch_func @pq_kernels::@other_row
// CHECK:       gpu.module @pq_kernels
// CHECK:         gpu.func @two_steps_row(
// CHECK-SAME:      pq.entry = "two_steps"
// CHECK:         gpu.func @two_steps_1_score(
// CHECK-SAME:      pq.entry = "two_steps_1"
// CHECK:         gpu.func @two_steps_1_select(
// CHECK-SAME:      pq.entry = "two_steps_1"
// CHECK:         gpu.func @two_steps_2_cluster(
// CHECK-SAME:      pq.entry = "two_steps_2"
// CHECK:         gpu.func @other_row(
// CHECK-SAME:      pq.entry = "other"
module attributes {pq.target = #target} {
  func.func @two_steps(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #row
    %m = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%n] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #split
    %o = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%m] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #cluster
    return %o : index
  }
  func.func @other(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
    %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index tiling #row
    return %n : index
  }
}
