// Every example is one indexer step: pq-fuse turns each into exactly one
// pq.indexer that quantizes (key, and phi for metric ip) and returns the count.
// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse | FileCheck %s --check-prefix=LLAMA --implicit-check-not=pq.indexer --implicit-check-not=pq.quantize --implicit-check-not=pq.score --implicit-check-not=pq.topk --implicit-check-not=pq.gen_indices
// RUN: pq-opt %examples/llama3_8b_long.mlir --pq-fuse | FileCheck %s --check-prefix=LONG --implicit-check-not=pq.indexer --implicit-check-not=pq.quantize --implicit-check-not=pq.score --implicit-check-not=pq.topk --implicit-check-not=pq.gen_indices
// RUN: pq-opt %examples/mha32_seed.mlir --pq-fuse | FileCheck %s --check-prefix=MHA --implicit-check-not=pq.indexer --implicit-check-not=pq.quantize --implicit-check-not=pq.score --implicit-check-not=pq.topk --implicit-check-not=pq.gen_indices
// RUN: pq-opt %examples/qwen2_5_7b.mlir --pq-fuse | FileCheck %s --check-prefix=QWEN --implicit-check-not=pq.indexer --implicit-check-not=pq.quantize --implicit-check-not=pq.score --implicit-check-not=pq.topk --implicit-check-not=pq.gen_indices

// LLAMA-LABEL: func.func @llama3_8b
// LLAMA:         %[[N:.+]] = pq.indexer query(%arg0 : {{.+}}) key(%arg1 : {{.+}}) centroids(%arg2 : {{.+}}) codes(%arg3 : {{.+}})[%arg4] seq_len %arg5 outs(%arg6, %arg7, %arg8 : {{.+}}) step #step layout compact tie lowest_index
// LLAMA-NEXT:    return %[[N]] : index

// LONG-LABEL: func.func @llama3_8b_long
// LONG:         %[[N:.+]] = pq.indexer query(%arg0 : {{.+}}) key(%arg1 : {{.+}}) centroids(%arg2 : {{.+}}) codes(%arg3 : {{.+}})[%arg4] seq_len %arg5 outs(%arg6, %arg7, %arg8 : {{.+}}) step #step layout compact tie lowest_index
// LONG-NEXT:    return %[[N]] : index

// MHA-LABEL: func.func @mha32_seed
// MHA:         %[[N:.+]] = pq.indexer query(%arg0 : {{.+}}) key(%arg1 : {{.+}}) centroids(%arg2 : {{.+}}) codes(%arg3 : {{.+}})[%arg4] seq_len %arg5 outs(%arg6, %arg7, %arg8 : {{.+}}) step #step layout seed tie lowest_index
// MHA-NEXT:    return %[[N]] : index

// QWEN-LABEL: func.func @qwen2_5_7b
// QWEN:         %[[N:.+]] = pq.indexer query(%arg0 : {{.+}}) key(%arg1 : {{.+}}) centroids(%arg2 : {{.+}}) phi(%arg3 : {{.+}}) codes(%arg4 : {{.+}})[%arg5] seq_len %arg6 outs(%arg7, %arg8, %arg9 : {{.+}}) step #step layout compact tie lowest_index
// QWEN-NEXT:    return %[[N]] : index
