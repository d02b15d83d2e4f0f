// RUN: pq-opt %s | FileCheck %s

// Ops of one step share one #step alias; a second step gets its own.
// CHECK: #[[$A:step[0-9]*]] = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
// CHECK: #[[$B:step[0-9]*]] = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 2, metric = euclidean>
// CHECK-LABEL: func.func @two_steps
// CHECK: pq.topk %{{.+}} step #[[$A]] tie
// CHECK: pq.topk %{{.+}} step #[[$A]] tie
// CHECK: pq.topk %{{.+}} step #[[$B]] tie
func.func @two_steps(%s: memref<?x4x?xf32>, %sk: index) {
  %a = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  %b = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  %c = pq.topk %s seq_len %sk step #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 2, metric = euclidean> tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  return
}
