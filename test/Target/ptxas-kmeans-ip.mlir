// REQUIRES: ptxas
// RUN: pq-compile %s --target=sm_80 --max-seq-len=8192 --emit=ptx -o %t.sm80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.sm80.ptx -o %t.sm80.cubin > %t.sm80.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.sm80.log
// RUN: FileCheck %s --input-file=%t.sm80.log
// RUN: pq-compile %s --target=sm_90 --max-seq-len=8192 --emit=ptx -o %t.sm90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.sm90.ptx -o %t.sm90.cubin > %t.sm90.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.sm90.log
// RUN: FileCheck %s --input-file=%t.sm90.log
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t.sm80.ptx

// The widest rows: S = 1 with the ip column (129 columns, five staged
// chunks in the assignment and the partial sums, five per lane in the
// update), f32 keys, bf16
// centroids, int64 codes, C = 16 (one lane row per 16 centroids).

// f32 keys take the 3xTF32 split: three products for each of a warp's two
// column tiles (C = 16) a k-step.
// PTX-LABEL: .entry wide_build_assign(
// PTX-COUNT-6: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// PTX-NOT:     mma.sync
// PTX-LABEL: .entry wide_build_partials(

// CHECK-DAG: Compiling entry function 'wide_build_assign'
// CHECK-DAG: Compiling entry function 'wide_build_partials'
// CHECK-DAG: Compiling entry function 'wide_build_update'
// CHECK-DAG: Compiling entry function 'wide_build_codes'
// CHECK-DAG: Compiling entry function 'wide_build_prep'

func.func @wide(%query: memref<?x4x1x128xf32>, %key: memref<?x2x?x128xf32>, %centroids: memref<?x2x1x16x129xbf16>, %phi: memref<?xf32>, %codes: memref<?x?x2x1xi64>, %num_cached: index, %seq_len: index, %sparse_list: memref<?x4x?xi64>, %sparse_len: memref<?x4xi64>, %weight_list: memref<?x4x?xbf16>) -> index {
  %n = pq.quantize %key, %centroids phi %phi into %codes[%num_cached] seq_len %seq_len step #pq.step<sink = 4, window = 4, heavy = 16, init_offset = 0, bits = 4, metric = ip> layout seed : memref<?x2x?x128xf32>, memref<?x2x1x16x129xbf16>, memref<?xf32> into memref<?x?x2x1xi64>
  %scores = pq.score %query, %centroids, %codes[%n] seq_len %seq_len step #pq.step<sink = 4, window = 4, heavy = 16, init_offset = 0, bits = 4, metric = ip> layout seed : memref<?x4x1x128xf32>, memref<?x2x1x16x129xbf16>, memref<?x?x2x1xi64> -> memref<?x4x?xf32>
  %heavy = pq.topk %scores seq_len %seq_len step #pq.step<sink = 4, window = 4, heavy = 16, init_offset = 0, bits = 4, metric = ip> tie lowest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  pq.gen_indices %heavy seq_len %seq_len step #pq.step<sink = 4, window = 4, heavy = 16, init_offset = 0, bits = 4, metric = ip> outs(%sparse_list, %sparse_len, %weight_list) : memref<?x4x?xi32>, memref<?x4x?xi64>, memref<?x4xi64>, memref<?x4x?xbf16>
  return %n : index
}
func.func @wide_build(%key: memref<?x2x?x128xf32>, %initial: memref<?x16xi64>, %seq_len: index, %iters: index, %centroids: memref<?x2x1x16x129xbf16>, %codes: memref<?x?x2x1xi64>, %phi: memref<?xf32>) -> index {
  %n = pq.kmeans %key init %initial seq_len %seq_len iters %iters step #pq.step<sink = 4, window = 4, heavy = 16, init_offset = 0, bits = 4, metric = ip> layout seed outs(%centroids, %codes, phi %phi) : memref<?x2x?x128xf32>, memref<?x16xi64> -> memref<?x2x1x16x129xbf16>, memref<?x?x2x1xi64>, memref<?xf32>
  return %n : index
}
