// RUN: not pq-compile %s --target=sm_90 -o %t.pqmod 2>&1 | FileCheck %s -DFILE=%s

// IR that parses but fails the pq verifier is reported at the op.

// CHECK: [[FILE]]:[[@LINE+3]]:{{[0-9]+}}: error: 'pq.score' op operand #1 must be 5D memref of bfloat16 type or 32-bit float values
#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
func.func @centroids_f16(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf16>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf16>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}
