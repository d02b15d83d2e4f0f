// RUN: pq-opt %examples/qwen2_5_7b.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" | FileCheck %s --implicit-check-not=pq.score

// The usual order: fuse the example's chain, then tile the fused op. qwen2.5's
// group of 7 query heads with S = 4, C = 256 still fits a row CTA on sm_80 at
// 4096 tokens: 7 * (128 + 4 * 256 + 3968) * 4 bytes plus the select scratch.

// CHECK: #target = #pq.target<chip = "sm_80", sms = 108, smem = 166912, max_threads = 1024, clusters = false>
// CHECK: module attributes {pq.target = #target}
// CHECK-LABEL: func.func @qwen2_5_7b
// CHECK-NEXT: %[[N:.+]] = pq.indexer query(%arg0 : {{.+}}) key(%arg1 : {{.+}}) centroids(%arg2 : {{.+}}) phi(%arg3 : {{.+}}) codes(%arg4 : {{.+}})[%arg5] seq_len %arg6 outs({{.+}}) step #step layout compact tie lowest_index tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 150768>
// CHECK-NEXT: return %[[N]] : index
