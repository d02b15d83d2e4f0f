// RUN: pq-compile %examples/llama3_8b.mlir --target=sm_80 --max-seq-len=4096 --emit=mlir | FileCheck %s --implicit-check-not=pq.indexer --implicit-check-not=llvm.func

// --emit=mlir stops after convert-pq-to-gpu (and its clean-up): the host
// function launches gpu.func kernels of a gpu.module targeted at the arch.

// CHECK:       module attributes {gpu.container_module, pq.target = #target}
// CHECK-LABEL: func.func @llama3_8b(
// CHECK:         gpu.launch_func @pq_kernels::@llama3_8b_row
// CHECK:       gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_80">]
// CHECK-NEXT:    gpu.func @llama3_8b_row(
// CHECK-SAME:      kernel attributes
