//===- BuildUpdate.cpp - Means and the early stop -------------------------===//
//
// `update`: a warp per centroid reads (and clears) its fixed-point sums
// (BuildPartials.cpp; lane l: columns l, l + 32, ...), scales the total
// back by 2^-q in f64 (exact below 2^53) and rounds the mean to f32 once,
// like the reference's, keeps an empty cluster's centroid, and
// writes the centroid's shift ||c_new - c_old|| (f64, summed by increasing
// column). `converge`: a warp per batch entry sums each group's shifts in
// centroid order and counts the groups still moving into the iteration's
// early-stop counter (an integer add: its order does not matter).
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
/// Shifts a lane of `converge` loads before adding them in order.
constexpr int64_t kShiftsInFlight = 8;
/// SEMANTICS.md's early-stop threshold on (sum_c ||c_new - c_old||)^2.
constexpr double kStopShift = 1e-4;

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
  kb.ifThen(kb.notI1(buildStopped(kb, info, args)), [&] {
    Value lane = kb.laneId();
    Value warp = kb.warpId();
    Value c = kb.add(kb.mul(kb.blockId(gpu::Dimension::x), kb.idx(warps)),
                     warp);
    Value partialsView =
        regionView(kb, args, g, BuildRegion::Partials);
    Value membersView =
        regionView(kb, args, g, BuildRegion::Members);
    // The group's sums (every tile's, added by `partials`), cleared for the
    // next iteration once read.
    Type i64 = b.getI64Type();
    Value sumRow = kb.add(kb.mul(g.local, kb.idx(count)), c);
    SmallVector<Value> sums;
    for (int64_t q = 0; q < columnsPerLane; ++q) {
      Value column = kb.add(lane, kb.idx(q * 32));
      Value inside = kb.cmp(CmpIPredicate::ult, column, kb.idx(width));
      Value at = kb.add(kb.mul(sumRow, kb.idx(width)),
                        kb.minu(column, kb.idx(width - 1)));
      sums.push_back(kb.select(inside, kb.load(partialsView, at),
                               arith::ConstantIntOp::create(b, i64, 0)));
    }
    sums.push_back(kb.toIndex(kb.load(membersView, sumRow)));
    kb.warpSync(); // every lane has read the row before it is cleared
    for (int64_t q = 0; q < columnsPerLane; ++q) {
      Value column = kb.add(lane, kb.idx(q * 32));
      kb.ifThen(kb.cmp(CmpIPredicate::ult, column, kb.idx(width)), [&] {
        kb.store(arith::ConstantIntOp::create(b, i64, 0), partialsView,
                 kb.add(kb.mul(sumRow, kb.idx(width)), column));
      });
    }
    kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)),
              [&] { kb.store(kb.i32(0), membersView, sumRow); });
    Value members = sums[columnsPerLane];
    Value working =
        regionView(kb, args, g, BuildRegion::Centroids);
    Value shifts = regionView(kb, args, g, BuildRegion::Shifts);
    Value squares = kb.sharedView(kb.dynamicShared(), 0, warps * width,
                                  b.getF64Type());
    Value row = kb.mul(kb.add(kb.mul(g.local, kb.idx(count)), c),
                       kb.idx(width));
    Value shiftAt = kb.add(kb.mul(g.local, kb.idx(count)), c);
    Value empty = kb.cmp(CmpIPredicate::eq, members, kb.idx(0));
    kb.ifThenElse(
        empty, TypeRange{},
        [&]() -> SmallVector<Value> {
          kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)),
                    [&] { kb.store(kb.f64(0.0), shifts, shiftAt); });
          return {};
        },
        [&]() -> SmallVector<Value> {
          Value total = arith::UIToFPOp::create(
              b, b.getF64Type(),
              arith::IndexCastOp::create(b, b.getI64Type(), members));
          // 2^-q (a normal f64: q is within +-200).
          Value fixedQ = arith::ExtSIOp::create(
              b, i64,
              kb.load(regionView(kb, args, g, BuildRegion::FixedPoint),
                      g.local));
          Value unscale = arith::BitcastOp::create(
              b, b.getF64Type(),
              arith::ShLIOp::create(
                  b,
                  arith::SubIOp::create(
                      b, arith::ConstantIntOp::create(b, i64, 1023), fixedQ),
                  arith::ConstantIntOp::create(b, i64, 52)));
          for (int64_t q = 0; q < columnsPerLane; ++q) {
            Value column = kb.add(lane, kb.idx(q * 32));
            kb.ifThen(kb.cmp(CmpIPredicate::ult, column, kb.idx(width)), [&] {
              Value mean = arith::TruncFOp::create(
                  b, b.getF32Type(),
                  arith::DivFOp::create(
                      b,
                      kb.mulf(arith::SIToFPOp::create(b, b.getF64Type(),
                                                      sums[q]),
                              unscale),
                      total));
              Value at = kb.add(row, column);
              Value moved = kb.subf(kb.toF64(mean),
                                    kb.toF64(kb.load(working, at)));
              kb.store(kb.mulf(moved, moved), squares,
                       kb.add(kb.mul(warp, kb.idx(width)), column));
              kb.store(mean, working, at);
            });
          }
          kb.warpSync();
          // The reference's order: columns in increasing order.
          kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)), [&] {
            Value moved = kb.forLoop(
                kb.idx(0), kb.idx(width), kb.idx(1), ValueRange{kb.f64(0.0)},
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
  kb.ifThen(kb.notI1(buildStopped(kb, info, args)), [&] {
    Value shifts = regionView(kb, args, g, BuildRegion::Shifts);
    Value lane = kb.laneId();
    Value moving = kb.forLoop(
        lane, kb.idx(info.localGroups()), kb.idx(32), ValueRange{kb.i32(0)},
        [&](Value local, ValueRange acc) -> SmallVector<Value> {
          // In centroid order; loads a batch ahead of the adds.
          const int64_t batch = std::min(kShiftsInFlight, count);
          Value total = kb.forLoop(
              kb.idx(0), kb.idx(count), kb.idx(batch), ValueRange{kb.f64(0.0)},
              [&](Value c, ValueRange sum) -> SmallVector<Value> {
                SmallVector<Value> loaded;
                for (int64_t u = 0; u < batch; ++u) {
                  loaded.push_back(kb.load(
                      shifts, kb.add(kb.mul(local, kb.idx(count)),
                                     kb.add(c, kb.idx(u)))));
                }
                Value acc = sum[0];
                for (Value v : loaded) {
                  acc = kb.addf(acc, v);
                }
                return {acc};
              })[0];
          // Converged: total^2 < 1e-4 (a NaN shift keeps the group moving).
          Value settled = kb.cmpf(CmpFPredicate::OLT, kb.mulf(total, total),
                                  kb.f64(kStopShift));
          return {kb.add(acc[0], kb.select(settled, kb.i32(0), kb.i32(1)))};
        })[0];
    for (int32_t offset = 16; offset >= 1; offset /= 2) {
      moving = kb.add(moving, kb.shuffleXor(moving, offset));
    }
    Value first = kb.andI1(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)),
                           kb.cmp(CmpIPredicate::ne, moving, kb.i32(0)));
    kb.ifThen(first, [&] {
      Value pending =
          regionView(kb, args, g, BuildRegion::Pending);
      kb.atomicAdd(moving, pending,
                   kb.minu(args.iteration, kb.idx(kPendingWords - 1)));
    });
  });
  return func;
}
