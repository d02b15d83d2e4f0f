// REQUIRES: ptxas
// RUN: pq-compile %s --target=sm_90a --max-seq-len=131072 --emit=ptx -o %t.ptx
// RUN: %ptxas -arch=sm_90a -v %t.ptx -o %t.cubin > %t.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t.log
// RUN: FileCheck %s --check-prefix=ASSIGN --input-file=%t.log
// RUN: FileCheck %s --check-prefix=CODES --input-file=%t.log
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t.ptx
// RUN: pq-compile %s --target=sm_90 --max-seq-len=131072 --emit=ptx -o %t.sm90.ptx
// RUN: FileCheck %s --check-prefix=SM90 --input-file=%t.sm90.ptx

// On sm_90a (the arch-specific target: the PTX runs on sm_90 only) the
// build's assignment multiplies on wgmma, both operands in shared memory:
// 64 points a warpgroup by 128 centroids a product, the centroids split hi
// + lo (two products a k-step of 8 columns: ds' = 32 is four), published
// to the async proxy by fence.proxy.async; bf16 keys need no split. Plain
// sm_90 keeps mma.sync. Both stay spill-free; the wgmma kernel fits two
// CTAs an SM (at most 128 registers a thread).

// PTX: .target sm_90a
// PTX-LABEL: .entry long_build_assign(
// PTX:         fence.proxy.async.shared::cta
// PTX:         wgmma.fence.sync.aligned
// PTX-COUNT-8: wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32
// PTX:         wgmma.commit_group.sync.aligned
// PTX:         wgmma.wait_group.sync.aligned 0
// PTX-NOT:     mma.sync
// PTX-LABEL: .entry long_build_partials(
// PTX-LABEL: .entry long_build_codes(
// PTX-COUNT-8: wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32
// PTX-NOT:     mma.sync

// SM90: .target sm_90
// SM90-NOT: wgmma
// SM90: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// SM90-NOT: wgmma

// ASSIGN: Compiling entry function 'long_build_assign' for 'sm_90a'
// ASSIGN: Used {{([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])}} registers
// CODES: Compiling entry function 'long_build_codes' for 'sm_90a'
// CODES: Used {{([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])}} registers

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
