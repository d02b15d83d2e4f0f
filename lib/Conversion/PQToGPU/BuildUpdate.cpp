//===- BuildUpdate.cpp - Means, the early stop and the stored centroids ---===//
//
// `update`: a warp per centroid scans its group's assignments 32 at a time
// (a ballot of the points that chose it) and adds their columns in
// increasing point order into f64 sums (lane l holds columns l, l + 32,
// ...): every sum has one fixed order, so the same inputs give the same
// bits, and no atomics are needed. The mean is rounded to f32 once, like the
// reference's; an empty cluster keeps its centroid. The centroid's shift
// ||c_new - c_old|| (f64, summed by increasing column) goes to the
// workspace. `converge`: a warp per batch entry sums each group's shifts in
// centroid order and counts the groups still moving into the iteration's
// early-stop counter (an integer add: its order does not matter).
// `store`: the working centroids in the output type, and the iteration
// count.
//
//===----------------------------------------------------------------------===//

#include "BuildABI.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

/// Warps (centroids) per update CTA.
constexpr int64_t kUpdateWarps = 8;
/// SEMANTICS.md's early-stop threshold on (sum_c ||c_new - c_old||)^2.
constexpr double kStopShift = 1e-4;

Value f64(KernelBuilder &kb, double value) {
  return arith::ConstantFloatOp::create(kb.b, kb.b.getF64Type(),
                                        APFloat(value));
}

Value toF64(KernelBuilder &kb, Value value) {
  return arith::ExtFOp::create(kb.b, kb.b.getF64Type(), value);
}

Value sharedBytes(KernelBuilder &kb) {
  auto space = gpu::AddressSpaceAttr::get(kb.b.getContext(),
                                          gpu::AddressSpace::Workgroup);
  return gpu::DynamicSharedMemoryOp::create(
      kb.b, MemRefType::get({ShapedType::kDynamic}, kb.b.getI8Type(),
                            MemRefLayoutAttrInterface{}, space));
}

} // namespace

gpu::GPUFuncOp mlir::pq::buildUpdateKernel(gpu::GPUModuleOp module,
                                           StringRef name,
                                           const BuildInfo &info,
                                           Location loc) {
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const int64_t warps = std::min(kUpdateWarps, count);
  const int64_t threads = warps * 32;
  const int64_t columnsPerLane = (width + 31) / 32;
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {count / warps, info.localGroups(), -1}, threads,
      /*smemBytes=*/warps * width * 8, b, args);
  KernelBuilder kb(b, threads);
  BuildGroup g = buildGroup(kb, info, args);
  BuildWorkspace ws = planBuildWorkspace(info);
  kb.ifThen(kb.notI1(buildStopped(kb, info, args)), [&] {
    Value lane = kb.laneId();
    Value warp = kb.warpId();
    Value c = kb.add(kb.mul(kb.blockId(gpu::Dimension::x), kb.idx(warps)),
                     warp);
    Value c32 = kb.toI32(c);
    Value codes = workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.codes)),
                                info.localGroups() * info.maxPoints(),
                                b.getI8Type());
    Value codeBase = kb.mul(g.local, kb.idx(info.maxPoints()));
    SmallVector<Value> inits(columnsPerLane, f64(kb, 0.0));
    inits.push_back(kb.idx(0)); // members
    SmallVector<Value> sums = kb.forLoop(
        kb.idx(0), g.n, kb.idx(32), inits,
        [&](Value base, ValueRange carried) -> SmallVector<Value> {
          Value p = kb.add(base, lane);
          Value inside = kb.cmp(CmpIPredicate::ult, p, g.n);
          Value mine = kb.ifThenElse(
              inside, TypeRange{b.getI1Type()},
              [&]() -> SmallVector<Value> {
                Value code = arith::ExtUIOp::create(
                    b, b.getI32Type(), kb.load(codes, kb.add(codeBase, p)));
                return {kb.cmp(CmpIPredicate::eq, code, c32)};
              },
              [&]() -> SmallVector<Value> { return {kb.boolean(false)}; })[0];
          Value mask = kb.ballot(mine);
          Value members = kb.popCount(mask);
          SmallVector<Value> inner(carried.begin(),
                                   carried.begin() + columnsPerLane);
          inner.push_back(mask);
          // The chosen points in increasing order: the lowest set bit first.
          SmallVector<Value> out = kb.forLoop(
              kb.idx(0), kb.toIndex(members), kb.idx(1), inner,
              [&](Value, ValueRange state) -> SmallVector<Value> {
                Value bits = state[columnsPerLane];
                Value lowest = kb.bitAnd(bits, kb.sub(kb.i32(0), bits));
                Value point =
                    kb.add(base, kb.popCount(kb.sub(lowest, kb.i32(1))));
                SmallVector<Value> next;
                for (int64_t q = 0; q < columnsPerLane; ++q) {
                  Value column = kb.add(lane, kb.idx(q * 32));
                  Value used = kb.cmp(CmpIPredicate::ult, column, kb.idx(width));
                  next.push_back(kb.ifThenElse(
                      used, TypeRange{b.getF64Type()},
                      [&]() -> SmallVector<Value> {
                        Value x = loadPoint(kb, info, args, g, ws, point,
                                            column);
                        return {kb.addf(state[q], toF64(kb, x))};
                      },
                      [&]() -> SmallVector<Value> { return {state[q]}; })[0]);
                }
                next.push_back(kb.bitXor(bits, lowest));
                return next;
              });
          out.back() = kb.add(carried[columnsPerLane], kb.toIndex(members));
          return out;
        });
    Value members = sums[columnsPerLane];
    Value working =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.centroids)),
                      info.localGroups() * count * width, b.getF32Type());
    Value shifts = workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.shifts)),
                                 info.localGroups() * count, b.getF64Type());
    Value squares = kb.sharedView(sharedBytes(kb), 0, warps * width,
                                  b.getF64Type());
    Value row = kb.mul(kb.add(kb.mul(g.local, kb.idx(count)), c),
                       kb.idx(width));
    Value shiftAt = kb.add(kb.mul(g.local, kb.idx(count)), c);
    Value empty = kb.cmp(CmpIPredicate::eq, members, kb.idx(0));
    kb.ifThenElse(
        empty, TypeRange{},
        [&]() -> SmallVector<Value> {
          kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)),
                    [&] { kb.store(f64(kb, 0.0), shifts, shiftAt); });
          return {};
        },
        [&]() -> SmallVector<Value> {
          Value total = arith::UIToFPOp::create(
              b, b.getF64Type(),
              arith::IndexCastOp::create(b, b.getI64Type(), members));
          for (int64_t q = 0; q < columnsPerLane; ++q) {
            Value column = kb.add(lane, kb.idx(q * 32));
            kb.ifThen(kb.cmp(CmpIPredicate::ult, column, kb.idx(width)), [&] {
              Value mean = arith::TruncFOp::create(
                  b, b.getF32Type(),
                  arith::DivFOp::create(b, sums[q], total));
              Value at = kb.add(row, column);
              Value moved = kb.subf(toF64(kb, mean),
                                    toF64(kb, kb.load(working, at)));
              kb.store(kb.mulf(moved, moved), squares,
                       kb.add(kb.mul(warp, kb.idx(width)), column));
              kb.store(mean, working, at);
            });
          }
          kb.warpSync();
          // The reference's order: columns in increasing order.
          kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)), [&] {
            Value moved = kb.forLoop(
                kb.idx(0), kb.idx(width), kb.idx(1), ValueRange{f64(kb, 0.0)},
                [&](Value i, ValueRange acc) -> SmallVector<Value> {
                  return {kb.addf(
                      acc[0],
                      kb.load(squares,
                              kb.add(kb.mul(warp, kb.idx(width)), i)))};
                })[0];
            kb.store(kb.sqrtRn(moved), shifts, shiftAt);
          });
          return {};
        });
  });
  return func;
}

gpu::GPUFuncOp mlir::pq::buildConvergeKernel(gpu::GPUModuleOp module,
                                             StringRef name,
                                             const BuildInfo &info,
                                             Location loc) {
  const int64_t count = info.centroids;
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func =
      createBuildKernel(module, name, info, {1, 1, -1}, 32, 0, b, args);
  KernelBuilder kb(b, 32);
  BuildGroup g = buildGroup(kb, info, args);
  BuildWorkspace ws = planBuildWorkspace(info);
  kb.ifThen(kb.notI1(buildStopped(kb, info, args)), [&] {
    Value shifts = workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.shifts)),
                                 info.localGroups() * count, b.getF64Type());
    Value lane = kb.laneId();
    Value moving = kb.forLoop(
        lane, kb.idx(info.localGroups()), kb.idx(32), ValueRange{kb.i32(0)},
        [&](Value local, ValueRange acc) -> SmallVector<Value> {
          Value total = kb.forLoop(
              kb.idx(0), kb.idx(count), kb.idx(1), ValueRange{f64(kb, 0.0)},
              [&](Value c, ValueRange sum) -> SmallVector<Value> {
                return {kb.addf(
                    sum[0],
                    kb.load(shifts,
                            kb.add(kb.mul(local, kb.idx(count)), c)))};
              })[0];
          // Converged: total^2 < 1e-4 (a NaN shift keeps the group moving).
          Value settled = kb.cmpf(CmpFPredicate::OLT, kb.mulf(total, total),
                                  f64(kb, kStopShift));
          return {kb.add(acc[0], kb.select(settled, kb.i32(0), kb.i32(1)))};
        })[0];
    for (int32_t offset = 16; offset >= 1; offset /= 2) {
      moving = kb.add(moving, kb.shuffleXor(moving, offset));
    }
    Value first = kb.andI1(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)),
                           kb.cmp(CmpIPredicate::ne, moving, kb.i32(0)));
    kb.ifThen(first, [&] {
      Value pending =
          workspaceView(kb, args, kb.idx(0), kPendingWords, b.getI32Type());
      kb.atomicAdd(moving, pending,
                   kb.minu(args.iteration, kb.idx(kPendingWords - 1)));
    });
  });
  return func;
}

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
  BuildWorkspace ws = planBuildWorkspace(info);
  Value working =
      workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.centroids)),
                    info.localGroups() * count * width, b.getF32Type());
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
        workspaceView(kb, args, kb.idx(0), kPendingWords, b.getI32Type());
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
