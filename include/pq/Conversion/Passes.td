//===- Passes.td - pq conversion passes --------------------*- tablegen -*-===//

#ifndef PQ_CONVERSION_PASSES_TD
#define PQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertPQToGPUPass : Pass<"convert-pq-to-gpu", "ModuleOp"> {
  let summary = "Lower tiled pq.indexer ops to gpu.module kernels";
  let description = [{
    Builds one `gpu.module @pq_kernels` (targeted at the module's
    `pq.target` through `#nvvm.target`) with the kernels of every tiled
    `pq.indexer`, written with gpu, scf, arith, math, memref and vector ops,
    and replaces each `pq.indexer` with the `gpu.launch_func` ops that run
    them. Kernel parameters are 1-D memrefs and i64 scalars as
    docs/BUNDLE.md describes; every kernel records its launch geometry in
    `pq.*` attributes for the bundle writer.

    Before:
    ```mlir
    %n = pq.indexer ... tiling #pq.tiling<strategy = row, ...>
    ```
    After:
    ```mlir
    gpu.module @pq_kernels [#nvvm.target<chip = "sm_90">] {
      gpu.func @f_row(...) kernel attributes {pq.block = 512 : i64, ...} {...}
    }
    func.func @f(...) {
      gpu.launch_func @pq_kernels::@f_row blocks in (...) threads in (...)
          dynamic_shared_memory_size %smem args(...)
    }
    ```
  }];
  let options = [
    Option<"phaseTimers", "phase-timers", "bool", /*default=*/"false",
           "Each CTA of a row or cluster step kernel records %globaltimer at "
           "its phase boundaries into the workspace (docs/BUNDLE.md, Phase "
           "timers): where a step's time goes, on the device">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def PQExternDynamicSharedPass
    : Pass<"pq-extern-dynamic-shared", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Declare dynamic shared memory as an external shared array";
  let description = [{
    `convert-gpu-to-nvvm` lowers `gpu.dynamic_shared_memory` to an internal,
    zero-length `llvm.mlir.global` in address space 3, which NVPTX prints as
    a one-byte static variable (`.shared .align 16 .b8 __dynamic_shmem__0;`):
    ptxas then reserves static shared memory for it and flags every access
    past its first byte. Runs after `convert-gpu-to-nvvm` and turns each such
    global into an external declaration, which NVPTX prints as the CUDA form
    `.extern .shared .align 16 .b8 __dynamic_shmem__0[];`, the start of the
    launch's dynamic shared memory.
  }];
}

#endif // PQ_CONVERSION_PASSES_TD
