//===- KernelABI.h - What a pq kernel takes and knows -----------*- C++ -*-===//
//
// The static description of a fused step (from pq.indexer), the kernel
// parameter list of docs/BUNDLE.md, and the values a kernel body works with.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_KERNELABI_H
#define LIB_CONVERSION_PQTOGPU_KERNELABI_H

#include "dialects/pq/PQDialect.h"
#include "pq/Utils/KernelPlan.h"
// The parameter list itself is the runtime's (shared with libpqrt's bundle
// reader); the compiler decides which of them a kernel takes and their types.
#include "runtime/internal/pqrt/KernelParamList.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::pq {

class KernelBuilder;

/// Everything static about one fused step.
struct StepInfo {
  StepShape shape;
  int64_t sink = 0, window = 0, heavy = 0;
  Metric metric = Metric::euclidean;
  Layout layout = Layout::compact;
  bool quantize = false;
  int64_t staticBatch = 0; // 0: dynamic
  Type queryType, centroidType, codeType, indexType, weightType;
  TilingAttr tiling;
  bool phaseTimers = false; // pq-compile --phase-timers (PhaseTimers.h)

  static StepInfo get(IndexerOp op);
  int64_t centroidDim() const {
    return shape.subDim() + (metric == Metric::ip ? 1 : 0);
  }
  int64_t fullAttentionLimit() const {
    return heavy + shape.initOffset + 1 + shape.centroids;
  }
  int64_t maxIndexedKeys() const {
    return maxIndexed(shape, tiling.getMaxSeqLen());
  }
  int64_t keyRowStride() const {
    return pq::keyRowStride(shape, tiling.getMaxSeqLen());
  }
};

/// The kernel parameters of docs/BUNDLE.md, in their order.
enum class KernelParam {
#define PQ_KERNEL_PARAM_ENUMERATOR(name, text, kind) name,
  PQRT_KERNEL_PARAMS(PQ_KERNEL_PARAM_ENUMERATOR)
#undef PQ_KERNEL_PARAM_ENUMERATOR
};

/// One kernel parameter of docs/BUNDLE.md: a 1-D memref or an i64.
struct ParamSpec {
  KernelParam id;
  StringRef name; // the manifest's name
  Type type;
};
SmallVector<ParamSpec> kernelParams(MLIRContext *context, const StepInfo &info);

/// The parameters as a kernel body sees them; scalars already cast to index.
struct KernelArgs {
  Value query, key, centroids, phi, codes;
  Value sparseList, sparseLen, weightList, workspace;
  Value seqLen, numCached, keyCapacity, codeCapacity;
  // The index build's (BuildABI.h); seed stays i64.
  Value initial, iterations, seed, iteration, kmeansIter;
};

/// i1: the call's sk takes the full-attention path (SEMANTICS step 1).
Value isFullAttention(KernelBuilder &kb, const StepInfo &info,
                      const KernelArgs &args);
/// Row (b * h + head) of the first query head of kv head `kvHead`'s group.
Value firstRowOfGroup(KernelBuilder &kb, const StepShape &shape, Value batch,
                      Value kvHead);

/// Creates `gpu.func @name` with the step's parameters in `module`, records
/// the launch geometry for the bundle writer, and leaves `kb`'s insertion
/// point in its body. `grid` entries are a count or -1 for "batch";
/// `threads` is the CTA size; registers are capped so that `blocksPerSM`
/// CTAs fit on an SM.
gpu::GPUFuncOp createKernel(gpu::GPUModuleOp module, StringRef name,
                            const StepInfo &info, ArrayRef<int64_t> grid,
                            int64_t threads, int64_t smemBytes,
                            ImplicitLocOpBuilder &b, KernelArgs &args,
                            int64_t blocksPerSM = 1);
/// The same for any parameter list (the index build's): the body runs only
/// for seq_len in [1, maxSeqLen].
gpu::GPUFuncOp createKernelWithParams(gpu::GPUModuleOp module, StringRef name,
                                      ArrayRef<ParamSpec> params,
                                      int64_t maxSeqLen,
                                      ArrayRef<int64_t> grid, int64_t threads,
                                      int64_t smemBytes,
                                      ImplicitLocOpBuilder &b,
                                      KernelArgs &args,
                                      int64_t blocksPerSM = 1);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_KERNELABI_H
