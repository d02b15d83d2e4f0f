// RUN: pq-opt %examples/mha32_seed.mlir --pq-fuse --pq-tile="target=sm_80 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --check-prefix=SM80
// RUN: pq-opt %examples/mha32_seed.mlir --pq-fuse --pq-tile="target=sm_86 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --check-prefix=SM86
// RUN: pq-opt %examples/mha32_seed.mlir --pq-fuse --pq-tile="target=sm_89 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --check-prefix=SM89
// RUN: pq-opt %examples/mha32_seed.mlir --pq-fuse --pq-tile="target=sm_90 max-seq-len=4096" --convert-pq-to-gpu | FileCheck %s --check-prefix=SM90

// The gpu.module's #nvvm.target takes its chip from the module's pq.target
// (here set by pq-tile), at -O3, for every known chip.

// SM80: gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_80">]
// SM86: gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_86">]
// SM89: gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_89">]
// SM90: gpu.module @pq_kernels [#nvvm.target<O = 3, chip = "sm_90">]
