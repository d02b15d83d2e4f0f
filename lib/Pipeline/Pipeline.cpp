//===- Pipeline.cpp - The pq lowering pipeline ----------------------------===//

#include "pq/Pipeline.h"

#include "pq/Conversion/Passes.h"
#include "pq/Transforms/Passes.h"

#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::pq::buildPQToGPUPipeline(OpPassManager &pm,
                                    const PipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createPQFusePass());
  PQTilePassOptions tile;
  tile.target = options.target;
  tile.maxSeqLen = options.maxSeqLen;
  tile.clusterSize = options.clusterSize;
  tile.rowGroups = options.rowGroups;
  pm.addPass(createPQTilePass(tile));
  ConvertPQToGPUPassOptions lower;
  lower.phaseTimers = options.phaseTimers;
  pm.addPass(createConvertPQToGPUPass(lower));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::pq::buildGPUToNVVMPipeline(OpPassManager &pm) {
  OpPassManager &gpu = pm.nest<gpu::GPUModuleOp>();
  gpu.addPass(createSCFToControlFlowPass());
  gpu.addPass(createConvertGpuOpsToNVVMOps());
  // NVVM ops without an LLVM intrinsic (wgmma) become inline PTX.
  gpu.addPass(createConvertNVVMToLLVMPass());
  gpu.addPass(pq::createPQExternDynamicSharedPass());
  gpu.addPass(createCanonicalizerPass());
  gpu.addPass(createCSEPass());
  gpu.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::pq::buildNVVMToPTXPipeline(OpPassManager &pm) {
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

namespace {
struct PipelineCLOptions : PassPipelineOptions<PipelineCLOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("GPU architecture, e.g. sm_80")};
  Option<int64_t> maxSeqLen{*this, "max-seq-len",
                            llvm::cl::desc("Largest supported sk"),
                            llvm::cl::init(131072)};
  Option<int64_t> clusterSize{
      *this, "cluster-size",
      llvm::cl::desc("CTAs per cluster (sm_90); 0: pq-tile chooses"),
      llvm::cl::init(0)};
  Option<int64_t> rowGroups{
      *this, "row-groups",
      llvm::cl::desc("Clusters a query group's rows are split over (sm_90 "
                     "cluster tiling); 0: pq-tile chooses"),
      llvm::cl::init(0)};
  Option<bool> phaseTimers{
      *this, "phase-timers",
      llvm::cl::desc("Per-CTA phase timestamps in the workspace (row and "
                     "cluster kernels; docs/BUNDLE.md)"),
      llvm::cl::init(false)};
  mlir::pq::PipelineOptions get() const {
    return {target, maxSeqLen, clusterSize, rowGroups, phaseTimers};
  }
};
} // namespace

void mlir::pq::registerPQPipelines() {
  PassPipelineRegistration<PipelineCLOptions>(
      "pq-lower-to-nvvm",
      "Fuse, tile and lower pq steps to NVVM/LLVM-dialect kernels",
      [](OpPassManager &pm, const PipelineCLOptions &options) {
        buildPQToGPUPipeline(pm, options.get());
        buildGPUToNVVMPipeline(pm);
      });
  PassPipelineRegistration<PipelineCLOptions>(
      "pq-lower-to-ptx",
      "Fuse, tile and lower pq steps to gpu.binary ops holding PTX",
      [](OpPassManager &pm, const PipelineCLOptions &options) {
        buildPQToGPUPipeline(pm, options.get());
        buildGPUToNVVMPipeline(pm);
        buildNVVMToPTXPipeline(pm);
      });
}
