// RUN: pq-compile %examples/mha32_seed.mlir --target=sm_80 --no-cubin -o %t.pqmod
// RUN: %python %S/Inputs/pqmod.py %t.pqmod | FileCheck %s

// The manifest of a `split` step: a workspace of
// 4 * heads * (max_seq_len - init_offset) bytes per batch entry, passed as
// the `workspace` parameter after weight_list, and two kernels in launch
// order: score over [ctas_per_row, kv_heads, batch], select over
// [heads, batch, 1]. mha32_seed has seed (i64) codes.

// CHECK:      entry: mha32_seed
// CHECK-NEXT: strategy: split
// CHECK-NEXT: workspace_bytes_per_batch: 16760832
// CHECK:      step.layout: "seed"
// CHECK:      step.max_seq_len: 131072
// CHECK:      param 6: weight_list memref
// CHECK-NEXT: param 7: workspace memref
// CHECK-NEXT: param 8: seq_len i64
// CHECK-NEXT: param 9: num_cached i64
// CHECK-NEXT: param 10: key_capacity i64
// CHECK-NEXT: param 11: code_capacity i64
// CHECK-NEXT: kernel mha32_seed_score grid=[{{[0-9]+}}, 32, batch] block=[512, 1, 1] smem={{[0-9]+}} cluster=[1, 1, 1]
// CHECK-NEXT: kernel mha32_seed_select grid=[32, batch, 1] block=[1024, 1, 1] smem={{[0-9]+}} cluster=[1, 1, 1]
// CHECK-NEXT: image 0: sm_80 ptx .target sm_80
// CHECK-NEXT: content_hash: fnv1a64: ok
