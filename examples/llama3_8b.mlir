#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
module {
  func.func @llama3_8b(%arg0: memref<?x32x1x128xbf16>, %arg1: memref<?x8x?x128xbf16>, %arg2: memref<?x8x2x64x64xf32>, %arg3: memref<?x8x?x2xui8>, %arg4: index, %arg5: index, %arg6: memref<?x32x?xi64>, %arg7: memref<?x32xi64>, %arg8: memref<?x32x?xbf16>) -> index {
    %0 = pq.quantize %arg1, %arg2 into %arg3[%arg4] seq_len %arg5 step #step layout compact : memref<?x8x?x128xbf16>, memref<?x8x2x64x64xf32> into memref<?x8x?x2xui8>
    %1 = pq.score %arg0, %arg2, %arg3[%0] seq_len %arg5 step #step layout compact : memref<?x32x1x128xbf16>, memref<?x8x2x64x64xf32>, memref<?x8x?x2xui8> -> memref<?x32x?xf32>
    %2 = pq.topk %1 seq_len %arg5 step #step tie lowest_index : memref<?x32x?xf32> -> memref<?x32x?xi32>
    pq.gen_indices %2 seq_len %arg5 step #step outs(%arg6, %arg7, %arg8) : memref<?x32x?xi32>, memref<?x32x?xi64>, memref<?x32xi64>, memref<?x32x?xbf16>
    return %0 : index
  }
}

