// RUN: pq-compile %s --target=sm_80 --max-seq-len=2048 --no-cubin -o %t.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s

// A step without key (the chain starts at pq.score): quantize is false and
// there is no key parameter; a static batch of 2 is recorded in step.batch
// while the grid still takes the call's batch.

// CHECK:      entry: keyless
// CHECK:      step.batch: 2
// CHECK:      step.layout: "seed"
// CHECK:      step.quantize: false
// CHECK:      param 0: query memref
// CHECK-NEXT: param 1: centroids memref
// CHECK-NEXT: param 2: codes memref
// CHECK:      kernel keyless_row grid=[2, batch, 1]

#step = #pq.step<sink = 4, window = 4, heavy = 8, init_offset = 4, bits = 4, metric = euclidean>
func.func @keyless(%q: memref<2x8x1x16xf32>, %c: memref<2x2x2x16x8xf32>, %codes: memref<2x?x2x2xi64>, %n: index, %sk: index, %l: memref<2x8x?xi64>, %len: memref<2x8xi64>, %w: memref<2x8x?xf32>) {
  %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout seed : memref<2x8x1x16xf32>, memref<2x2x2x16x8xf32>, memref<2x?x2x2xi64> -> memref<2x8x?xf32>
  %h = pq.topk %s seq_len %sk step #step tie lowest_index : memref<2x8x?xf32> -> memref<2x8x?xi32>
  pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : memref<2x8x?xi32>, memref<2x8x?xi64>, memref<2x8xi64>, memref<2x8x?xf32>
  return
}
