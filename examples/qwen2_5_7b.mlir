#step = #pq.step<sink = 128, window = 128, heavy = 2048, init_offset = 128, bits = 8, metric = ip>
module {
  func.func @qwen2_5_7b(%arg0: memref<?x28x1x128xf16>, %arg1: memref<?x4x?x128xf16>, %arg2: memref<?x4x4x256x33xf32>, %arg3: memref<?xf32>, %arg4: memref<?x4x?x4xui8>, %arg5: index, %arg6: index, %arg7: memref<?x28x?xi32>, %arg8: memref<?x28xi64>, %arg9: memref<?x28x?xf16>) -> index {
    %0 = pq.quantize %arg1, %arg2 phi %arg3 into %arg4[%arg5] seq_len %arg6 step #step layout compact : memref<?x4x?x128xf16>, memref<?x4x4x256x33xf32>, memref<?xf32> into memref<?x4x?x4xui8>
    %1 = pq.score %arg0, %arg2, %arg4[%0] seq_len %arg6 step #step layout compact : memref<?x28x1x128xf16>, memref<?x4x4x256x33xf32>, memref<?x4x?x4xui8> -> memref<?x28x?xf32>
    %2 = pq.topk %1 seq_len %arg6 step #step tie lowest_index : memref<?x28x?xf32> -> memref<?x28x?xi32>
    pq.gen_indices %2 seq_len %arg6 step #step outs(%arg7, %arg8, %arg9) : memref<?x28x?xi32>, memref<?x28x?xi32>, memref<?x28xi64>, memref<?x28x?xf16>
    return %0 : index
  }
}

