// RUN: pq-compile --target=sm_80 --emit=mlir --print-pipeline | FileCheck %s --check-prefix=MLIR --implicit-check-not=convert-gpu-to-nvvm --implicit-check-not=gpu-module-to-binary
// RUN: pq-compile --target=sm_80 --emit=llvm --print-pipeline | FileCheck %s --check-prefix=LLVM --implicit-check-not=gpu-module-to-binary
// RUN: pq-compile --target=sm_80 --emit=ptx --print-pipeline | FileCheck %s --check-prefix=PTX

// --emit stops the pipeline at its stage, and --print-pipeline shows it.

// MLIR: pq-fuse{{.*}}pq-tile{{.*}}convert-pq-to-gpu{{.*}}cse
// LLVM: convert-pq-to-gpu{{.*}}convert-gpu-to-nvvm{{.*}}pq-extern-dynamic-shared
// PTX:  convert-gpu-to-nvvm{{.*}}gpu-module-to-binary
