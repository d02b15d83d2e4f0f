// RUN: pq-opt %s | pq-opt | FileCheck %s

// The index build op: compact and seed layouts, metric ip with phi, static
// and dynamic batch.

#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
#ip = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 2, metric = ip>

// CHECK-LABEL: func.func @compact
// CHECK: %{{.+}} = pq.kmeans %{{.+}} init %{{.+}} seq_len %{{.+}} iters %{{.+}} step #{{.+}} layout compact outs(%{{.+}}, %{{.+}}) : memref<?x8x?x128xbf16>, memref<?x64xi64> -> memref<?x8x2x64x64xf32>, memref<?x8x?x2xui8>
func.func @compact(%key: memref<?x8x?x128xbf16>, %init: memref<?x64xi64>, %sk: index, %t: index, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>) -> index {
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x8x?x128xbf16>, memref<?x64xi64> -> memref<?x8x2x64x64xf32>, memref<?x8x?x2xui8>
  return %n : index
}

// CHECK-LABEL: func.func @seed_ip
// CHECK: pq.kmeans {{.+}} layout seed outs(%{{.+}}, %{{.+}}, phi %{{.+}}) : memref<2x2x?x8xf32>, memref<8x4xi64> -> memref<2x2x2x4x5xbf16>, memref<2x?x2x2xi64>, memref<8xf32>
func.func @seed_ip(%key: memref<2x2x?x8xf32>, %init: memref<8x4xi64>, %sk: index, %t: index, %c: memref<2x2x2x4x5xbf16>, %codes: memref<2x?x2x2xi64>, %phi: memref<8xf32>) -> index {
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #ip layout seed outs(%c, %codes, phi %phi) : memref<2x2x?x8xf32>, memref<8x4xi64> -> memref<2x2x2x4x5xbf16>, memref<2x?x2x2xi64>, memref<8xf32>
  return %n : index
}
