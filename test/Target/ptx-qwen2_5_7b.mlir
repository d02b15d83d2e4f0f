// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefixes=SM80,ROW --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefixes=SM90,ROW --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_80 --max-seq-len=131072 --emit=ptx | FileCheck %s --check-prefixes=SM80,SPLIT --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func
// RUN: pq-compile %examples/qwen2_5_7b.mlir --target=sm_90 --max-seq-len=131072 --emit=ptx | FileCheck %s --check-prefixes=SM90,CLUSTER --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func

// PTX of examples/qwen2_5_7b.mlir (ip metric with phi, GQA 7, i32 indices, f16) for sm_80 and sm_90: the `row`
// kernel at 4096 tokens, the `split` score and select kernels at 131072 on
// sm_80; on sm_90 the `cluster` kernel there, in row groups of one row (its
// group of 7 rows has too many keys for one cluster at 131072, see
// Transforms/tile-sm90.mlir): clusters of 8 CTAs of 256 threads.
// Every kernel is an entry bounded to 512 threads and 128 registers (the
// split select kernel, one CTA per row, to 1024 threads and 64); no
// kernel uses local memory (.local: a stack or spilled registers) and none
// calls a device function (.func: the ip metric's square root once was an
// unresolved libdevice call, see ip-sqrt-libdevice.mlir).

// SM80:       .target sm_80{{$}}
// SM80-NEXT:  .address_size 64
// SM90:       .target sm_90{{$}}
// SM90-NEXT:  .address_size 64

// ROW:        .visible .entry qwen2_5_7b_row(
// ROW:        .maxntid 512, 1, 1
// ROW-NEXT:   .maxnreg 128

// CLUSTER:      .visible .entry qwen2_5_7b_cluster(
// CLUSTER:      .maxntid 256, 1, 1
// CLUSTER-NEXT: .maxnreg 128
// CLUSTER-NEXT: .explicitcluster
// CLUSTER-NEXT: .reqnctapercluster 8, 1, 1

// SPLIT:      .visible .entry qwen2_5_7b_score(
// SPLIT:      .maxntid 512, 1, 1
// SPLIT-NEXT: .maxnreg 128
// SPLIT:      .visible .entry qwen2_5_7b_select(
// SPLIT:      .maxntid 1024, 1, 1
// SPLIT-NEXT: .maxnreg 64
