// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --no-cubin -o %t.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s

// The manifest of a `row` step (docs/BUNDLE.md): the step's settings, the
// parameter list in kernel order, one kernel launched on [kv_heads, batch, 1]
// with its dynamic shared memory, no workspace, and one PTX image whose
// content hash matches the image section.

// CHECK:      magic: PQMOD01
// CHECK-NEXT: format: pqmod
// CHECK-NEXT: version: 1
// CHECK-NEXT: producer: pq-compile
// CHECK-NEXT: entry: llama3_8b
// CHECK-NEXT: strategy: row
// CHECK-NEXT: workspace_bytes_per_batch: 0
// CHECK-NEXT: step.batch: 0
// CHECK-NEXT: step.bits: 6
// CHECK-NEXT: step.centroid_type: "f32"
// CHECK-NEXT: step.head_dim: 128
// CHECK-NEXT: step.heads: 32
// CHECK-NEXT: step.heavy: 1024
// CHECK-NEXT: step.index_type: "i64"
// CHECK-NEXT: step.init_offset: 128
// CHECK-NEXT: step.kv_heads: 8
// CHECK-NEXT: step.layout: "compact"
// CHECK-NEXT: step.max_seq_len: 4096
// CHECK-NEXT: step.metric: "euclidean"
// CHECK-NEXT: step.quantize: true
// CHECK-NEXT: step.query_type: "bf16"
// CHECK-NEXT: step.sink: 128
// CHECK-NEXT: step.subspaces: 2
// CHECK-NEXT: step.weight_type: "bf16"
// CHECK-NEXT: step.window: 128
// CHECK-NEXT: param 0: query memref
// CHECK-NEXT: param 1: key memref
// CHECK-NEXT: param 2: centroids memref
// CHECK-NEXT: param 3: codes memref
// CHECK-NEXT: param 4: sparse_list memref
// CHECK-NEXT: param 5: sparse_len memref
// CHECK-NEXT: param 6: weight_list memref
// CHECK-NEXT: param 7: seq_len i64
// CHECK-NEXT: param 8: num_cached i64
// CHECK-NEXT: param 9: key_capacity i64
// CHECK-NEXT: param 10: code_capacity i64
// CHECK-NEXT: kernel llama3_8b_row grid=[8, batch, 1] block=[512, 1, 1] smem=73136 cluster=[1, 1, 1]
// CHECK-NEXT: image 0: sm_80 ptx .target sm_80
// CHECK-NEXT: content_hash: fnv1a64: ok
