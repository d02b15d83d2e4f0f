//===- ConvertPQToGPU.cpp - Lower tiled pq.indexer ops to GPU kernels -----===//

#include "HostLaunch.h"
#include "Kernels.h"
#include "PhaseTimers.h"

#include "pq/Conversion/Passes.h"
#include "pq/Utils/Chain.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::pq {
#define GEN_PASS_DEF_CONVERTPQTOGPUPASS
#include "pq/Conversion/Passes.h.inc"
} // namespace mlir::pq

using namespace mlir;
using namespace mlir::pq;

namespace {

struct ConvertPQToGPUPass final
    : pq::impl::ConvertPQToGPUPassBase<ConvertPQToGPUPass> {
  using Base::Base;
  void runOnOperation() override;
};

/// The build's assignment kernel keeps codes in bytes and its register tile
/// covers C <= 256 (AssignTiling in BuildAssign.cpp).
constexpr int64_t kMaxBuildBits = 8;

/// Every kernel's shared memory (its plan, pq.smem) fits the target.
LogicalResult checkSharedMemory(Operation *op,
                                ArrayRef<gpu::GPUFuncOp> kernels,
                                TargetAttr target, StringRef why) {
  for (gpu::GPUFuncOp kernel : kernels) {
    int64_t smem = kernel->getAttrOfType<IntegerAttr>("pq.smem").getInt();
    if (smem > target.getSmem()) {
      return op->emitError()
             << "convert-pq-to-gpu: kernel '" << kernel.getName() << "' needs "
             << smem << " bytes of shared memory" << why << ", the target "
             << target.getChip() << " has " << target.getSmem();
    }
  }
  return success();
}

/// A kernel name prefix unique in the module: the function's name, with a
/// counter when a function holds several steps.
std::string kernelPrefix(Operation *op, llvm::StringMap<int> &seen) {
  auto func = op->getParentOfType<FunctionOpInterface>();
  std::string base = func ? func.getName().str() : "pq_step";
  int count = seen[base]++;
  return count == 0 ? base : base + "_" + std::to_string(count);
}

} // namespace

void ConvertPQToGPUPass::runOnOperation() {
  ModuleOp module = getOperation();
  SmallVector<IndexerOp> steps;
  SmallVector<KMeansOp> builds;
  WalkResult walk = module.walk([&](Operation *op) {
    // The kernels and their launches live in the top-level module (the
    // launches need its gpu.container_module), so a step elsewhere would
    // fail deep in upstream's verifier.
    if (isa<IndexerOp, KMeansOp>(op)) {
      auto inner = op->getParentOfType<ModuleOp>();
      if (inner != module) {
        InFlightDiagnostic diag = op->emitError()
                                  << "convert-pq-to-gpu: '" << op->getName()
                                  << "' inside a nested module";
        if (std::optional<StringRef> name = inner.getName()) {
          diag << " (@" << *name << ")";
        }
        diag << " is not compiled: a bundle holds the steps of the "
                "top-level module; move its function there";
        return WalkResult::interrupt();
      }
    }
    if (auto step = dyn_cast<IndexerOp>(op)) {
      if (!step.getTiling()) {
        step.emitError() << "convert-pq-to-gpu: pq.indexer has no tiling; "
                            "run pq-tile first";
        return WalkResult::interrupt();
      }
      steps.push_back(step);
      return WalkResult::advance();
    }
    if (auto build = dyn_cast<KMeansOp>(op)) {
      if (!build.getMaxSeqLen()) {
        build.emitError() << "convert-pq-to-gpu: pq.kmeans has no "
                             "max_seq_len; run pq-tile first";
        return WalkResult::interrupt();
      }
      if (build.getStep().getBits() > kMaxBuildBits) {
        build.emitError()
            << "convert-pq-to-gpu: the GPU build clusters at most 2^"
            << kMaxBuildBits << " centroids (bits <= " << kMaxBuildBits
            << "), the step has bits = " << build.getStep().getBits()
            << "; build this index with pqrt_reference_build";
        return WalkResult::interrupt();
      }
      builds.push_back(build);
      return WalkResult::advance();
    }
    if (isa<QuantizeOp, ScoreOp, TopKOp, GenIndicesOp>(op)) {
      op->emitError() << "convert-pq-to-gpu: '" << op->getName()
                      << "' was not fused into a pq.indexer ("
                      << explainUnfused(op)
                      << "); only fused steps lower to GPU";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted()) {
    return signalPassFailure();
  }
  if (steps.empty() && builds.empty()) {
    return;
  }
  auto target = module->getAttrOfType<TargetAttr>(PQDialect::kTargetAttrName);
  if (!target) {
    module.emitError() << "convert-pq-to-gpu: the module has no "
                       << PQDialect::kTargetAttrName
                       << " attribute; run pq-tile --target=... first";
    return signalPassFailure();
  }

  MLIRContext *context = &getContext();
  OpBuilder builder(context);
  builder.setInsertionPointToEnd(module.getBody());
  auto nvvmTarget = NVVM::NVVMTargetAttr::get(context, /*optLevel=*/3,
                                              "nvptx64-nvidia-cuda",
                                              target.getChip());
  auto gpuModule = gpu::GPUModuleOp::create(
      builder, module.getLoc(), "pq_kernels", builder.getArrayAttr(nvvmTarget));
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  builder.getUnitAttr());

  // A hand-written tiling may ask for more shared memory than the GPU has.
  for (IndexerOp step : steps) {
    if (step.getTiling()->getSmem() > target.getSmem()) {
      step.emitError() << "convert-pq-to-gpu: tiling needs "
                       << step.getTiling()->getSmem()
                       << " bytes of shared memory, the target " << target.getChip()
                       << " has " << target.getSmem();
      return signalPassFailure();
    }
  }

  llvm::StringMap<int> seen;
  for (IndexerOp step : steps) {
    StepInfo info = StepInfo::get(step);
    info.phaseTimers = phaseTimers;
    if (phaseTimers && info.tiling.getStrategy() == Strategy::split) {
      // Two kernels per step would need two regions and a host that knows
      // which launch wrote which; the one-kernel strategies cover the
      // shapes worth timing (split is sm_80's long-sequence fallback).
      step.emitError() << "convert-pq-to-gpu: phase-timers records the "
                          "one-kernel strategies (row, cluster), not split; "
                          "compile for sm_90 or with a smaller max-seq-len";
      return signalPassFailure();
    }
    std::string prefix = kernelPrefix(step, seen);
    SmallVector<gpu::GPUFuncOp> kernels;
    switch (info.tiling.getStrategy()) {
    case Strategy::row:
      kernels = buildRowKernels(gpuModule, prefix, info, step.getLoc());
      break;
    case Strategy::split:
      kernels = buildSplitKernels(gpuModule, prefix, info, step.getLoc());
      break;
    case Strategy::cluster:
      if (!target.getClusters()) {
        step.emitError() << "convert-pq-to-gpu: strategy cluster needs a "
                            "target with thread-block clusters (sm_90+), not "
                         << target.getChip();
        return signalPassFailure();
      }
      kernels = buildClusterKernels(gpuModule, prefix, info, step.getLoc());
      break;
    }
    // The kernels' own shared-memory plans, whatever the tiling claims.
    if (failed(checkSharedMemory(step, kernels, target, " for this tiling"))) {
      return signalPassFailure();
    }
    // The step's rows, then the phase timestamps when recorded.
    int64_t workspaceBytes = workspaceBytesPerBatch(info);
    for (gpu::GPUFuncOp kernel : kernels) {
      workspaceBytes += phaseTimerBytesPerBatch(kernel);
    }
    // The bundle writer reads the step's settings from the kernels.
    for (gpu::GPUFuncOp kernel : kernels) {
      kernel->setAttr("pq.step", step.getStep());
      kernel->setAttr("pq.tiling", info.tiling);
      kernel->setAttr("pq.workspace_bytes_per_batch",
                      builder.getI64IntegerAttr(workspaceBytes));
      const StepShape &shape = info.shape;
      kernel->setAttr("pq.shape",
                      builder.getDenseI64ArrayAttr(
                          {info.staticBatch, shape.heads, shape.kvHeads,
                           shape.headDim, shape.subspaces}));
      kernel->setAttr("pq.layout", step.getLayoutAttr());
      kernel->setAttr("pq.quantize", builder.getBoolAttr(info.quantize));
      kernel->setAttr("pq.entry", builder.getStringAttr(prefix));
    }
    replaceWithLaunches(step, info, kernels, workspaceBytes);
  }

  for (KMeansOp build : builds) {
    BuildInfo info = BuildInfo::get(build);
    // wgmma is an arch-specific sm_90a feature (the PTX then runs on sm_90
    // only); plain sm_90 keeps mma.sync.
    info.wgmma = target.getChip() == "sm_90a";
    std::string prefix = kernelPrefix(build, seen);
    SmallVector<gpu::GPUFuncOp> kernels =
        buildKMeansKernels(gpuModule, prefix, info, build.getLoc());
    if (failed(checkSharedMemory(build, kernels, target, ""))) {
      return signalPassFailure();
    }
    for (gpu::GPUFuncOp kernel : kernels) {
      // The bundle writer checks the build against the step it serves.
      kernel->setAttr("pq.step", build.getStep());
      kernel->setAttr("pq.layout", build.getLayoutAttr());
      kernel->setAttr("pq.max_seq_len",
                      builder.getI64IntegerAttr(info.maxSeqLen));
      kernel->setAttr("pq.workspace_bytes_per_batch",
                      builder.getI64IntegerAttr(planBuildWorkspace(info).total));
      kernel->setAttr("pq.shape",
                      builder.getDenseI64ArrayAttr(
                          {info.staticBatch, info.kvHeads, info.headDim,
                           info.subspaces}));
      kernel->setAttr("pq.entry", builder.getStringAttr(prefix));
    }
    replaceWithBuildLaunches(build, info, kernels);
  }
}
