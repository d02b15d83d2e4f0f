// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_90 max-seq-len=4096 cluster-size=16" --convert-pq-to-gpu | FileCheck %s

// The `cluster` strategy (sm_90): one kernel per step, a thread-block
// cluster of ctas_per_row = 16 CTAs per (kv head, batch entry), so the grid
// is [16 * 8, batch, 1] (-1 stands for the call's batch) and the cluster
// dimension is [16, 1, 1]. cluster-size fixes the size pq-tile would pick
// for 8 kv heads, whichever strategy it prefers at this bound; the CTAs
// have 256 threads (two per SM, so at most 128 registers each). Each CTA finds its rank in the cluster, scores
// its chunk into a local histogram (shared-memory atomics), then reads its
// peers' shared memory through nvvm.mapa (!llvm.ptr<7>, distributed shared
// memory) between cluster barriers, reserves candidate slots with an atomic
// on rank 0's counter and writes the candidates and their positions to the
// workspace (an i32 parameter: 2 * 4 * 32 * (4096 - 128) = 1015808 bytes per
// batch entry), which every CTA reads back after the next cluster barrier;
// the same barrier publishes each CTA's counts above the threshold bin, so
// no further barrier exchanges counts. The last barrier is split: it
// arrives once no peer's memory is read any more and waits at the very end,
// so no CTA exits while a peer may still read its shared memory.

// CHECK:      gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_90">] {
// CHECK-NEXT:   gpu.func @llama3_8b_cluster(
// CHECK-SAME:     %{{.+}}: memref<?xbf16>, %[[WS:.+]]: memref<?xi32>, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64) kernel attributes
// CHECK-SAME:     known_block_size = array<i32: 256, 1, 1>
// CHECK-SAME:     nvvm.cluster_dim = array<i32: 16, 1, 1>
// CHECK-SAME:     nvvm.maxnreg = 128 : i32
// CHECK-SAME:     pq.cluster = 16 : i64
// CHECK-SAME:     pq.grid = array<i64: 128, -1, 1>
// CHECK-SAME:     pq.params = ["query", "key", "centroids", "codes", "sparse_list", "sparse_len", "weight_list", "workspace", "seq_len", "num_cached", "key_capacity", "code_capacity"]
// CHECK-SAME:     pq.smem = 53232 : i64
// CHECK-SAME:     pq.tiling = #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 16, max_seq_len = 4096, smem = 53232>
// CHECK-SAME:     pq.workspace_bytes_per_batch = 1015808 : i64
// CHECK:          nvvm.read.ptx.sreg.cluster.ctarank : i32
// CHECK:          gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:          memref.atomic_rmw addi %{{.+}}, %{{.+}}[%{{.+}}] : (i32, memref<{{[0-9]+}}xi32, #gpu.address_space<workgroup>>) -> i32
// CHECK:          nvvm.cluster.arrive
// CHECK-NEXT:     nvvm.cluster.wait
// CHECK:          nvvm.mapa %{{.+}}, %{{.+}} : !llvm.ptr<3> -> !llvm.ptr<7>
// CHECK:          llvm.load %{{.+}} : !llvm.ptr<7> -> i32
// CHECK:          llvm.atomicrmw add %{{.+}}, %{{.+}} monotonic : !llvm.ptr<7>, i32
// CHECK:          memref.store %{{.+}}, %[[WS]][%{{.+}}] : memref<?xi32>
// CHECK:          nvvm.cluster.arrive
// CHECK-NEXT:     nvvm.cluster.wait
// CHECK:          memref.load %[[WS]][%{{.+}}] : memref<?xi32>
// CHECK-NOT:      nvvm.cluster.wait
// CHECK:          nvvm.cluster.arrive
// CHECK-NEXT:     gpu.barrier
// CHECK:          nvvm.cluster.wait
// CHECK-NOT:      nvvm.cluster
// CHECK:          gpu.return
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NOT:  gpu.func
