//===- BuildEpilogue.cpp - The stored centroids and the iteration count ---===//
//
// `store`: the working f32 centroids in the output type, and how many
// Lloyd updates ran (read off the early-stop counters). The epilogue's
// other kernel, `codes`, is the assignment against the stored centroids
// (BuildAssign.cpp).
//
//===----------------------------------------------------------------------===//

#include "BuildABI.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

gpu::GPUFuncOp mlir::pq::buildStoreKernel(gpu::GPUModuleOp module,
                                          StringRef name,
                                          const BuildInfo &info,
                                          Location loc) {
  constexpr int64_t threads = 256;
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {1, info.localGroups(), -1}, threads, 0, b, args);
  KernelBuilder kb(b, threads);
  BuildGroup g = buildGroup(kb, info, args);
  Value working =
      regionView(kb, args, g, BuildRegion::Centroids);
  kb.forEachThread(kb.idx(count * width), [&](Value e) {
    Value value =
        kb.load(working, kb.add(kb.mul(g.local, kb.idx(count * width)), e));
    if (!info.centroidType.isF32()) {
      value = arith::TruncFOp::create(b, info.centroidType, value);
    }
    kb.store(value, args.centroids,
             kb.add(kb.mul(g.group, kb.idx(count * width)), e));
  });
  // Updates ran at iteration 0 and wherever the previous one left groups
  // moving: the counters after the first zero stay zero.
  Value reports = kb.andI1(
      kb.andI1(kb.cmp(CmpIPredicate::eq, g.group, kb.idx(0)),
               kb.cmp(CmpIPredicate::eq, kb.threadId(), kb.idx(0))),
      kb.notI1(isNull(kb, args.iterations)));
  kb.ifThen(reports, [&] {
    Value pending =
        regionView(kb, args, g, BuildRegion::Pending);
    Value limit = kb.minu(args.kmeansIter, kb.idx(kPendingWords));
    Value ran = kb.forLoop(
        kb.idx(0), limit, kb.idx(1), ValueRange{kb.idx(0)},
        [&](Value k, ValueRange acc) -> SmallVector<Value> {
          Value runs = kb.ifThenElse(
              kb.cmp(CmpIPredicate::eq, k, kb.idx(0)),
              TypeRange{b.getI1Type()},
              [&]() -> SmallVector<Value> { return {kb.boolean(true)}; },
              [&]() -> SmallVector<Value> {
                return {kb.cmp(CmpIPredicate::ne,
                               kb.load(pending, kb.sub(k, kb.idx(1))),
                               kb.i32(0))};
              })[0];
          return {kb.add(acc[0], kb.select(runs, kb.idx(1), kb.idx(0)))};
        })[0];
    kb.store(arith::IndexCastOp::create(b, b.getI64Type(), ran),
             args.iterations, kb.idx(0));
  });
  return func;
}
