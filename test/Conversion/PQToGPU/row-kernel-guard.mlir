// RUN: pq-opt %examples/mha32_seed.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s

// Every kernel starts with a guard on its i64 seq_len: 1 <= seq_len <=
// max_seq_len of the tiling, so a call the runtime should have rejected
// cannot write outside shared memory or the module's buffers. The i64
// scalars arrive as kernel arguments and become index values first.

// CHECK-LABEL: gpu.func @mha32_seed_row(
// CHECK-SAME:    %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xf32>, %{{.+}}: memref<?xi64>, %{{.+}}: memref<?xi64>, %{{.+}}: memref<?xi64>, %{{.+}}: memref<?xbf16>, %[[SK:.+]]: i64, %{{.+}}: i64, %{{.+}}: i64, %{{.+}}: i64)
// CHECK-NEXT:    %[[SKI:.+]] = arith.index_cast %[[SK]] : i64 to index
// CHECK:         %[[ONE:.+]] = arith.constant 1 : index
// CHECK-NEXT:    %[[LO:.+]] = arith.cmpi sge, %[[SKI]], %[[ONE]] : index
// CHECK-NEXT:    %[[MAX:.+]] = arith.constant 4096 : index
// CHECK-NEXT:    %[[HI:.+]] = arith.cmpi sle, %[[SKI]], %[[MAX]] : index
// CHECK-NEXT:    %[[OK:.+]] = arith.andi %[[LO]], %[[HI]] : i1
// CHECK-NEXT:    scf.if %[[OK]] {
