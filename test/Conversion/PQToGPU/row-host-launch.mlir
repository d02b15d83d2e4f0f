// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --implicit-check-not=pq.indexer --implicit-check-not=memref.alloc

// The host side of a `row` step: the operands flattened to 1-D memrefs (ui8
// codes become bytes), one gpu.launch_func with the plan's dynamic shared
// memory, no workspace, and the count afterwards computed on the host: the
// full-attention path (seq_len <= heavy + init_offset + 1 + C = 1217) keeps
// num_cached, otherwise seq_len - init_offset keys are indexed.

// CHECK:       module attributes {gpu.container_module, pq.target = #target}
// CHECK-LABEL: func.func @llama3_8b(
// CHECK-SAME:    %[[Q:[^:]+]]: memref<?x32x1x128xbf16>, %[[K:[^:]+]]: memref<?x8x?x128xbf16>, %[[C:[^:]+]]: memref<?x8x2x64x64xf32>, %[[CODES:[^:]+]]: memref<?x8x?x2xui8>, %[[NC:[^:]+]]: index, %[[SK:[^:]+]]: index,
// CHECK:         %[[B:.+]] = memref.dim %[[Q]], %{{.+}} : memref<?x32x1x128xbf16>
// CHECK:         memref.collapse_shape %[[Q]] {{\[\[}}0, 1, 2, 3]] : memref<?x32x1x128xbf16> into memref<?xbf16>
// CHECK:         %[[CODES_FLAT:.+]] = memref.collapse_shape %[[CODES]] {{\[\[}}0, 1, 2, 3]] : memref<?x8x?x2xui8> into memref<?xui8>
// CHECK:         builtin.unrealized_conversion_cast %{{.+}} : memref<?xui8> to memref<?xi8>
// CHECK:         %[[C8:.+]] = arith.constant 8 : index
// CHECK:         %[[C1:.+]] = arith.constant 1 : index
// CHECK:         %[[C512:.+]] = arith.constant 512 : index
// CHECK:         %[[SMEM:.+]] = arith.constant 73136 : i32
// CHECK:         gpu.launch_func @pq_kernels::@llama3_8b_row blocks in (%[[C8]], %[[B]], %[[C1]]) threads in (%[[C512]], %{{.+}}, %{{.+}}) dynamic_shared_memory_size %[[SMEM]] args(
// CHECK-SAME:      : memref<?xbf16>, {{.+}} : memref<?xbf16>, {{.+}} : memref<?xf32>, {{.+}} : memref<?xi8>, {{.+}} : memref<?xi64>, {{.+}} : memref<?xi64>, {{.+}} : memref<?xbf16>, {{.+}} : i64, {{.+}} : i64, {{.+}} : i64, {{.+}} : i64)
// CHECK-NOT:     gpu.launch_func
// CHECK:         %[[LIMIT:.+]] = arith.constant 1217 : index
// CHECK:         %[[FULL:.+]] = arith.cmpi sle, %[[SK]], %[[LIMIT]] : index
// CHECK:         %[[OFF:.+]] = arith.constant 128 : index
// CHECK:         %[[IDX:.+]] = arith.subi %[[SK]], %[[OFF]] : index
// CHECK:         %[[N:.+]] = arith.select %[[FULL]], %[[NC]], %[[IDX]] : index
// CHECK:         return %[[N]] : index
