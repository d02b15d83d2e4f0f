//===- BuildPartials.cpp - Per-tile sums of each centroid's points -------===//
//
// `partials`: a CTA per (tile of points, group, 32 columns) stages the tile
// kSumChunk points at a time, sorts them by code (a stable counting sort:
// warp match ranks, per-warp counts, a CTA scan) and sums each (centroid,
// column) over its points in index order into f64 registers, then writes
// the tile's sums and member counts; from kRunSumsCentroids centroids on it
// sums by runs of the sorted order into shared f64 sums instead. Every sum
// has one fixed order (no atomics), so the same inputs give the same bits;
// `update` (BuildUpdate.cpp) adds the tiles in tile order.
//
//===----------------------------------------------------------------------===//

#include "BuildABI.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

namespace {

/// From this many centroids on, `partials` sums by runs of the sorted
/// order into shared f64 sums (H200, 128K keys, C = 256: 0.98 -> 0.60 ms an
/// iteration); below, each thread loops over its centroids' members in
/// registers (C = 64: 110 us against 166 by runs).
constexpr int64_t kRunSumsCentroids = 128;

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
        begin, end, kb.idx(1), ValueRange{kb.f64(0.0), firstCode},
        [&](Value j, ValueRange run) -> SmallVector<Value> {
          Value p = kb.toIndex(kb.load(order, j));
          Value c = kb.load(codes, p);
          Value changed = kb.cmp(CmpIPredicate::ne, c, run[1]);
          kb.ifThen(changed, [&] { flush(run[1], run[0]); });
          Value x = kb.toF64(kb.load(xs, kb.add(kb.mul(p, kb.idx(pointPitch)), lane)));
          return {kb.addf(kb.select(changed, kb.f64(0.0), run[0]), x), c};
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
        regionView(kb, args, g, BuildRegion::Codes);
    Value tid = kb.threadId(), lane = kb.laneId(), warp = kb.warpId();
    Value firstColumn = kb.mul(columnChunk, kb.idx(32));
    Value tileEnd = kb.minu(kb.add(tileStart, kb.idx(tilePoints)), g.n);

    if (byRuns) {
      kb.forEachThread(kb.idx(count * 32),
                       [&](Value e) { kb.store(kb.f64(0.0), sums, e); });
    }
    // Sums of the thread's (centroid, column) pairs (none by runs), then
    // the member count of centroid tid (tid < C).
    SmallVector<Value> inits(perThread, kb.f64(0.0));
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
                Value x = loadPoint(kb, info, args, g,
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
                        return {kb.addf(run[0], kb.toF64(x))};
                      })[0]};
                },
                [&]() -> SmallVector<Value> { return {carried[k]}; })[0]);
          }
          next.push_back(kb.add(carried[perThread], size));
          kb.barrier(); // the chunk is read before the next one is staged
          return next;
        });

    Value partials =
        regionView(kb, args, g, BuildRegion::Partials);
    Value members =
        regionView(kb, args, g, BuildRegion::Members);
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
