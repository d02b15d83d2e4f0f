// RUN: not pq-opt %s --pq-tile="target=sm_80 cluster-size=4" 2>&1 | FileCheck %s
// RUN: not pq-compile %examples/llama3_8b.mlir --target=sm_80 --target=sm_90 --cluster-size=4 --max-seq-len=4096 --emit=mlir 2>&1 | FileCheck %s --check-prefix=BOTH

// cluster-size asks for a `cluster` tiling, which needs thread-block
// clusters: on sm_80, or a bundle for sm_80 and sm_90 (tiled for the
// smaller sm_80), it is an error rather than silently ignored.

// CHECK: error: pq-tile: cluster-size=4 needs a target with thread-block clusters (sm_90), not sm_80
// BOTH: error: pq-tile: cluster-size=4 needs a target with thread-block clusters (sm_90), not sm_80

#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
func.func @step(%q: memref<?x4x1x16xf32>, %c: memref<?x2x2x16x8xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<?x4x1x16xf32>) centroids(%c : memref<?x2x2x16x8xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>) step #step layout compact tie lowest_index
  return %n : index
}
