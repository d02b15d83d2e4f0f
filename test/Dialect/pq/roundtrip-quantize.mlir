// RUN: pq-opt %s | pq-opt | FileCheck %s

// CHECK: #[[$STEP:.+]] = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
// CHECK-LABEL: func.func @compact
// CHECK: %{{.+}} = pq.quantize %{{.+}}, %{{.+}} into %{{.+}}[%{{.+}}] seq_len %{{.+}} step #[[$STEP]] layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
func.func @compact(%key: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) -> index {
  %n = pq.quantize %key, %c into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  return %n : index
}

// CHECK-LABEL: func.func @seed
// CHECK: pq.quantize {{.+}} layout seed : memref<1x2x16x8xf32>, memref<1x2x2x4x4xbf16> into memref<1x16x2x2xi64>
func.func @seed(%key: memref<1x2x16x8xf32>, %c: memref<1x2x2x4x4xbf16>, %codes: memref<1x16x2x2xi64>, %nc: index, %sk: index) -> index {
  %n = pq.quantize %key, %c into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout seed : memref<1x2x16x8xf32>, memref<1x2x2x4x4xbf16> into memref<1x16x2x2xi64>
  return %n : index
}
