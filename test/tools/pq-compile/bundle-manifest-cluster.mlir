// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=16 --no-cubin -o %t.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s

// The manifest of a `cluster` step (sm_90; --cluster-size fixes the size
// pq-tile would pick for 8 kv heads): one kernel launched on
// [16 * kv_heads, batch, 1] CTAs of 256 threads in clusters of [16, 1, 1]
// (the tiling's ctas_per_row), with its dynamic shared memory
// (planClusterKernel, see Transforms/tile-sm90.mlir), and a workspace parameter after weight_list
// of 2 * 4 * heads * (max_seq_len - init_offset) = 2 * 4 * 32 * 3968 =
// 1015808 bytes per batch entry (twice `split`'s: candidates and their
// positions).

// CHECK:      entry: llama3_8b
// CHECK-NEXT: strategy: cluster
// CHECK-NEXT: workspace_bytes_per_batch: 1015808
// CHECK:      step.kv_heads: 8
// CHECK:      step.max_seq_len: 4096
// CHECK:      param 6: weight_list memref
// CHECK-NEXT: param 7: workspace memref
// CHECK-NEXT: param 8: seq_len i64
// CHECK-NEXT: param 9: num_cached i64
// CHECK-NEXT: param 10: key_capacity i64
// CHECK-NEXT: param 11: code_capacity i64
// CHECK-NEXT: kernel llama3_8b_cluster grid=[128, batch, 1] block=[256, 1, 1] smem=53232 cluster=[16, 1, 1]
// CHECK-NEXT: image 0: sm_90 ptx .target sm_90
// CHECK-NEXT: content_hash: fnv1a64: ok
