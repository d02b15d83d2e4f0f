// RUN: pq-opt %s | pq-opt | FileCheck %s

// CHECK-LABEL: func.func @topk
// CHECK: pq.topk %{{.+}} seq_len %{{.+}} step #{{.+}} tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
// CHECK: pq.topk %{{.+}} seq_len %{{.+}} step #{{.+}} tie lowest_index : memref<?x4x?xf32> -> memref<?x4x2xi64>
func.func @topk(%s: memref<?x4x?xf32>, %sk: index) -> (memref<?x4x?xi32>, memref<?x4x2xi64>) {
  %h = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  %h2 = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf32> -> memref<?x4x2xi64>
  return %h, %h2 : memref<?x4x?xi32>, memref<?x4x2xi64>
}
