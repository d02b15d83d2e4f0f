// RUN: pq-opt %s | pq-opt | FileCheck %s

// Attributes parse and print standalone as well as inside ops.
// CHECK: #[[TARGET:.+]] = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>
// CHECK: module attributes {pq.target = #[[TARGET]],
// CHECK-SAME: pq.test.layout = #pq<layout seed>
// CHECK-SAME: pq.test.metric = #pq<metric ip>
// CHECK-SAME: pq.test.tie = #pq<tie lowest_index>
// CHECK-SAME: pq.test.tiling = #pq.tiling<strategy = split, threads = 1024, ctas_per_row = 4, max_seq_len = 131072, smem = 100000>
// CHECK-SAME: pq.test.tiling_cluster = #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 131072, smem = 171856>
// CHECK-SAME: pq.test.tiling_cluster3 = #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 3, max_seq_len = 4096, smem = 0>
module attributes {pq.target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>,
                   pq.test.metric = #pq<metric ip>, pq.test.layout = #pq<layout seed>, pq.test.tie = #pq<tie lowest_index>,
                   pq.test.tiling = #pq.tiling<strategy = split, threads = 1024, ctas_per_row = 4, max_seq_len = 131072, smem = 100000>,
                   pq.test.tiling_cluster = #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 131072, smem = 171856>,
                   pq.test.tiling_cluster3 = #pq.tiling<strategy = cluster, threads = 256, ctas_per_row = 3, max_seq_len = 4096, smem = 0>} {
}
