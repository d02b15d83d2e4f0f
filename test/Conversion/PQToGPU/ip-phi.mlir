// RUN: pq-opt %examples/qwen2_5_7b.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --implicit-check-not=math.sqrt

// The inner-product metric with quantization: phi (the per-subspace norm
// bound) becomes the f32 parameter after centroids, and quantizing a key
// computes the augmented coordinate sqrt(max(phi - ||x||^2, 0)) with the
// correctly rounded llvm.nvvm.sqrt.rn.f, not math.sqrt (which lowers to a
// libdevice call that needs the CUDA toolkit at compile time).

// CHECK-LABEL: func.func @qwen2_5_7b(
// CHECK-SAME:    %{{[^:]+}}: memref<?x4x4x256x33xf32>, %[[PHI:[^:]+]]: memref<?xf32>,
// CHECK:         %[[PHI_FLAT:.+]] = memref.collapse_shape %[[PHI]] {{\[\[}}0]] : memref<?xf32> into memref<?xf32>
// CHECK:         gpu.launch_func @pq_kernels::@qwen2_5_7b_row
// CHECK-SAME:      args(%{{.+}} : memref<?xf16>, %{{.+}} : memref<?xf16>, %{{.+}} : memref<?xf32>, %{{.+}} : memref<?xf32>, %{{.+}} : memref<?xi8>, %{{.+}} : memref<?xi32>,

// CHECK-LABEL: gpu.func @qwen2_5_7b_row(
// CHECK-SAME:    %{{[^:]+}}: memref<?xf16>, %{{[^:]+}}: memref<?xf16>, %{{[^:]+}}: memref<?xf32>, %[[KPHI:[^:]+]]: memref<?xf32>, %{{[^:]+}}: memref<?xi8>,
// CHECK-SAME:    pq.params = ["query", "key", "centroids", "phi", "codes", "sparse_list", "sparse_len", "weight_list", "seq_len", "num_cached", "key_capacity", "code_capacity"]
// CHECK-SAME:    pq.step = #step
// CHECK:         memref.load %[[KPHI]][%{{.+}}] : memref<?xf32>
// CHECK:         llvm.call_intrinsic "llvm.nvvm.sqrt.rn.f"(%{{.+}}) : (f32) -> f32
