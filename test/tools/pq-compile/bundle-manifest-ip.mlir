// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_80 --max-seq-len=4096 --no-cubin -o %t.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s

// qwen2.5's step: the ip metric adds the phi parameter after centroids;
// f16 queries and weights, i32 indices, a group of 7 query heads.

// CHECK:      entry: qwen2_5_7b
// CHECK:      step.heads: 28
// CHECK:      step.index_type: "i32"
// CHECK:      step.kv_heads: 4
// CHECK:      step.metric: "ip"
// CHECK:      step.query_type: "f16"
// CHECK:      step.weight_type: "f16"
// CHECK:      param 2: centroids memref
// CHECK-NEXT: param 3: phi memref
// CHECK-NEXT: param 4: codes memref
// CHECK:      kernel qwen2_5_7b_row grid=[4, batch, 1] block=[512, 1, 1] smem=150768 cluster=[1, 1, 1]
