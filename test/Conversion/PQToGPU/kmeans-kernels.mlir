// RUN: pq-opt %s --pq-tile="target=sm_90 max-seq-len=32768" --convert-pq-to-gpu | FileCheck %s

// pq.kmeans lowers to the build's nine kernels, each tagged with its phase
// for the runtime (prologue once, iteration per Lloyd step, epilogue once),
// the entry it belongs to and the workspace it needs per batch entry; the
// host side launches them around an scf.for over the iterations.

#step = #pq.step<sink = 128, window = 128, heavy = 1024, init_offset = 128, bits = 6, metric = euclidean>
func.func @build(%key: memref<?x8x?x128xbf16>, %init: memref<?x64xi64>, %sk: index, %t: index, %c: memref<?x8x2x64x64xf32>, %codes: memref<?x8x?x2xui8>) -> index {
  %n = pq.kmeans %key init %init seq_len %sk iters %t step #step layout compact outs(%c, %codes) : memref<?x8x?x128xbf16>, memref<?x64xi64> -> memref<?x8x2x64x64xf32>, memref<?x8x?x2xui8>
  return %n : index
}

// The workspace is 256-byte aligned (f64/i64 regions) and the iterations
// are clamped to [0, PQRT_MAX_KMEANS_ITER] like the runtime's check.
// CHECK-LABEL: func.func @build(
// CHECK-SAME:    %[[ITERS:[a-z0-9]+]]: index, %{{[a-z0-9]+}}: memref<?x8x2x64x64xf32>
// CHECK:         memref.alloc(%{{.*}}) {alignment = 256 : i64} : memref<?xi8>
// CHECK:         %[[LOW:.*]] = arith.maxsi %[[ITERS]], %{{.*}} : index
// CHECK:         %[[T:.*]] = arith.minsi %[[LOW]], %c1000 : index
// CHECK:         gpu.launch_func @pq_kernels::@build_draw
// CHECK:         gpu.launch_func @pq_kernels::@build_norms
// CHECK:         gpu.launch_func @pq_kernels::@build_prep
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[T]]
// CHECK:           gpu.launch_func @pq_kernels::@build_assign
// CHECK:           gpu.launch_func @pq_kernels::@build_partials
// CHECK:           gpu.launch_func @pq_kernels::@build_update
// CHECK:           gpu.launch_func @pq_kernels::@build_converge
// CHECK:         }
// CHECK:         gpu.launch_func @pq_kernels::@build_store
// CHECK:         gpu.launch_func @pq_kernels::@build_codes
// CHECK:         %[[N:.*]] = arith.subi %{{.*}}, %c128
// CHECK:         return %[[N]]

// The assignment: tiles of 128 points (C = 64: 8 column tiles of 8
// centroids; each of the 8 warps takes a row tile of 16 points), 8 tiles
// a CTA against centroids staged once: 32 CTAs cover n <= 32640 points.
// CHECK:       gpu.func @build_draw(
// CHECK-SAME:    pq.build
// CHECK-SAME:    pq.entry = "build"
// CHECK-SAME:    pq.grid = array<i64: 1, 16, -1>
// CHECK-SAME:    pq.max_seq_len = 32768 : i64
// CHECK-SAME:    pq.phase = "prologue"
// CHECK-SAME:    pq.workspace_bytes_per_batch = [[WS:[0-9]+]] : i64
// The norms: a CTA per (sum tile, group), like the partial sums.
// CHECK:       gpu.func @build_norms(
// CHECK-SAME:    pq.grid = array<i64: 16, 16, -1>
// CHECK-SAME:    pq.phase = "prologue"
// CHECK:       gpu.func @build_prep(
// CHECK-SAME:    pq.phase = "prologue"
// CHECK:       gpu.func @build_assign(
// CHECK-SAME:    pq.block = 256
// CHECK-SAME:    pq.grid = array<i64: 32, 16, -1>
// CHECK-SAME:    pq.phase = "iteration"
// The partial sums: 16 tiles of 2048 points (8 chunks of 256) per group;
// the 64 columns of C = 64 centroids fit one CTA's shared sums.
// CHECK:       gpu.func @build_partials(
// CHECK-SAME:    pq.grid = array<i64: 16, 16, -1>
// CHECK-SAME:    pq.phase = "iteration"
// CHECK:       gpu.func @build_update(
// CHECK-SAME:    pq.grid = array<i64: 8, 16, -1>
// CHECK-SAME:    pq.phase = "iteration"
// CHECK:       gpu.func @build_converge(
// CHECK-SAME:    pq.grid = array<i64: 1, 1, -1>
// CHECK-SAME:    pq.phase = "iteration"
// CHECK:       gpu.func @build_store(
// CHECK-SAME:    pq.phase = "epilogue"
// CHECK:       gpu.func @build_codes(
// CHECK-SAME:    pq.phase = "epilogue"
