// RUN: %python -c "import sys; t = open(sys.argv[1]).read().split('\n// -----\n')[0]; open(sys.argv[2], 'w').write(t)" %s %t.mixed.mlir
// RUN: not pq-compile %t.mixed.mlir --target=sm_90 -o %t.pqmod 2>&1 | FileCheck %s -DFILE=%t.mixed.mlir
// RUN: %python -c "import sys; t = open(sys.argv[1]).read().split('\n// -----\n')[1]; open(sys.argv[2], 'w').write(t)" %s %t.nested.mlir
// RUN: not pq-compile %t.nested.mlir --target=sm_90 -o %t.nested.pqmod 2>&1 | FileCheck %s --check-prefix=NESTED
// RUN: %python -c "import sys; t = open(sys.argv[1]).read().split('\n// -----\n')[2]; open(sys.argv[2], 'w').write(t)" %s %t.limits.mlir
// RUN: not pq-compile %t.limits.mlir --target=sm_90 -o %t.limits.pqmod 2>&1 | FileCheck %s --check-prefix=LIMITS

// What used to be blamed on fusion ("an intermediate has other uses") is
// reported as what it is: a chain mixing two #pq.step attributes (first
// part), a chain inside a nested module (second part). Sizes libpqrt would
// refuse to load are verifier errors (third part).

// CHECK: [[FILE]]:[[@LINE+5]]:{{[0-9]+}}: error: 'pq.topk' op step: heavy = 4 differs from heavy = 2 of the 'pq.score' that produces its scores; the ops of one indexer step must share one #pq.step
#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
#more = #pq.step<sink = 1, window = 1, heavy = 4, init_offset = 1, bits = 2, metric = euclidean>
func.func @mixed(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #more tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #more outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return
}

// -----

// NESTED: error: convert-pq-to-gpu: 'pq.score' was not fused into a pq.indexer (it is not in a func.func of the top-level module, where alone pq-fuse and pq-compile take steps from; nested modules are not compiled)
#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
module {
  module @inner {
    func.func @nested(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) {
      %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
      %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
      pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
      return
    }
  }
}

// -----

// LIMITS: error: step: sink must be at most 1099511627776 (PQRT_MAX_TOKENS, the largest libpqrt loads), got 4611686018427387904
#step = #pq.step<sink = 4611686018427387904, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
func.func @huge_sink(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}
