// RUN: pq-opt %s --pq-tile="target=sm_90" | FileCheck %s

// --target wins over the module's pq.target and replaces it, so later passes
// (convert-pq-to-gpu) see the GPU the tiling was chosen for: here sm_90's
// `cluster` at the default 131072 tokens, which the module's sm_80 could not
// run.

#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>

// CHECK: #target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
// CHECK: module attributes {pq.target = #target}
// CHECK-LABEL: func.func @retarget
// CHECK: tiling #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 131072, smem = 90752, row_groups = 2>
module attributes {pq.target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>} {
  func.func @retarget(%q: memref<?x32x1x128xbf16>, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>, %nc: index, %sk: index, %l: memref<?x32x?xi64>, %len: memref<?x32xi64>, %w: memref<?x32x?xbf16>) -> index {
    %n = pq.indexer query(%q : memref<?x32x1x128xbf16>) centroids(%c : memref<?x8x2x64x64xf32>) codes(%codes : memref<?x8x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>) step #step layout compact tie lowest_index
    return %n : index
  }
}
