// REQUIRES: ptxas
// RUN: split-file %s %t
// RUN: pq-compile %t/s1_group64.mlir --target=sm_80 --emit=ptx -o %t/s1_group64.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/s1_group64.sm_80.ptx -o %t/s1_group64.sm_80.cubin > %t/s1_group64.sm_80.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s1_group64.sm_80.log
// RUN: pq-compile %t/s1_group64.mlir --target=sm_90 --emit=ptx -o %t/s1_group64.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t/s1_group64.sm_90.ptx -o %t/s1_group64.sm_90.cubin > %t/s1_group64.sm_90.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s1_group64.sm_90.log
// RUN: pq-compile %t/s3_compact.mlir --target=sm_80 --emit=ptx -o %t/s3_compact.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/s3_compact.sm_80.ptx -o %t/s3_compact.sm_80.cubin > %t/s3_compact.sm_80.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s3_compact.sm_80.log
// RUN: pq-compile %t/s3_compact.mlir --target=sm_90 --emit=ptx -o %t/s3_compact.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t/s3_compact.sm_90.ptx -o %t/s3_compact.sm_90.cubin > %t/s3_compact.sm_90.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s3_compact.sm_90.log
// RUN: pq-compile %t/s3_seed.mlir --target=sm_80 --emit=ptx -o %t/s3_seed.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/s3_seed.sm_80.ptx -o %t/s3_seed.sm_80.cubin > %t/s3_seed.sm_80.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s3_seed.sm_80.log
// RUN: pq-compile %t/s3_seed.mlir --target=sm_90 --emit=ptx -o %t/s3_seed.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t/s3_seed.sm_90.ptx -o %t/s3_seed.sm_90.cubin > %t/s3_seed.sm_90.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s3_seed.sm_90.log
// RUN: pq-compile %t/s32_compact.mlir --target=sm_80 --emit=ptx -o %t/s32_compact.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t/s32_compact.sm_80.ptx -o %t/s32_compact.sm_80.cubin > %t/s32_compact.sm_80.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s32_compact.sm_80.log
// RUN: pq-compile %t/s32_compact.mlir --target=sm_90 --emit=ptx -o %t/s32_compact.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t/s32_compact.sm_90.ptx -o %t/s32_compact.sm_90.cubin > %t/s32_compact.sm_90.log 2>&1
// RUN: not grep -E "[1-9][0-9]* bytes (stack frame|spill)" %t/s32_compact.sm_90.log
// RUN: FileCheck %s --check-prefix=S1 --input-file=%t/s1_group64.sm_80.ptx
// RUN: FileCheck %s --check-prefix=C1 --input-file=%t/s1_group64.sm_90.ptx
// RUN: FileCheck %s --check-prefix=S3 --input-file=%t/s3_compact.sm_80.ptx
// RUN: FileCheck %s --check-prefix=C3 --input-file=%t/s3_compact.sm_90.ptx
// RUN: FileCheck %s --check-prefix=S32 --input-file=%t/s32_compact.sm_80.ptx
// RUN: FileCheck %s --check-prefix=C32 --input-file=%t/s32_compact.sm_90.ptx

// Every shape of code item (CodeReader) assembles without spills on sm_80
// and sm_90 at the default max_seq_len: split kernels on sm_80; on sm_90 the
// cluster kernel, for s1_group64 and s3_seed in row groups (32 of 2 rows,
// 4 of 2 rows: their groups of 64 and 8 rows of 8192-key chunks do not fit
// one cluster of 16 CTAs):
// - s1_group64: 1 subspace of 128 dims: 8 keys (8-byte loads), 64 query heads
// - s3_compact: S = 3: 8 keys in three 8-byte loads
// - s3_seed: int64 codes, odd S: 8-byte loads
// - s32_compact: S = 32: one key in two 16-byte loads
// The first also has 64 query heads per kv head, whose lookup table once
// made ptxas spill on sm_80 (its row blocks now run in a rolled loop).

// S1:  .entry s1_group64_score(
// S1:  ld.global.v2.b32
// C1:  .entry s1_group64_cluster(
// C1:  ld.global.v2.b32
// S3:  .entry s3_compact_score(
// S3-COUNT-3: ld.global.v2.b32
// S32: .entry s32_compact_score(
// S32-COUNT-2: ld.global.v4.b32
// C3:  .entry s3_compact_cluster(
// C3-COUNT-3: ld.global.v2.b32
// C32: .entry s32_compact_cluster(
// C32-COUNT-2: ld.global.v4.b32

//--- s1_group64.mlir
#step = #pq.step<sink = 16, window = 16, heavy = 256, init_offset = 16, bits = 8, metric = euclidean>
module {
  func.func @s1_group64(%arg0: memref<?x64x1x128xbf16>, %arg1: memref<?x1x?x128xbf16>, %arg2: memref<?x1x1x256x128xf32>, %arg3: memref<?x1x?x1xui8>, %arg4: index, %arg5: index, %arg6: memref<?x64x?xi64>, %arg7: memref<?x64xi64>, %arg8: memref<?x64x?xbf16>) -> index {
    %0 = pq.quantize %arg1, %arg2 into %arg3[%arg4] seq_len %arg5 step #step layout compact : memref<?x1x?x128xbf16>, memref<?x1x1x256x128xf32> into memref<?x1x?x1xui8>
    %1 = pq.score %arg0, %arg2, %arg3[%0] seq_len %arg5 step #step layout compact : memref<?x64x1x128xbf16>, memref<?x1x1x256x128xf32>, memref<?x1x?x1xui8> -> memref<?x64x?xf32>
    %2 = pq.topk %1 seq_len %arg5 step #step tie lowest_index : memref<?x64x?xf32> -> memref<?x64x?xi32>
    pq.gen_indices %2 seq_len %arg5 step #step outs(%arg6, %arg7, %arg8) : memref<?x64x?xi32>, memref<?x64x?xi64>, memref<?x64xi64>, memref<?x64x?xbf16>
    return %0 : index
  }
}


//--- s3_compact.mlir
#step = #pq.step<sink = 16, window = 16, heavy = 256, init_offset = 16, bits = 6, metric = euclidean>
module {
  func.func @s3_compact(%arg0: memref<?x12x1x96xbf16>, %arg1: memref<?x4x?x96xbf16>, %arg2: memref<?x4x3x64x32xf32>, %arg3: memref<?x4x?x3xui8>, %arg4: index, %arg5: index, %arg6: memref<?x12x?xi64>, %arg7: memref<?x12xi64>, %arg8: memref<?x12x?xbf16>) -> index {
    %0 = pq.quantize %arg1, %arg2 into %arg3[%arg4] seq_len %arg5 step #step layout compact : memref<?x4x?x96xbf16>, memref<?x4x3x64x32xf32> into memref<?x4x?x3xui8>
    %1 = pq.score %arg0, %arg2, %arg3[%0] seq_len %arg5 step #step layout compact : memref<?x12x1x96xbf16>, memref<?x4x3x64x32xf32>, memref<?x4x?x3xui8> -> memref<?x12x?xf32>
    %2 = pq.topk %1 seq_len %arg5 step #step tie lowest_index : memref<?x12x?xf32> -> memref<?x12x?xi32>
    pq.gen_indices %2 seq_len %arg5 step #step outs(%arg6, %arg7, %arg8) : memref<?x12x?xi32>, memref<?x12x?xi64>, memref<?x12xi64>, memref<?x12x?xbf16>
    return %0 : index
  }
}


//--- s3_seed.mlir
#step = #pq.step<sink = 16, window = 16, heavy = 256, init_offset = 16, bits = 4, metric = ip>
module {
  func.func @s3_seed(%arg0: memref<?x16x1x96xbf16>, %arg1: memref<?x2x?x96xbf16>, %arg2: memref<?x2x3x16x33xf32>, %arg3: memref<?xf32>, %arg4: memref<?x?x2x3xi64>, %arg5: index, %arg6: index, %arg7: memref<?x16x?xi64>, %arg8: memref<?x16xi64>, %arg9: memref<?x16x?xbf16>) -> index {
    %0 = pq.quantize %arg1, %arg2 phi %arg3 into %arg4[%arg5] seq_len %arg6 step #step layout seed : memref<?x2x?x96xbf16>, memref<?x2x3x16x33xf32>, memref<?xf32> into memref<?x?x2x3xi64>
    %1 = pq.score %arg0, %arg2, %arg4[%0] seq_len %arg6 step #step layout seed : memref<?x16x1x96xbf16>, memref<?x2x3x16x33xf32>, memref<?x?x2x3xi64> -> memref<?x16x?xf32>
    %2 = pq.topk %1 seq_len %arg6 step #step tie lowest_index : memref<?x16x?xf32> -> memref<?x16x?xi32>
    pq.gen_indices %2 seq_len %arg6 step #step outs(%arg7, %arg8, %arg9) : memref<?x16x?xi32>, memref<?x16x?xi64>, memref<?x16xi64>, memref<?x16x?xbf16>
    return %0 : index
  }
}


//--- s32_compact.mlir
#step = #pq.step<sink = 16, window = 16, heavy = 256, init_offset = 16, bits = 4, metric = euclidean>
module {
  func.func @s32_compact(%arg0: memref<?x8x1x128xbf16>, %arg1: memref<?x2x?x128xbf16>, %arg2: memref<?x2x32x16x4xf32>, %arg3: memref<?x2x?x32xui8>, %arg4: index, %arg5: index, %arg6: memref<?x8x?xi64>, %arg7: memref<?x8xi64>, %arg8: memref<?x8x?xbf16>) -> index {
    %0 = pq.quantize %arg1, %arg2 into %arg3[%arg4] seq_len %arg5 step #step layout compact : memref<?x2x?x128xbf16>, memref<?x2x32x16x4xf32> into memref<?x2x?x32xui8>
    %1 = pq.score %arg0, %arg2, %arg3[%0] seq_len %arg5 step #step layout compact : memref<?x8x1x128xbf16>, memref<?x2x32x16x4xf32>, memref<?x2x?x32xui8> -> memref<?x8x?xf32>
    %2 = pq.topk %1 seq_len %arg5 step #step tie lowest_index : memref<?x8x?xf32> -> memref<?x8x?xi32>
    pq.gen_indices %2 seq_len %arg5 step #step outs(%arg6, %arg7, %arg8) : memref<?x8x?xi32>, memref<?x8x?xi64>, memref<?x8xi64>, memref<?x8x?xbf16>
    return %0 : index
  }
}

