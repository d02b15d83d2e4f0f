// REQUIRES: ptxas
// RUN: pq-compile %s --target=sm_80 --max-seq-len=131072 --emit=ptx -o %t.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.sm80.ptx -o %t.sm80.cubin > %t.sm80.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.sm80.log
// RUN: FileCheck %s --input-file=%t.sm80.log
// RUN: pq-compile %s --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.sm90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.sm90.ptx -o %t.sm90.cubin > %t.sm90.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.sm90.log
// RUN: FileCheck %s --input-file=%t.sm90.log
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t.sm80.ptx
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t.sm90.ptx

// The index build's kernels next to the step they serve (b1 h_kv8 S4
// bits8, the issue's 128K shape) assemble for sm_80 and sm_90 without
// spills: the assignment's register tile is 8 points x 16 centroids.

// The distance passes run on tensor cores on both targets: TF32 mma.sync
// m16n8k8, two products a step (bf16 keys are exact in TF32, the centroids
// are split hi + lo), in the iterations' `assign` and the final `codes`.
// The sums are fixed-point integers: `partials` adds them with 32-bit
// shared atomics (their order cannot change the result), `update` converts
// once; the build has no floating-point atomic.
// Two products for each of a warp's 16 column tiles in the k-step loop:
// PTX-LABEL: .entry long_build_assign(
// PTX-COUNT-32: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// PTX-NOT:     mma.sync
// PTX-LABEL: .entry long_build_partials(
// PTX-NOT:     atom.{{.*}}f32
// PTX-NOT:     atom.{{.*}}f64
// PTX:         cvt.rzi.s64.f32
// PTX:         atom.shared.add.u32
// PTX-NOT:     atom.{{.*}}f32
// PTX-NOT:     atom.{{.*}}f64
// PTX-LABEL: .entry long_build_update(
// PTX-NOT:     atom.
// PTX:         cvt.rn.f64.s64
// PTX-LABEL: .entry long_build_converge(
// PTX:         atom.global.add.u32
// PTX-LABEL: .entry long_build_store(
// PTX-NOT:     atom.
// PTX-LABEL: .entry long_build_codes(
// PTX-COUNT-32: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// PTX-NOT:     mma.sync
// PTX-NOT:     atom.

// CHECK-DAG: Compiling entry function 'long_build_draw'
// CHECK-DAG: Compiling entry function 'long_build_prep'
// CHECK-DAG: Compiling entry function 'long_build_assign'
// CHECK-DAG: Compiling entry function 'long_build_partials'
// CHECK-DAG: Compiling entry function 'long_build_update'
// CHECK-DAG: Compiling entry function 'long_build_converge'
// CHECK-DAG: Compiling entry function 'long_build_store'
// CHECK-DAG: Compiling entry function 'long_build_codes'

func.func @long(%query: memref<1x32x1x128xbf16>, %key: memref<1x8x?x128xbf16>, %centroids: memref<1x8x4x256x32xf32>, %codes: memref<1x8x?x4xui8>, %num_cached: index, %seq_len: index, %sparse_list: memref<1x32x?xi64>, %sparse_len: memref<1x32xi64>, %weight_list: memref<1x32x?xbf16>) -> index {
  %n = pq.quantize %key, %centroids into %codes[%num_cached] seq_len %seq_len step #pq.step<sink = 128, window = 128, heavy = 4096, init_offset = 128, bits = 8, metric = euclidean> layout compact : memref<1x8x?x128xbf16>, memref<1x8x4x256x32xf32> into memref<1x8x?x4xui8>
  %scores = pq.score %query, %centroids, %codes[%n] seq_len %seq_len step #pq.step<sink = 128, window = 128, heavy = 4096, init_offset = 128, bits = 8, metric = euclidean> layout compact : memref<1x32x1x128xbf16>, memref<1x8x4x256x32xf32>, memref<1x8x?x4xui8> -> memref<1x32x?xf32>
  %heavy = pq.topk %scores seq_len %seq_len step #pq.step<sink = 128, window = 128, heavy = 4096, init_offset = 128, bits = 8, metric = euclidean> tie lowest_index : memref<1x32x?xf32> -> memref<1x32x?xi32>
  pq.gen_indices %heavy seq_len %seq_len step #pq.step<sink = 128, window = 128, heavy = 4096, init_offset = 128, bits = 8, metric = euclidean> outs(%sparse_list, %sparse_len, %weight_list) : memref<1x32x?xi32>, memref<1x32x?xi64>, memref<1x32xi64>, memref<1x32x?xbf16>
  return %n : index
}
func.func @long_build(%key: memref<1x8x?x128xbf16>, %initial: memref<?x256xi64>, %seq_len: index, %iters: index, %centroids: memref<1x8x4x256x32xf32>, %codes: memref<1x8x?x4xui8>) -> index {
  %n = pq.kmeans %key init %initial seq_len %seq_len iters %iters step #pq.step<sink = 128, window = 128, heavy = 4096, init_offset = 128, bits = 8, metric = euclidean> layout compact outs(%centroids, %codes) : memref<1x8x?x128xbf16>, memref<?x256xi64> -> memref<1x8x4x256x32xf32>, memref<1x8x?x4xui8>
  return %n : index
}
