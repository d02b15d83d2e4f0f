// RUN: pq-opt %s | pq-opt | FileCheck %s

// CHECK-LABEL: func.func @with_key
// CHECK: pq.indexer query(%{{.+}} : memref<?x4x1x8xbf16>) key(%{{.+}} : memref<?x2x?x8xbf16>) centroids(%{{.+}} : memref<?x2x2x4x4xf32>) codes(%{{.+}} : memref<?x2x?x2xui8>)[%{{.+}}] seq_len %{{.+}} outs(%{{.+}}, %{{.+}}, %{{.+}} : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #{{.+}} layout compact tie lowest_index
func.func @with_key(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) -> index {
  %n = pq.indexer query(%q : memref<?x4x1x8xbf16>) key(%k : memref<?x2x?x8xbf16>) centroids(%c : memref<?x2x2x4x4xf32>) codes(%codes : memref<?x2x?x2xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact tie lowest_index
  return %n : index
}

// CHECK-LABEL: func.func @ip_with_tiling
// CHECK: pq.indexer {{.+}} phi(%{{.+}} : memref<4xf32>) codes({{.+}} layout seed tie lowest_index tiling #pq.tiling<strategy = row, threads = 256, ctas_per_row = 1, max_seq_len = 4096, smem = 20000>
func.func @ip_with_tiling(%q: memref<1x4x1x8xf32>, %k: memref<1x2x?x8xf32>, %c: memref<1x2x2x4x5xf32>, %phi: memref<4xf32>, %codes: memref<1x?x2x2xi64>, %nc: index, %sk: index, %l: memref<1x4x?xi32>, %len: memref<1x4xi64>, %w: memref<1x4x?xf32>) -> index {
  %n = pq.indexer query(%q : memref<1x4x1x8xf32>) key(%k : memref<1x2x?x8xf32>) centroids(%c : memref<1x2x2x4x5xf32>) phi(%phi : memref<4xf32>) codes(%codes : memref<1x?x2x2xi64>)[%nc] seq_len %sk outs(%l, %len, %w : memref<1x4x?xi32>, memref<1x4xi64>, memref<1x4x?xf32>) step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip> layout seed tie lowest_index tiling #pq.tiling<strategy = row, threads = 256, ctas_per_row = 1, max_seq_len = 4096, smem = 20000>
  return %n : index
}
