// RUN: pq-opt %examples/qwen2_5_7b.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s

// What the bundle writer reads off a kernel: the entry (function) name, the
// step and tiling, [static batch, heads, kv heads, head dim, subspaces], the
// codebook layout, whether keys are quantized, the launch geometry and the
// dynamic shared memory (the tiling's plan), and the workspace size.

// CHECK:       gpu.func @qwen2_5_7b_row(
// CHECK-SAME:    pq.block = 512 : i64
// CHECK-SAME:    pq.entry = "qwen2_5_7b"
// CHECK-SAME:    pq.grid = array<i64: 4, -1, 1>
// CHECK-SAME:    pq.layout = #pq<layout compact>
// CHECK-SAME:    pq.quantize = true
// CHECK-SAME:    pq.shape = array<i64: 0, 28, 4, 128, 4>
// CHECK-SAME:    pq.smem = 150768 : i64
// CHECK-SAME:    pq.step = #step
// CHECK-SAME:    pq.tiling = #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1, max_seq_len = 4096, smem = 150768>
// CHECK-SAME:    pq.workspace_bytes_per_batch = 0 : i64
