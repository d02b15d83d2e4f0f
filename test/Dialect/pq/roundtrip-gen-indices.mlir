// RUN: pq-opt %s | pq-opt | FileCheck %s

// CHECK-LABEL: func.func @gen
// CHECK: pq.gen_indices %{{.+}} seq_len %{{.+}} step #{{.+}} outs(%{{.+}}, %{{.+}}, %{{.+}}) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
// CHECK: pq.gen_indices {{.+}} : memref<?x4x?xi32>, memref<?x4x?xi32>, memref<?x4xi64>, memref<?x4x?xf16>
// CHECK: pq.gen_indices {{.+}} : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
func.func @gen(%h: memref<?x4x?xi32>, %sk: index, %l: memref<?x4x?xi64>, %l32: memref<?x4x?xi32>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>, %w16: memref<?x4x?xf16>, %w32: memref<?x4x?xf32>) {
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l32, %len, %w16) : memref<?x4x?xi32>, memref<?x4x?xi32>, memref<?x4xi64>, memref<?x4x?xf16>
  pq.gen_indices %h seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> outs(%l, %len, %w32) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return
}
