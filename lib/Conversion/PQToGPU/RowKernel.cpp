//===- RowKernel.cpp - The `row` strategy: one CTA per group --------------===//
//
// One launch does the step: a CTA per (kv head, batch) quantizes the group's
// new keys, builds the lookup tables of its query heads, keeps every row's
// keys in shared memory (codes are read once per kv head) and selects and
// emits each row in turn.
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"
#include "Kernels.h"
#include "PhaseTimers.h"

using namespace mlir;
using namespace mlir::pq;

SmallVector<gpu::GPUFuncOp> mlir::pq::buildRowKernels(gpu::GPUModuleOp module,
                                                      StringRef name,
                                                      const StepInfo &info,
                                                      Location loc) {
  const StepShape &shape = info.shape;
  const int64_t threads = info.tiling.getThreads();
  const int64_t maxSeqLen = info.tiling.getMaxSeqLen();
  SharedMemoryPlan plan = planRowKernel(shape, maxSeqLen, threads);
  const int64_t rowStride = keyRowStride(shape, maxSeqLen);

  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func =
      createKernel(module, (name + "_row").str(), info,
                   {shape.kvHeads, -1, 1}, threads,
                   plan.total, b, args);
  KernelBuilder kb(b, threads);
  PhaseTimers timers(kb, info, args);
  timers.mark("start");
  Value kvHead = kb.blockId(gpu::Dimension::x);
  Value batch = kb.blockId(gpu::Dimension::y);
  SharedViews views = createSharedViews(kb, plan);
  Value firstRow = firstRowOfGroup(kb, shape, batch, kvHead);
  kb.ifThenElse(
      isFullAttention(kb, info, args), TypeRange{},
      [&]() -> SmallVector<Value> {
        kb.forLoop(kb.idx(0), kb.idx(shape.rows()), kb.idx(1), [&](Value r) {
          emitFullAttentionRow(kb, info, args, kb.add(firstRow, r));
        });
        return {};
      },
      [&]() -> SmallVector<Value> {
        Value indexed = kb.sub(args.seqLen, kb.idx(shape.initOffset));
        emitTableAndCodes(kb, info, args, views, batch, kvHead, kb.idx(0),
                          indexed);
        timers.mark("tables");
        emitScoreKeys(kb, info, args, views, batch, kvHead, kb.idx(0),
                      indexed, indexed,
                      {views.keys, kb.idx(0), rowStride,
                       /*inGlobalMemory=*/false});
        kb.barrier();
        timers.mark("scored");
        kb.forLoop(kb.idx(0), kb.idx(shape.rows()), kb.idx(1), [&](Value r) {
          emitSelectRow(kb, info, args, views, views.keys,
                        kb.mul(r, kb.idx(rowStride)), kb.add(firstRow, r));
          kb.barrier();
        });
        timers.mark("rows_written");
        return {};
      });
  timers.attach(func);
  return {func};
}
