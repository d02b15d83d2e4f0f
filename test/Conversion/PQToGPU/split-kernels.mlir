// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_80" --convert-pq-to-gpu | FileCheck %s

// The `split` strategy at the default bound (131072 tokens) on sm_80 (sm_90
// picks `cluster`): a score kernel whose grid spreads each kv head's keys
// over ctas_per_row = ceil(2 * 108 / 8) = 27 CTAs ([27, 8, batch]) and a
// select kernel with one CTA per (head, batch) ([32, batch, 1]). Both take
// the same parameters, the workspace included, and carry the same step
// attributes; only grid and shared memory differ.

// CHECK:      gpu.module @pq_kernels
// CHECK-NEXT:   gpu.func @llama3_8b_score(
// CHECK-SAME:     %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xi32>, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64) kernel attributes
// CHECK-SAME:     known_block_size = array<i32: 512, 1, 1>
// CHECK-SAME:     pq.grid = array<i64: 27, 8, -1>
// CHECK-SAME:     pq.params = ["query", "key", "centroids", "codes", "sparse_list", "sparse_len", "weight_list", "workspace", "seq_len", "num_cached", "key_capacity", "code_capacity"]
// CHECK-SAME:     pq.smem = 42928 : i64
// CHECK-SAME:     pq.tiling = #pq.tiling<strategy = split, threads = 512, ctas_per_row = 27, max_seq_len = 131072, smem = 42928>
// CHECK-SAME:     pq.workspace_bytes_per_batch = 16760832 : i64
// CHECK:          gpu.block_id z
// CHECK:          gpu.return
// CHECK:        gpu.func @llama3_8b_select(
// CHECK-SAME:     %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xi32>, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64) kernel attributes
// CHECK-SAME:     pq.grid = array<i64: 32, -1, 1>
// CHECK-SAME:     pq.params = ["query", "key", "centroids", "codes", "sparse_list", "sparse_len", "weight_list", "workspace", "seq_len", "num_cached", "key_capacity", "code_capacity"]
// CHECK-SAME:     pq.smem = 1200 : i64
// CHECK:          memref.atomic_rmw addi
// CHECK:          gpu.return
// CHECK-NOT:    gpu.func
