// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --check-prefix=ROW
// RUN: pq-opt %examples/llama3_8b.mlir --pq-fuse --pq-tile="target=sm_80" --convert-pq-to-gpu | FileCheck %s --check-prefix=SPLIT
// RUN: pq-opt %examples/mha32_seed.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --check-prefix=SEED

// Codes are read in 16-byte loads when the codebook allows it: llama3_8b's
// compact codes (S = 2) give items of 8 keys, one vector<16xi8> each, and
// the 8 keys of a query head leave as two 16-byte stores. Whether the
// codebook pointer is aligned (and the capacity a whole number of items)
// is only known at run time, so the kernel checks and keeps the byte-wise
// reader as the fallback.

// ROW-LABEL: gpu.func @llama3_8b_row(
// ROW:         %[[PTR:.+]] = memref.extract_aligned_pointer_as_index %[[CODES:arg3]] : memref<?xi8> -> index
// ROW:         arith.remui %[[PTR]], %{{.+}} : index
// ROW:         scf.if
// ROW:           vector.load %[[CODES]][%{{.+}}] {alignment = 16 : i64} : memref<?xi8>, vector<16xi8>
// ROW-NEXT:      vector.bitcast %{{.+}} : vector<16xi8> to vector<4xi32>
// ROW:           vector.store %{{.+}}, %{{.+}}[%{{.+}}] {alignment = 16 : i64} : memref<{{[0-9]+}}xi32, #gpu.address_space<workgroup>>, vector<4xi32>
// ROW:           vector.store %{{.+}}, %{{.+}}[%{{.+}}] {alignment = 16 : i64} : memref<{{[0-9]+}}xi32, #gpu.address_space<workgroup>>, vector<4xi32>
// ROW:         } else {
// ROW:           memref.load %[[CODES]][%{{.+}}] : memref<?xi8>
// ROW:           memref.load %[[CODES]][%{{.+}}] : memref<?xi8>

// The split score kernel writes the workspace, a caller's buffer: its
// alignment joins the run-time check.
// SPLIT-LABEL: gpu.func @llama3_8b_score(
// SPLIT:         memref.extract_aligned_pointer_as_index %arg3 : memref<?xi8> -> index
// SPLIT:         memref.extract_aligned_pointer_as_index %[[WS:arg7]] : memref<?xi32> -> index
// SPLIT:         vector.load %arg3[%{{.+}}] {alignment = 16 : i64} : memref<?xi8>, vector<16xi8>
// SPLIT:         vector.store %{{.+}}, %[[WS]][%{{.+}}] {alignment = 16 : i64} : memref<?xi32>, vector<4xi32>

// The seed layout's int64 codes: a key's two codes are one 16-byte load.
// SEED-LABEL: gpu.func @mha32_seed_row(
// SEED:         memref.extract_aligned_pointer_as_index %[[CODES:arg3]] : memref<?xi64> -> index
// SEED:         vector.load %[[CODES]][%{{.+}}] {alignment = 16 : i64} : memref<?xi64>, vector<2xi64>
// SEED-NEXT:    vector.bitcast %{{.+}} : vector<2xi64> to vector<4xi32>
// SEED:         } else {
// SEED:         memref.load %[[CODES]][%{{.+}}] : memref<?xi64>
