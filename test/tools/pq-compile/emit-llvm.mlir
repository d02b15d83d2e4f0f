// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --emit=llvm | FileCheck %s --implicit-check-not=gpu.func --implicit-check-not=scf. --implicit-check-not=gpu.binary

// --emit=llvm stops after the NVVM lowering: the gpu.module holds an
// llvm.func kernel written with nvvm ops, not yet serialized.

// CHECK:      gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_80">]
// CHECK:        llvm.func @llama3_8b_row(
// CHECK-SAME:     nvvm.kernel
// CHECK-SAME:     nvvm.maxnreg = 128 : i32
// CHECK-SAME:     nvvm.maxntid = array<i32: 512, 1, 1>
// CHECK:          nvvm.read.ptx.sreg.tid.x
// CHECK:          nvvm.shfl.sync
// CHECK:          nvvm.barrier
