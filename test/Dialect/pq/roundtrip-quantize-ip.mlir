// RUN: pq-opt %s | pq-opt | FileCheck %s

// The ip metric carries one augmented centroid dimension (ds + 1 = 5) and phi.
// CHECK-LABEL: func.func @ip
// CHECK: pq.quantize %[[K:.+]], %[[C:.+]] phi %[[PHI:.+]] into %{{.+}} step #{{.+}} layout compact : memref<?x2x?x8xf16>, memref<?x2x2x4x5xf32>, memref<?xf32> into memref<?x2x?x2xui8>
func.func @ip(%key: memref<?x2x?x8xf16>, %c: memref<?x2x2x4x5xf32>, %phi: memref<?xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) -> index {
  %n = pq.quantize %key, %c phi %phi into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip> layout compact : memref<?x2x?x8xf16>, memref<?x2x2x4x5xf32>, memref<?xf32> into memref<?x2x?x2xui8>
  return %n : index
}
