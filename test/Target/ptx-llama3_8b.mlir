// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefixes=SM80,ROW --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefixes=SM90,ROW --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=131072 --emit=ptx | FileCheck %s --check-prefixes=SM80,SPLIT --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=131072 --emit=ptx | FileCheck %s --check-prefixes=SM90,CLUSTER --implicit-check-not=.local --implicit-check-not=.entry --implicit-check-not=.func

// PTX of examples/llama3_8b.mlir (GQA 4, compact codes, bf16 weights) for sm_80 and sm_90: the `row`
// kernel at 4096 tokens (on both), the `split` score and select kernels at
// 131072 on sm_80 and the `cluster` kernel there on sm_90, declaring its
// clusters of 16 CTAs (two row groups of two rows: 256 threads, two CTAs
// per SM).
// Every kernel is an entry bounded to 512 threads (the cluster kernel to
// 256) and 128 registers (the split select kernel, one CTA per row, to
// 1024 threads and 64); no
// kernel uses local memory (.local: a stack or spilled registers) and none
// calls a device function (.func: an unresolved libdevice call, say).

// SM80:       .target sm_80{{$}}
// SM80-NEXT:  .address_size 64
// SM90:       .target sm_90{{$}}
// SM90-NEXT:  .address_size 64

// ROW:        .visible .entry llama3_8b_row(
// ROW:        .maxntid 512, 1, 1
// ROW-NEXT:   .maxnreg 128

// CLUSTER:      .visible .entry llama3_8b_cluster(
// CLUSTER:      .maxntid 256, 1, 1
// CLUSTER-NEXT: .maxnreg 128
// CLUSTER-NEXT: .explicitcluster
// CLUSTER-NEXT: .reqnctapercluster 16, 1, 1

// SPLIT:      .visible .entry llama3_8b_score(
// SPLIT:      .maxntid 512, 1, 1
// SPLIT-NEXT: .maxnreg 128
// SPLIT:      .visible .entry llama3_8b_select(
// SPLIT:      .maxntid 1024, 1, 1
// SPLIT-NEXT: .maxnreg 64
