// RUN: pq-opt %s -split-input-file -verify-diagnostics

// The ops of one indexer step share one #pq.step. A chain that mixes them
// used to verify and then failed in convert-pq-to-gpu with an unrelated
// reason ("an intermediate has other uses"); the verifier now names the
// setting that differs.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
#wide = #pq.step<sink = 1, window = 2, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @topk_after_other_score(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  // expected-error @below {{'pq.topk' op step: window = 2 differs from window = 1 of the 'pq.score' that produces its scores; the ops of one indexer step must share one #pq.step}}
  %h = pq.topk %s seq_len %sk step #wide tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
#other = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = ip>

func.func @gen_after_other_topk(%s: memref<?x4x?xf32>, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  // expected-error @below {{step: metric ip differs from metric euclidean of the 'pq.topk' that produces its heavy indices}}
  pq.gen_indices %h seq_len %sk step #other outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>
#other = #pq.step<sink = 1, window = 1, heavy = 3, init_offset = 1, bits = 2, metric = euclidean>

func.func @score_after_other_quantize(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) {
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #other layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  // expected-error @below {{'pq.score' op step: heavy = 2 differs from heavy = 3 of the 'pq.quantize' that produces its code count}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  return
}
