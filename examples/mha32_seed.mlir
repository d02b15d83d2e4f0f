#step = #pq.step<sink = 128, window = 128, heavy = 256, init_offset = 128, bits = 6, metric = euclidean>
module {
  func.func @mha32_seed(%arg0: memref<?x32x1x128xbf16>, %arg1: memref<?x32x?x128xbf16>, %arg2: memref<?x32x2x64x64xf32>, %arg3: memref<?x?x32x2xi64>, %arg4: index, %arg5: index, %arg6: memref<?x32x?xi64>, %arg7: memref<?x32xi64>, %arg8: memref<?x32x?xbf16>) -> index {
    %0 = pq.quantize %arg1, %arg2 into %arg3[%arg4] seq_len %arg5 step #step layout seed : memref<?x32x?x128xbf16>, memref<?x32x2x64x64xf32> into memref<?x?x32x2xi64>
    %1 = pq.score %arg0, %arg2, %arg3[%0] seq_len %arg5 step #step layout seed : memref<?x32x1x128xbf16>, memref<?x32x2x64x64xf32>, memref<?x?x32x2xi64> -> memref<?x32x?xf32>
    %2 = pq.topk %1 seq_len %arg5 step #step tie lowest_index : memref<?x32x?xf32> -> memref<?x32x?xi32>
    pq.gen_indices %2 seq_len %arg5 step #step outs(%arg6, %arg7, %arg8) : memref<?x32x?xi32>, memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>
    return %0 : index
  }
}

