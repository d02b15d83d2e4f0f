//===- BuildUpdate.cpp - Means, the early stop and the stored centroids ---===//
//
// `partials`: a CTA per (tile of points, group, 32 columns) stages the
// tile kSumChunk points at a time, sorts them by code (a stable counting
// sort: warp match ranks, per-warp counts, a CTA scan) and sums each
// (centroid, column) over its points in index order into f64 registers,
// then writes the tile's sums and member counts (from 128 centroids on,
// by runs of the sorted order into shared f64 sums instead). `update`: a warp per
// centroid adds the tiles' partials in tile order (lane l: columns l,
// l + 32, ...). Every sum has one fixed order, so the same inputs give the
// same bits, with no atomics. The mean is rounded to f32 once, like the
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
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

/// Warps (centroids) per update CTA.
constexpr int64_t kUpdateWarps = 8;
/// From this many centroids on, `partials` sums by runs of the sorted
/// order into shared f64 sums (H200, 128K keys, C = 256: 0.98 -> 0.60 ms an
/// iteration); below, each thread loops over its centroids' members in
/// registers (C = 64: 110 us against 166 by runs).
constexpr int64_t kRunSumsCentroids = 128;
/// SEMANTICS.md's early-stop threshold on (sum_c ||c_new - c_old||)^2.
constexpr double kStopShift = 1e-4;

Value f64(KernelBuilder &kb, double value) {
  return arith::ConstantFloatOp::create(kb.b, kb.b.getF64Type(),
                                        APFloat(value));
}

Value toF64(KernelBuilder &kb, Value value) {
  return arith::ExtFOp::create(kb.b, kb.b.getF64Type(), value);
}

/// Sums a sorted chunk by runs: each run of equal codes in `order`
/// ([0, total) sorted by code, stable) is one centroid's points in index
/// order; the warp where a run starts sums it (lane l: column l) and adds
/// it to sums[c][l], so each (centroid, column) has one fixed order and no
/// two warps touch one centroid.
void emitRunSums(KernelBuilder &kb, Value codes, Value order, Value starts,
                 Value sizes, Value xs, Value sums, Value total,
                 int64_t pointPitch) {
  ImplicitLocOpBuilder &b = kb.b;
  Value lane = kb.laneId();
  Value first = kb.mul(kb.warpId(), kb.idx(32));
  Value position = kb.add(first, lane);
  Value sorted = kb.cmp(CmpIPredicate::ult, position, total);
  // This lane's position: its code, and whether a run starts there.
  SmallVector<Value> here = kb.ifThenElse(
      sorted, TypeRange{b.getI32Type(), b.getI1Type()},
      [&]() -> SmallVector<Value> {
        Value c = kb.load(codes, kb.toIndex(kb.load(order, position)));
        Value start = kb.toIndex(kb.load(starts, kb.toIndex(c)));
        return {c, kb.cmp(CmpIPredicate::eq, start, position)};
      },
      [&]() -> SmallVector<Value> {
        return {kb.i32(-1), kb.boolean(false)};
      });
  Value mask = kb.ballot(here[1]);
  kb.ifThen(kb.cmp(CmpIPredicate::ne, mask, kb.i32(0)), [&] {
    Value lowest = kb.bitAnd(mask, kb.sub(kb.i32(0), mask));
    Value begin = kb.add(first, kb.popCount(kb.sub(lowest, kb.i32(1))));
    // The last run that starts here may end in a later warp's positions.
    Value highest = kb.sub(kb.i32(31),
                           LLVM::CountLeadingZerosOp::create(b, mask, false));
    Value lastCode = gpu::ShuffleOp::create(b, here[0], highest, kb.i32(32),
                                            gpu::ShuffleMode::IDX)
                         .getShuffleResult();
    Value end = kb.toIndex(kb.add(kb.load(starts, kb.toIndex(lastCode)),
                                  kb.load(sizes, kb.toIndex(lastCode))));
    auto flush = [&](Value c, Value run) {
      Value at = kb.add(kb.mul(kb.toIndex(c), kb.idx(32)), lane);
      kb.store(kb.addf(kb.load(sums, at), run), sums, at);
    };
    Value firstCode = kb.load(codes, kb.toIndex(kb.load(order, begin)));
    SmallVector<Value> state = kb.forLoop(
        begin, end, kb.idx(1), ValueRange{f64(kb, 0.0), firstCode},
        [&](Value j, ValueRange run) -> SmallVector<Value> {
          Value p = kb.toIndex(kb.load(order, j));
          Value c = kb.load(codes, p);
          Value changed = kb.cmp(CmpIPredicate::ne, c, run[1]);
          kb.ifThen(changed, [&] { flush(run[1], run[0]); });
          Value x = toF64(
              kb, kb.load(xs, kb.add(kb.mul(p, kb.idx(pointPitch)), lane)));
          return {kb.addf(kb.select(changed, f64(kb, 0.0), run[0]), x), c};
        });
    flush(state[1], state[0]);
  });
}

} // namespace

gpu::GPUFuncOp mlir::pq::buildPartialsKernel(gpu::GPUModuleOp module,
                                             StringRef name,
                                             const BuildInfo &info,
                                             Location loc) {
  constexpr int64_t threads = kSumChunk;
  constexpr int64_t warps = threads / 32;
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const int64_t columnChunks = (width + 31) / 32;
  const int64_t tilePoints = sumTilePoints(info);
  const int64_t tiles = sumTiles(info);
  // Centroids a thread sums (warp w: w, w + 8, ...; lane l: column l).
  const bool byRuns = count >= kRunSumsCentroids;
  const int64_t perThread = byRuns ? 0 : (count + warps - 1) / warps;
  // Shared: by runs, the tile's sums [C][32] f64; the chunk's points
  // [kSumChunk][33] f32, codes, sorted order, per-warp code counts
  // [warps][C], bin starts and sizes, scan scratch.
  const int64_t pointPitch = 33;
  const int64_t sumsWords = byRuns ? count * 32 * 2 : 0;
  const int64_t xsAt = sumsWords * 4;
  const int64_t xsWords = kSumChunk * pointPitch;
  const int64_t codesAt = xsAt + xsWords * 4;
  const int64_t orderAt = codesAt + kSumChunk * 4;
  const int64_t histAt = orderAt + kSumChunk * 4;
  const int64_t startAt = histAt + warps * count * 4;
  const int64_t sizeAt = startAt + count * 4;
  const int64_t scanAt = sizeAt + count * 4;
  const int64_t smem = scanAt + (warps + 1) * 4;
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {tiles, info.localGroups() * columnChunks, -1},
      threads, smem, b, args, /*blocksPerSM=*/2);
  KernelBuilder kb(b, threads);
  // The grid's y is (local group, column chunk).
  BuildGroup g = buildGroup(kb, info, args);
  Value columnChunk = kb.remu(g.local, kb.idx(columnChunks));
  g.local = kb.divu(g.local, kb.idx(columnChunks));
  g.kvHead = kb.divu(g.local, kb.idx(info.subspaces));
  g.s = kb.remu(g.local, kb.idx(info.subspaces));
  g.group = kb.add(kb.mul(g.batch, kb.idx(info.localGroups())), g.local);
  BuildWorkspace ws = planBuildWorkspace(info);
  Value tile = kb.blockId(gpu::Dimension::x);
  Value tileStart = kb.mul(tile, kb.idx(tilePoints));
  Value active = kb.andI1(kb.cmp(CmpIPredicate::ult, tileStart, g.n),
                          kb.notI1(buildStopped(kb, info, args)));
  kb.ifThen(active, [&] {
    Value shared = kb.dynamicShared();
    Value sums = byRuns ? kb.sharedView(shared, 0, count * 32, b.getF64Type())
                        : Value();
    Value xs = kb.sharedView(shared, xsAt, xsWords, b.getF32Type());
    Value codesView = kb.sharedView(shared, codesAt, kSumChunk, b.getI32Type());
    Value order = kb.sharedView(shared, orderAt, kSumChunk, b.getI32Type());
    Value hist = kb.sharedView(shared, histAt, warps * count, b.getI32Type());
    Value starts = kb.sharedView(shared, startAt, count, b.getI32Type());
    Value sizes = kb.sharedView(shared, sizeAt, count, b.getI32Type());
    Value scan = kb.sharedView(shared, scanAt, warps + 1, b.getI32Type());
    Value assignments =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.codes)),
                      info.localGroups() * info.maxPoints(), b.getI8Type());
    Value tid = kb.threadId(), lane = kb.laneId(), warp = kb.warpId();
    Value firstColumn = kb.mul(columnChunk, kb.idx(32));
    Value tileEnd = kb.minu(kb.add(tileStart, kb.idx(tilePoints)), g.n);

    if (byRuns) {
      kb.forEachThread(kb.idx(count * 32),
                       [&](Value e) { kb.store(f64(kb, 0.0), sums, e); });
    }
    // Sums of the thread's (centroid, column) pairs (none by runs), then
    // the member count of centroid tid (tid < C).
    SmallVector<Value> inits(perThread, f64(kb, 0.0));
    inits.push_back(kb.i32(0));
    SmallVector<Value> acc = kb.forLoop(
        tileStart, tileEnd, kb.idx(kSumChunk), inits,
        [&](Value chunk, ValueRange carried) -> SmallVector<Value> {
          // Stage the chunk's points (coalesced: a thread per column; out
          // of range reads a valid element and stages 0, without branches).
          stageValues(
              kb, kSumChunk * 32,
              [&](Value e) -> Value {
                Value point = kb.add(chunk, kb.divu(e, kb.idx(32)));
                Value column = kb.add(firstColumn, kb.remu(e, kb.idx(32)));
                Value inside =
                    kb.andI1(kb.cmp(CmpIPredicate::ult, point, tileEnd),
                             kb.cmp(CmpIPredicate::ult, column, kb.idx(width)));
                Value x = loadPoint(kb, info, args, g, ws,
                                    kb.minu(point, kb.sub(tileEnd, kb.idx(1))),
                                    kb.minu(column, kb.idx(width - 1)));
                return kb.select(inside, x, kb.f32(0.0f));
              },
              [&](Value e, Value x) {
                Value p = kb.divu(e, kb.idx(32));
                Value col = kb.remu(e, kb.idx(32));
                kb.store(x, xs, kb.add(kb.mul(p, kb.idx(pointPitch)), col));
              });
          kb.forEachThread(kb.idx(warps * count),
                           [&](Value e) { kb.store(kb.i32(0), hist, e); });
          // Point tid's code; points past the tile get a distinct negative
          // value, so they match nothing.
          Value point = kb.add(chunk, tid);
          Value valid = kb.cmp(CmpIPredicate::ult, point, tileEnd);
          Value code = kb.ifThenElse(
              valid, TypeRange{b.getI32Type()},
              [&]() -> SmallVector<Value> {
                return {arith::ExtUIOp::create(
                    b, b.getI32Type(),
                    kb.load(assignments,
                            kb.add(kb.mul(g.local, kb.idx(info.maxPoints())),
                                   point)))};
              },
              [&]() -> SmallVector<Value> {
                return {kb.sub(kb.i32(-1), kb.toI32(tid))};
              })[0];
          kb.store(code, codesView, tid);
          kb.barrier();
          // A stable counting sort by code: rank among the warp's equal
          // codes, then the earlier warps' counts, then the code's bin.
          Value same = kb.matchAny(code);
          Value below = kb.sub(kb.shl(kb.i32(1), kb.toI32(lane)), kb.i32(1));
          Value rank = kb.popCount(kb.bitAnd(same, below));
          Value leads = kb.andI1(valid, kb.cmp(CmpIPredicate::eq, rank,
                                               kb.i32(0)));
          kb.ifThen(leads, [&] {
            kb.store(kb.popCount(same), hist,
                     kb.add(kb.mul(warp, kb.idx(count)), kb.toIndex(code)));
          });
          kb.barrier();
          Value size = kb.i32(0);
          Value owner = kb.cmp(CmpIPredicate::ult, tid, kb.idx(count));
          size = kb.ifThenElse(
              owner, TypeRange{b.getI32Type()},
              [&]() -> SmallVector<Value> {
                Value running = kb.i32(0);
                for (int64_t w = 0; w < warps; ++w) {
                  Value at = kb.add(kb.idx(w * count), tid);
                  Value here = kb.load(hist, at);
                  kb.store(running, hist, at);
                  running = kb.add(running, here);
                }
                return {running};
              },
              [&]() -> SmallVector<Value> { return {kb.i32(0)}; })[0];
          auto [start, total] = kb.blockExclusiveSum(size, scan);
          kb.ifThen(owner, [&] {
            kb.store(start, starts, tid);
            kb.store(size, sizes, tid);
          });
          kb.barrier();
          kb.ifThen(valid, [&] {
            Value at = kb.add(
                kb.add(kb.load(starts, kb.toIndex(code)),
                       kb.load(hist, kb.add(kb.mul(warp, kb.idx(count)),
                                            kb.toIndex(code)))),
                rank);
            kb.store(kb.toI32(tid), order, at);
          });
          kb.barrier();
          // Each (centroid, column) sums its points in index order.
          if (byRuns) {
            emitRunSums(kb, codesView, order, starts, sizes, xs, sums,
                        kb.toIndex(total), pointPitch);
          }
          SmallVector<Value> next;
          for (int64_t k = 0; k < perThread; ++k) {
            Value c = kb.add(warp, kb.idx(k * warps));
            Value mine = kb.cmp(CmpIPredicate::ult, c, kb.idx(count));
            next.push_back(kb.ifThenElse(
                mine, TypeRange{b.getF64Type()},
                [&]() -> SmallVector<Value> {
                  Value first = kb.load(starts, c);
                  Value members = kb.load(sizes, c);
                  return {kb.forLoop(
                      kb.toIndex(first), kb.toIndex(kb.add(first, members)),
                      kb.idx(1), ValueRange{carried[k]},
                      [&](Value j, ValueRange run) -> SmallVector<Value> {
                        Value p = kb.toIndex(kb.load(order, j));
                        Value x = kb.load(
                            xs, kb.add(kb.mul(p, kb.idx(pointPitch)), lane));
                        return {kb.addf(run[0], toF64(kb, x))};
                      })[0]};
                },
                [&]() -> SmallVector<Value> { return {carried[k]}; })[0]);
          }
          next.push_back(kb.add(carried[perThread], size));
          kb.barrier(); // the chunk is read before the next one is staged
          return next;
        });

    Value partials =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.partials)),
                      info.localGroups() * tiles * count * width,
                      b.getF64Type());
    Value members =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.members)),
                      info.localGroups() * tiles * count, b.getI32Type());
    Value tileRow = kb.mul(kb.add(kb.mul(g.local, kb.idx(tiles)), tile),
                           kb.idx(count));
    if (byRuns) {
      kb.barrier(); // the last chunk's runs are added
      kb.forEachThread(kb.idx(count * 32), [&](Value e) {
        Value c = kb.divu(e, kb.idx(32));
        Value column = kb.add(firstColumn, kb.remu(e, kb.idx(32)));
        kb.ifThen(kb.cmp(CmpIPredicate::ult, column, kb.idx(width)), [&] {
          kb.store(kb.load(sums, e), partials,
                   kb.add(kb.mul(kb.add(tileRow, c), kb.idx(width)), column));
        });
      });
    }
    for (int64_t k = 0; k < perThread; ++k) {
      Value c = kb.add(warp, kb.idx(k * warps));
      Value column = kb.add(firstColumn, lane);
      Value writes = kb.andI1(kb.cmp(CmpIPredicate::ult, c, kb.idx(count)),
                              kb.cmp(CmpIPredicate::ult, column, kb.idx(width)));
      kb.ifThen(writes, [&] {
        kb.store(acc[k], partials,
                 kb.add(kb.mul(kb.add(tileRow, c), kb.idx(width)), column));
      });
    }
    Value counts = kb.andI1(kb.cmp(CmpIPredicate::ult, tid, kb.idx(count)),
                            kb.cmp(CmpIPredicate::eq, columnChunk, kb.idx(0)));
    kb.ifThen(counts, [&] {
      kb.store(acc[perThread], members, kb.add(tileRow, tid));
    });
  });
  return func;
}

gpu::GPUFuncOp mlir::pq::buildUpdateKernel(gpu::GPUModuleOp module,
                                           StringRef name,
                                           const BuildInfo &info,
                                           Location loc) {
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const int64_t warps = std::min(kUpdateWarps, count);
  const int64_t threads = warps * 32;
  const int64_t columnsPerLane = (width + 31) / 32;
  const int64_t tiles = sumTiles(info);
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
    Value partialsView =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.partials)),
                      info.localGroups() * tiles * count * width,
                      b.getF64Type());
    Value membersView =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.members)),
                      info.localGroups() * tiles * count, b.getI32Type());
    // The tiles holding points, in tile order.
    Value used = kb.divu(kb.add(g.n, kb.idx(sumTilePoints(info) - 1)),
                         kb.idx(sumTilePoints(info)));
    SmallVector<Value> inits(columnsPerLane, f64(kb, 0.0));
    inits.push_back(kb.idx(0));
    SmallVector<Value> sums = kb.forLoop(
        kb.idx(0), used, kb.idx(1), inits,
        [&](Value tile, ValueRange carried) -> SmallVector<Value> {
          Value row = kb.add(
              kb.mul(kb.add(kb.mul(g.local, kb.idx(tiles)), tile),
                     kb.idx(count)),
              c);
          SmallVector<Value> next;
          for (int64_t q = 0; q < columnsPerLane; ++q) {
            Value column = kb.add(lane, kb.idx(q * 32));
            Value inside = kb.cmp(CmpIPredicate::ult, column, kb.idx(width));
            next.push_back(kb.ifThenElse(
                inside, TypeRange{b.getF64Type()},
                [&]() -> SmallVector<Value> {
                  return {kb.addf(
                      carried[q],
                      kb.load(partialsView,
                              kb.add(kb.mul(row, kb.idx(width)), column)))};
                },
                [&]() -> SmallVector<Value> { return {carried[q]}; })[0]);
          }
          next.push_back(kb.add(carried[columnsPerLane],
                                kb.toIndex(kb.load(membersView, row))));
          return next;
        });
    Value members = sums[columnsPerLane];
    Value working =
        workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.centroids)),
                      info.localGroups() * count * width, b.getF32Type());
    Value shifts = workspaceView(kb, args, kb.add(g.batchBase, kb.idx(ws.shifts)),
                                 info.localGroups() * count, b.getF64Type());
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
