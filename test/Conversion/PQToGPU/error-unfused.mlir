// RUN: pq-opt %s -split-input-file --pq-fuse --pq-tile="target=sm_90 max-seq-len=4096" --convert-pq-to-gpu -verify-diagnostics

// Only fused steps lower. The first unfused op is reported with the reason
// pq-fuse left it alone (pq/Utils/Chain.h), not a generic one.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @scores_escape(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) -> memref<?x4x?xf32> {
  // expected-error @below {{convert-pq-to-gpu: 'pq.score' was not fused into a pq.indexer (the scores of its pq.score have other uses); only fused steps lower to GPU}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return %s : memref<?x4x?xf32>
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// A lone topk (no score feeding it) has nothing to fuse with.
func.func @lone_topk(%s: memref<?x4x?xf32>, %sk: index) -> memref<?x4x?xi32> {
  // expected-error @below {{convert-pq-to-gpu: 'pq.topk' was not fused into a pq.indexer (no pq.gen_indices reads its heavy indices)}}
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  return %h : memref<?x4x?xi32>
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// A step inside a nested module is never fused (nor compiled): said so,
// rather than blaming its intermediates.
module {
  module @inner {
    func.func @nested(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) {
      // expected-error @below {{convert-pq-to-gpu: 'pq.score' was not fused into a pq.indexer (it is not in a func.func of the top-level module, where alone pq-fuse and pq-compile take steps from; nested modules are not compiled); only fused steps lower to GPU}}
      %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
      %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
      pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
      return
    }
  }
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @two_seq_lens(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %sk2: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) {
  // expected-error @below {{(its pq.score, pq.topk and pq.gen_indices take different seq_len values)}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk2 step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// The score -> topk -> gen_indices part fuses; the quantize filling another
// codebook cannot join it.
func.func @other_codebook(%q: memref<?x4x1x8xf32>, %k: memref<?x2x?x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %other: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>) {
  // expected-error @below {{'pq.quantize' was not fused into a pq.indexer (it fills another codebook than the one its 'pq.indexer' reads)}}
  %n = pq.quantize %k, %c into %other[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xf32>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return
}

// -----

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func @store_between(%q: memref<?x4x1x8xf32>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xf32>, %x: memref<4xf32>, %v: f32, %i: index) {
  // expected-error @below {{('memref.store' between the chain's ops may write memory the chain reads)}}
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xf32>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  memref.store %v, %x[%i] : memref<4xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xf32>
  return
}
