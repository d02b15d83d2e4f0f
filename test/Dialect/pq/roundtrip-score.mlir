// RUN: pq-opt %s | pq-opt | FileCheck %s

// CHECK-LABEL: func.func @gqa
// CHECK: %{{.+}} = pq.score %{{.+}}, %{{.+}}, %{{.+}}[%{{.+}}] seq_len %{{.+}} step #{{.+}} layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
func.func @gqa(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) -> memref<?x4x?xf32> {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return %s : memref<?x4x?xf32>
}

// CHECK-LABEL: func.func @seed_layout
// CHECK: pq.score {{.+}} layout seed : memref<2x2x1x8xf32>, memref<2x2x2x4x4xf32>, memref<2x?x2x2xi64> -> memref<2x2x?xf32>
func.func @seed_layout(%q: memref<2x2x1x8xf32>, %c: memref<2x2x2x4x4xf32>, %codes: memref<2x?x2x2xi64>, %n: index, %sk: index) -> memref<2x2x?xf32> {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout seed : memref<2x2x1x8xf32>, memref<2x2x2x4x4xf32>, memref<2x?x2x2xi64> -> memref<2x2x?xf32>
  return %s : memref<2x2x?xf32>
}
