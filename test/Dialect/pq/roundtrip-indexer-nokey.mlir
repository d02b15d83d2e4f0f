// RUN: pq-opt %s | pq-opt | FileCheck %s

// Without a key operand the codebook already covers every indexed position.
// CHECK-LABEL: func.func @no_key
// CHECK: pq.indexer query(%{{.+}} : memref<?x4x1x8xbf16>) centroids(
// CHECK-NOT: key(
func.func @no_key(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x4x1x8xbf16>) centroids(%c : memref<?x2x2x4x4xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact tie lowest_index
  return %n : index
}
