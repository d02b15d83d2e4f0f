//===- SplitKernels.cpp - The `split` strategy: rows over several CTAs ----===//
//
// For rows too long for one CTA's shared memory. The score kernel spreads a
// kv head's keys over `ctas_per_row` CTAs, each quantizing the new keys of its
// own chunk (no CTA reads another's codes) and writing every row's keys to
// the workspace; the select kernel then gives each (head, batch) row a CTA.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"
#include "Kernels.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

int64_t mlir::pq::workspaceRowWords(const StepInfo &info) {
  switch (info.tiling.getStrategy()) {
  case Strategy::row:
    return 0;
  case Strategy::split:
    return info.keyRowStride();
  case Strategy::cluster:
    return 2 * info.keyRowStride();
  }
  llvm_unreachable("unknown strategy");
}

int64_t mlir::pq::workspaceBytesPerBatch(const StepInfo &info) {
  return 4 * info.shape.heads * workspaceRowWords(info);
}

/// Fewest keys a score CTA handles (see buildScoreKernel).
constexpr int64_t kMinChunk = 2048;

static gpu::GPUFuncOp buildScoreKernel(gpu::GPUModuleOp module, StringRef name,
                                       const StepInfo &info, Location loc) {
  const StepShape &shape = info.shape;
  const int64_t threads = info.tiling.getThreads();
  const int64_t chunks = info.tiling.getCtasPerRow();
  const int64_t rowStride = info.keyRowStride();
  SharedMemoryPlan plan = planSplitScoreKernel(shape, threads);

  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func =
      createKernel(module, (name + "_score").str(), info,
                   {chunks, shape.kvHeads, -1}, threads,
                   plan.total, b, args);
  KernelBuilder kb(b, threads);
  Value chunk = kb.blockId(gpu::Dimension::x);
  Value kvHead = kb.blockId(gpu::Dimension::y);
  Value batch = kb.blockId(gpu::Dimension::z);
  SharedViews views = createSharedViews(kb, plan);
  kb.ifThen(kb.notI1(isFullAttention(kb, info, args)), [&] {
    Value indexed = kb.sub(args.seqLen, kb.idx(shape.initOffset));
    // Each CTA rebuilds the lookup tables; a chunk must be long enough to
    // pay for them. CTAs past the end have nothing to do.
    // Chunks are whole multiples of 16 keys, so each starts a code item.
    Value even = kb.divu(kb.add(indexed, kb.idx(chunks - 1)), kb.idx(chunks));
    Value perChunk = kb.maxs(
        kb.mul(kb.divu(kb.add(even, kb.idx(15)), kb.idx(16)), kb.idx(16)),
        kb.idx(kMinChunk));
    Value begin = kb.minu(kb.mul(chunk, perChunk), indexed);
    Value end = kb.minu(kb.add(begin, perChunk), indexed);
    kb.ifThen(kb.cmp(CmpIPredicate::ult, begin, end), [&] {
      emitTableAndCodes(kb, info, args, views, batch, kvHead, begin, end);
      Value firstRow = firstRowOfGroup(kb, shape, batch, kvHead);
      emitScoreKeys(kb, info, args, views, batch, kvHead, begin, end,
                    indexed,
                    {args.workspace, kb.mul(firstRow, kb.idx(rowStride)),
                     rowStride, /*inGlobalMemory=*/true});
    });
  });
  return func;
}

static gpu::GPUFuncOp buildSelectKernel(gpu::GPUModuleOp module,
                                        StringRef name, const StepInfo &info,
                                        Location loc) {
  const StepShape &shape = info.shape;
  const int64_t threads = splitSelectThreads(info.tiling.getThreads());
  const int64_t rowStride = info.keyRowStride();
  SharedMemoryPlan plan = planSplitSelectKernel(threads);

  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func =
      createKernel(module, (name + "_select").str(), info,
                   {shape.heads, -1, 1}, threads,
                   plan.total, b, args);
  KernelBuilder kb(b, threads);
  Value head = kb.blockId(gpu::Dimension::x);
  Value batch = kb.blockId(gpu::Dimension::y);
  Value row = kb.add(kb.mul(batch, kb.idx(shape.heads)), head);
  SharedViews views = createSharedViews(kb, plan);
  kb.ifThenElse(
      isFullAttention(kb, info, args), TypeRange{},
      [&]() -> SmallVector<Value> {
        emitFullAttentionRow(kb, info, args, row);
        return {};
      },
      [&]() -> SmallVector<Value> {
        emitSelectRow(kb, info, args, views, args.workspace,
                      kb.mul(row, kb.idx(rowStride)), row);
        return {};
      });
  return func;
}

SmallVector<gpu::GPUFuncOp> mlir::pq::buildSplitKernels(gpu::GPUModuleOp module,
                                                        StringRef name,
                                                        const StepInfo &info,
                                                        Location loc) {
  return {buildScoreKernel(module, name, info, loc),
          buildSelectKernel(module, name, info, loc)};
}
