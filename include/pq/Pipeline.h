//===- Pipeline.h - The pq lowering pipeline --------------------*- C++ -*-===//
//
// One definition of the pass pipeline from pq ops to PTX, used by pq-compile
// and registered in pq-opt as `pq-lower-to-nvvm` / `pq-lower-to-ptx`.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_PIPELINE_H
#define PQ_PIPELINE_H

#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::pq {

struct PipelineOptions {
  std::string target;          // sm_80, ...; empty: the module's pq.target
  int64_t maxSeqLen = 131072;  // largest sk the module must support
  int64_t clusterSize = 0;     // CTAs per cluster (sm_90); 0: pq-tile's choice
  int64_t rowGroups = 0;       // clusters per query group; 0: pq-tile's choice
  bool phaseTimers = false;    // per-CTA phase timestamps (docs/BUNDLE.md)
};

/// pq ops -> tiled pq.indexer -> gpu.module kernels.
void buildPQToGPUPipeline(OpPassManager &pm, const PipelineOptions &options);
/// gpu.module kernels -> LLVM/NVVM dialect (still MLIR).
void buildGPUToNVVMPipeline(OpPassManager &pm);
/// LLVM/NVVM gpu.module -> gpu.binary holding PTX.
void buildNVVMToPTXPipeline(OpPassManager &pm);

/// Registers `pq-lower-to-nvvm` and `pq-lower-to-ptx` for pq-opt.
void registerPQPipelines();

} // namespace mlir::pq

#endif // PQ_PIPELINE_H
