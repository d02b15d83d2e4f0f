// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --emit=ptx | FileCheck %s --check-prefixes=CHECK,ROW
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_90 --max-seq-len=4096 --cluster-size=16 --emit=ptx | FileCheck %s --check-prefixes=CHECK,CLUSTER
// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --emit=llvm | FileCheck %s --check-prefix=LLVM

// Dynamic shared memory is the CUDA-style external array that starts the
// launch's dynamic region, not the one-byte static variable that
// convert-gpu-to-nvvm's internal zero-length global prints as. The cluster
// kernel maps addresses in it to its peers' copies (mapa).

// CHECK:     .extern .shared .align 16 .b8 __dynamic_shmem__0[];
// CHECK-NOT: .shared .align 16 .b8 __dynamic_shmem__0;
// ROW:       .visible .entry llama3_8b_row(
// CLUSTER:   .visible .entry llama3_8b_cluster(
// CHECK:     mov.b64 {{.*}}, __dynamic_shmem__0;
// CLUSTER:   mapa.shared::cluster.u64

// LLVM:     llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// LLVM-NOT: llvm.mlir.global internal @__dynamic_shmem__
