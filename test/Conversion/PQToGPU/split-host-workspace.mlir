// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_80" --convert-pq-to-gpu | FileCheck %s --implicit-check-not=pq.indexer

// The host side of a `split` step: an i32 workspace of
// heads * (max_seq_len - init_offset) = 32 * 130944 = 4190208 elements per
// batch entry, passed to both launches (score first, then select) and freed
// after them.

// CHECK-LABEL: func.func @llama3_8b(
// CHECK-SAME:    %[[Q:[^:]+]]: memref<?x32x1x128xbf16>
// CHECK:         %[[B:.+]] = memref.dim %[[Q]], %{{.+}} : memref<?x32x1x128xbf16>
// CHECK:         %[[PER:.+]] = arith.constant 4190208 : index
// CHECK:         %[[N:.+]] = arith.muli %[[B]], %[[PER]] : index
// CHECK:         %[[WS:.+]] = memref.alloc(%[[N]]) : memref<?xi32>
// CHECK:         %[[C27:.+]] = arith.constant 27 : index
// CHECK:         %[[C8:.+]] = arith.constant 8 : index
// CHECK:         gpu.launch_func @pq_kernels::@llama3_8b_score blocks in (%[[C27]], %[[C8]], %[[B]]) threads in ({{.+}}) dynamic_shared_memory_size %{{.+}} args({{.+}}, %[[WS]] : memref<?xi32>, {{.+}})
// CHECK:         %[[C32:.+]] = arith.constant 32 : index
// CHECK:         gpu.launch_func @pq_kernels::@llama3_8b_select blocks in (%[[C32]], %[[B]], %{{.+}}) threads in ({{.+}}) dynamic_shared_memory_size %{{.+}} args({{.+}}, %[[WS]] : memref<?xi32>, {{.+}})
// CHECK-NEXT:    memref.dealloc %[[WS]] : memref<?xi32>
// CHECK-NOT:     gpu.launch_func
// CHECK:         return
