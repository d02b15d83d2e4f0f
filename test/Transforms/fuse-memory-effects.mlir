// RUN: pq-opt %s -split-input-file --pq-fuse | FileCheck %s

// The fused op replaces the chain at the gen_indices, so the chain's ops move
// down past everything in between. That is only sound when nothing in between
// writes memory (or has unknown effects); when a quantize moves, nothing in
// between may read memory either, since it writes the codebook.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @store_between
// CHECK:         pq.score
// CHECK:         pq.topk
// CHECK:         memref.store
// CHECK:         pq.gen_indices
// CHECK-NOT:     pq.indexer
func.func @store_between(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>, %i: index, %v: f32) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  memref.store %v, %c[%i, %i, %i, %i, %i] : memref<?x2x2x4x4xf32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}

// -----

// A write nested in a region counts as well.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @nested_store_between
// CHECK:         pq.score
// CHECK:         scf.if
// CHECK:         pq.topk
// CHECK-NOT:     pq.indexer
func.func @nested_store_between(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>, %i: index, %v: f32, %b: i1) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  scf.if %b {
    memref.store %v, %c[%i, %i, %i, %i, %i] : memref<?x2x2x4x4xf32>
  }
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}

// -----

// A call may do anything.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

func.func private @opaque()

// CHECK-LABEL: func.func @call_between
// CHECK:         pq.score
// CHECK:         call @opaque()
// CHECK:         pq.topk
// CHECK-NOT:     pq.indexer
func.func @call_between(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  func.call @opaque() : () -> ()
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return
}

// -----

// Reads and pure ops between score and gen_indices do not block fusion.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @read_between
// CHECK:         %[[V:.+]] = memref.load
// CHECK-NEXT:    %[[SUM:.+]] = arith.addf %[[V]], %[[V]] : f32
// CHECK-NEXT:    pq.indexer
// CHECK-NEXT:    return %[[SUM]] : f32
func.func @read_between(%q: memref<?x4x1x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %n: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>, %i: index) -> f32 {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %v = memref.load %c[%i, %i, %i, %i, %i] : memref<?x2x2x4x4xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  %sum = arith.addf %v, %v : f32
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return %sum : f32
}

// -----

// A read after the quantize must see the codes it wrote, so the quantize
// stays before it; the rest still fuses.

#step = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean>

// CHECK-LABEL: func.func @codebook_read_after_quantize
// CHECK:         %[[N:.+]] = pq.quantize
// CHECK-NEXT:    memref.load
// CHECK-NEXT:    pq.indexer query({{.+}}) centroids({{.+}}) codes({{.+}})[%[[N]]]
func.func @codebook_read_after_quantize(%q: memref<?x4x1x8xbf16>, %k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index, %l: memref<?x4x?xi64>, %len: memref<?x4xi64>, %w: memref<?x4x?xbf16>, %i: index) -> ui8 {
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #step layout compact : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  %code = memref.load %codes[%i, %i, %i, %i] : memref<?x2x?x2xui8>
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : memref<?x4x1x8xbf16>, memref<?x2x2x4x4xf32>, memref<?x2x?x2xui8> -> memref<?x4x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return %code : ui8
}
