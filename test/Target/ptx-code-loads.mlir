// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefix=ROW
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=16 --emit=ptx | FileCheck %s --check-prefix=CLUSTER
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_80 --emit=ptx | FileCheck %s --check-prefix=SPLIT

// In the PTX, an item's codes are one 128-bit global load and each run of
// four keys one 128-bit store (shared memory in `row` and `cluster`, the
// workspace in `split`).

// ROW-LABEL: .entry llama3_8b_row(
// ROW:       ld.global.v4.b32
// ROW:       st.shared.v4.b32
// ROW:       st.shared.v4.b32

// CLUSTER-LABEL: .entry llama3_8b_cluster(
// CLUSTER:       ld.global.v4.b32
// CLUSTER:       st.shared.v4.b32
// CLUSTER:       st.shared.v4.b32

// SPLIT-LABEL: .entry qwen2_5_7b_score(
// SPLIT:       ld.global.v4.b32
// SPLIT:       st.global.v4.b32
