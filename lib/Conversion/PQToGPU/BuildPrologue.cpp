//===- BuildPrologue.cpp - The build before its Lloyd iterations ----------===//
//
// `draw`: when the caller gives no initial indices, a warp per group draws
// them by docs/BUILD.md's seeded rule (a partial Fisher-Yates over [0, n)
// that remembers only the moved entries, in shared memory, searched by the
// whole warp). `norms`: a CTA per (sum tile, group) computes its points'
// ||x||^2 (kept as the ip column's input) and their maximum. `prep`: a CTA
// per group takes the largest of the tiles' maxima (phi for ip, and the
// sums' fixed point), turns the norms into the ip column, gathers the
// initial centroids and clears the early-stop counters.
//
//===----------------------------------------------------------------------===//

#include "BuildABI.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

namespace {

/// SplitMix64 (the reference's pqrt::splitMix64) on an i64 state.
std::pair<Value, Value> splitMix64(KernelBuilder &kb, Value state) {
  ImplicitLocOpBuilder &b = kb.b;
  auto c64 = [&](uint64_t value) -> Value {
    return arith::ConstantIntOp::create(b, b.getI64Type(),
                                        static_cast<int64_t>(value));
  };
  auto xorShift = [&](Value z, int64_t shift) -> Value {
    return arith::XOrIOp::create(b, z,
                                 arith::ShRUIOp::create(b, z, c64(shift)));
  };
  Value next = arith::AddIOp::create(b, state, c64(0x9E3779B97F4A7C15ull));
  Value z = arith::MulIOp::create(b, xorShift(next, 30),
                                  c64(0xBF58476D1CE4E5B9ull));
  z = arith::MulIOp::create(b, xorShift(z, 27), c64(0x94D049BB133111EBull));
  return {xorShift(z, 31), next};
}

} // namespace

gpu::GPUFuncOp mlir::pq::buildDrawKernel(gpu::GPUModuleOp module,
                                         StringRef name,
                                         const BuildInfo &info, Location loc) {
  const int64_t count = info.centroids;
  // The moved entries: keys then values, i64 each.
  const int64_t smem = count * 16;
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {1, info.localGroups(), -1}, 32, smem, b, args);
  KernelBuilder kb(b, 32);
  BuildGroup g = buildGroup(kb, info, args);
  kb.ifThen(isNull(kb, args.initial), [&] {
    Value shared = kb.dynamicShared();
    Value keys = kb.sharedView(shared, 0, count, b.getI64Type());
    Value values = kb.sharedView(shared, count * 8, count, b.getI64Type());
    Value drawn = regionView(kb, args, g, BuildRegion::Drawn);
    Value lane = kb.laneId();
    auto i64 = [&](Value index) -> Value {
      return arith::IndexCastOp::create(b, b.getI64Type(), index);
    };
    // state = seed + (g + 1) * golden, wrapping.
    Value golden = arith::ConstantIntOp::create(
        b, b.getI64Type(), static_cast<int64_t>(0x9E3779B97F4A7C15ull));
    Value state0 = arith::AddIOp::create(
        b, args.seed,
        arith::MulIOp::create(b, i64(kb.add(g.group, kb.idx(1))), golden));
    Value n64 = i64(g.n);
    // Slot of `position` among the `moved` entries, or -1.
    auto find = [&](Value position, Value moved) -> Value {
      return kb.forLoop(
          kb.idx(0), moved, kb.idx(32), ValueRange{kb.idx(-1)},
          [&](Value base, ValueRange acc) -> SmallVector<Value> {
            Value e = kb.add(base, lane);
            Value inRange = kb.cmp(CmpIPredicate::ult, e, moved);
            Value hit = kb.ifThenElse(
                inRange, TypeRange{b.getI1Type()},
                [&]() -> SmallVector<Value> {
                  return {kb.cmp(CmpIPredicate::eq, kb.load(keys, e),
                                 position)};
                },
                [&]() -> SmallVector<Value> { return {kb.boolean(false)}; })[0];
            Value mask = kb.ballot(hit);
            Value lowest = kb.bitAnd(mask, kb.sub(kb.i32(0), mask));
            Value slot = kb.add(base, kb.popCount(kb.sub(lowest, kb.i32(1))));
            Value found = kb.cmp(CmpIPredicate::ne, mask, kb.i32(0));
            return {kb.select(found, slot, acc[0])};
          })[0];
    };
    auto valueAt = [&](Value position, Value slot) -> Value {
      Value found = kb.cmp(CmpIPredicate::sge, slot, kb.idx(0));
      return kb.ifThenElse(
          found, TypeRange{b.getI64Type()},
          [&]() -> SmallVector<Value> { return {kb.load(values, slot)}; },
          [&]() -> SmallVector<Value> { return {position}; })[0];
    };
    kb.forLoop(
        kb.idx(0), kb.idx(count), kb.idx(1), ValueRange{state0, kb.idx(0)},
        [&](Value i, ValueRange acc) -> SmallVector<Value> {
          auto [random, state] = splitMix64(kb, acc[0]);
          Value moved = acc[1];
          Value i64i = i64(i);
          Value span = arith::SubIOp::create(b, n64, i64i);
          Value j = arith::AddIOp::create(
              b, i64i, arith::RemUIOp::create(b, random, span));
          Value slotJ = find(j, moved);
          Value slotI = find(i64i, moved);
          Value picked = valueAt(j, slotJ);
          Value atI = valueAt(i64i, slotI);
          // Every lane has read the entries before lane 0 changes them.
          kb.warpSync();
          Value isNew = kb.cmp(CmpIPredicate::slt, slotJ, kb.idx(0));
          kb.ifThen(kb.cmp(CmpIPredicate::eq, lane, kb.idx(0)), [&] {
            Value slot = kb.select(isNew, moved, slotJ);
            kb.store(j, keys, slot);
            kb.store(atI, values, slot);
            kb.store(picked, drawn,
                     kb.add(kb.mul(g.local, kb.idx(count)), i));
          });
          kb.warpSync();
          return {state, kb.select(isNew, kb.add(moved, kb.idx(1)), moved)};
        });
  });
  return func;
}

/// Columns `norms` stages at a time, and where (after the warp maxima).
constexpr int64_t kNormColumns = 32;
constexpr int64_t kNormRowsOffset = 128;

/// The largest of the CTA's `value`s (ordered: NaN never wins), through
/// `warpMax` ([threads / 32] f32); barriers inside.
static Value blockMax(KernelBuilder &kb, Value value, Value warpMax,
                      int64_t threads) {
  for (int32_t offset = 16; offset >= 1; offset /= 2) {
    Value other = kb.shuffleXor(value, offset);
    value = kb.select(kb.cmpf(CmpFPredicate::OGT, other, value), other, value);
  }
  kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.laneId(), kb.idx(0)),
            [&] { kb.store(value, warpMax, kb.warpId()); });
  kb.barrier();
  Value largest = kb.load(warpMax, kb.idx(0));
  for (int64_t w = 1; w < threads / 32; ++w) {
    Value other = kb.load(warpMax, kb.idx(w));
    largest =
        kb.select(kb.cmpf(CmpFPredicate::OGT, other, largest), other, largest);
  }
  return largest;
}

gpu::GPUFuncOp mlir::pq::buildNormsKernel(gpu::GPUModuleOp module,
                                          StringRef name,
                                          const BuildInfo &info,
                                          Location loc) {
  constexpr int64_t threads = 256;
  const int64_t tilePoints = sumTilePoints(info);
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {sumTiles(info), info.localGroups(), -1}, threads,
      kNormRowsOffset + threads * (kNormColumns + 1) * 4, b, args,
      /*blocksPerSM=*/2);
  KernelBuilder kb(b, threads);
  BuildGroup g = buildGroup(kb, info, args);
  Value tile = kb.blockId(gpu::Dimension::x);
  Value tileStart = kb.mul(tile, kb.idx(tilePoints));
  kb.ifThen(kb.cmp(CmpIPredicate::ult, tileStart, g.n), [&] {
    const bool ip = info.metric == Metric::ip;
    Value augmented =
        ip ? regionView(kb, args, g, BuildRegion::Augmented) : Value();
    Value rowBase = kb.mul(g.local, kb.idx(info.maxPoints()));
    Value tileEnd = kb.minu(kb.add(tileStart, kb.idx(tilePoints)), g.n);
    // ||x||^2 summed by increasing dimension, no fusion: the reference's
    // norm, so phi is bitwise the reference's. A chunk of `threads` points
    // is staged kNormColumns columns at a time with coalesced loads (rows
    // kNormColumns + 1 floats apart: conflict-free), and thread t adds
    // point t's columns in order.
    Value rows = kb.sharedView(kb.dynamicShared(), kNormRowsOffset,
                               threads * (kNormColumns + 1), b.getF32Type());
    const int64_t pieces = (info.subDim() + kNormColumns - 1) / kNormColumns;
    Value best = kb.forLoop(
        tileStart, tileEnd, kb.idx(threads), ValueRange{kb.f32(0.0f)},
        [&](Value chunk, ValueRange acc) -> SmallVector<Value> {
          Value norm = kb.f32(0.0f);
          for (int64_t piece = 0; piece < pieces; ++piece) {
            const int64_t first = piece * kNormColumns;
            const int64_t columns =
                std::min(kNormColumns, info.subDim() - first);
            kb.barrier(); // the previous piece has been read
            stageValues(
                kb, threads * columns,
                [&](Value e) -> Value {
                  Value p = kb.minu(kb.add(chunk, kb.divu(e, kb.idx(columns))),
                                    kb.sub(tileEnd, kb.idx(1)));
                  return loadPointColumn(
                      kb, info, args, g, p,
                      kb.add(kb.remu(e, kb.idx(columns)), kb.idx(first)));
                },
                [&](Value e, Value x) {
                  Value at = kb.add(
                      kb.mul(kb.divu(e, kb.idx(columns)),
                             kb.idx(kNormColumns + 1)),
                      kb.remu(e, kb.idx(columns)));
                  kb.store(x, rows, at);
                });
            kb.barrier();
            Value rowAt = kb.mul(kb.threadId(), kb.idx(kNormColumns + 1));
            for (int64_t i = 0; i < columns; ++i) {
              Value x = kb.load(rows, kb.add(rowAt, kb.idx(i)));
              norm = kb.addf(norm, kb.mulf(x, x));
            }
          }
          Value p = kb.add(chunk, kb.threadId());
          Value valid = kb.cmp(CmpIPredicate::ult, p, tileEnd);
          if (ip) {
            kb.ifThen(valid,
                      [&] { kb.store(norm, augmented, kb.add(rowBase, p)); });
          }
          // Points past the tile count as 0 (never above a real norm).
          Value counted = kb.select(valid, norm, kb.f32(0.0f));
          Value larger = kb.cmpf(CmpFPredicate::OGT, counted, acc[0]);
          return {kb.select(larger, counted, acc[0])};
        })[0];
    Value warpMax = kb.sharedView(kb.dynamicShared(), 0, threads / 32,
                                  b.getF32Type());
    Value largest = blockMax(kb, best, warpMax, threads);
    kb.ifThen(kb.cmp(CmpIPredicate::eq, kb.threadId(), kb.idx(0)), [&] {
      kb.store(largest, regionView(kb, args, g, BuildRegion::TileMax),
               kb.add(kb.mul(g.local, kb.idx(sumTiles(info))), tile));
    });
  });
  return func;
}

gpu::GPUFuncOp mlir::pq::buildPrepKernel(gpu::GPUModuleOp module,
                                         StringRef name,
                                         const BuildInfo &info, Location loc) {
  constexpr int64_t threads = 256;
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {1, info.localGroups(), -1}, threads,
      /*smemBytes=*/(threads / 32) * 4, b, args);
  KernelBuilder kb(b, threads);
  BuildGroup g = buildGroup(kb, info, args);
  Value tid = kb.threadId();

  // Batch entry 0's first group clears the early-stop counters.
  Value first = kb.andI1(kb.cmp(CmpIPredicate::eq, g.batch, kb.idx(0)),
                         kb.cmp(CmpIPredicate::eq, g.local, kb.idx(0)));
  kb.ifThen(first, [&] {
    Value pending =
        regionView(kb, args, g, BuildRegion::Pending);
    kb.forEachThread(kb.minu(args.kmeansIter, kb.idx(kPendingWords)),
                     [&](Value k) { kb.store(kb.i32(0), pending, k); });
  });

  // The largest ||x||^2 of the group: the tiles' maxima (a maximum is the
  // same in any order).
  const bool ip = info.metric == Metric::ip;
  Value shared = kb.dynamicShared();
  Value warpMax = kb.sharedView(shared, 0, threads / 32, b.getF32Type());
  Value augmented =
      ip ? regionView(kb, args, g, BuildRegion::Augmented) : Value();
  Value rowBase = kb.mul(g.local, kb.idx(info.maxPoints()));
  Value tileMax = regionView(kb, args, g, BuildRegion::TileMax);
  Value used = kb.divu(kb.add(g.n, kb.idx(sumTilePoints(info) - 1)),
                       kb.idx(sumTilePoints(info)));
  Value best = kb.forLoop(
      tid, used, kb.idx(threads), ValueRange{kb.f32(0.0f)},
      [&](Value tile, ValueRange acc) -> SmallVector<Value> {
        Value norm = kb.load(
            tileMax, kb.add(kb.mul(g.local, kb.idx(sumTiles(info))), tile));
        Value larger = kb.cmpf(CmpFPredicate::OGT, norm, acc[0]);
        return {kb.select(larger, norm, acc[0])};
      })[0];
  Value phi = blockMax(kb, best, warpMax, threads);
  kb.ifThen(kb.cmp(CmpIPredicate::eq, tid, kb.idx(0)), [&] {
    if (ip) {
      kb.store(phi, args.phi, g.group);
    }
    // Every column (and the ip column) is at most r = sqrt(phi) < 2^(E -
    // 126) for r's biased exponent E; one more bit covers the norm's
    // rounding. So q = bits - (E - 125), at most kMaxFixedQ: 2^q stays a
    // normal f32 from E = 0 (all zero) to E = 255 (overflow, NaN).
    Value radius = kb.sqrtRn(phi);
    Value biased = kb.bitAnd(
        kb.shru(arith::BitcastOp::create(b, b.getI32Type(), radius),
                kb.i32(23)),
        kb.i32(255));
    Value q = arith::MinSIOp::create(
        b, kb.sub(kb.i32(fixedValueBits(info) + 125), biased),
        kb.i32(kMaxFixedQ));
    kb.store(q, regionView(kb, args, g, BuildRegion::FixedPoint), g.local);
  });
  if (ip) {
    // Each thread turns its own norms into the column, as the step's
    // quantizer does: sqrt(max(phi - ||x||^2, 0)).
    kb.forLoop(tid, g.n, kb.idx(threads), [&](Value p) {
      Value at = kb.add(rowBase, p);
      Value gap = kb.subf(phi, kb.load(augmented, at));
      Value positive = kb.cmpf(CmpFPredicate::OGT, gap, kb.f32(0.0f));
      kb.store(kb.sqrtRn(kb.select(positive, gap, kb.f32(0.0f))), augmented,
               at);
    });
    kb.barrier();
  }

  // The group's sums start at zero (`update` clears them after each read).
  Value sums = regionView(kb, args, g, BuildRegion::Partials);
  kb.forEachThread(kb.idx(count * width), [&](Value e) {
    kb.store(arith::ConstantIntOp::create(b, b.getI64Type(), 0), sums,
             kb.add(kb.mul(g.local, kb.idx(count * width)), e));
  });
  Value members = regionView(kb, args, g, BuildRegion::Members);
  kb.forEachThread(kb.idx(count), [&](Value c) {
    kb.store(kb.i32(0), members, kb.add(kb.mul(g.local, kb.idx(count)), c));
  });

  // The initial centroids: the caller's indices (reduced modulo n: never a
  // read outside the keys) or the drawn ones.
  Value working =
      regionView(kb, args, g, BuildRegion::Centroids);
  Value drawn = regionView(kb, args, g, BuildRegion::Drawn);
  Value fromCaller = kb.notI1(isNull(kb, args.initial));
  Value n64 = arith::IndexCastOp::create(b, b.getI64Type(), g.n);
  kb.forEachThread(kb.idx(count * width), [&](Value e) {
    Value c = kb.divu(e, kb.idx(width));
    Value i = kb.remu(e, kb.idx(width));
    Value index = kb.ifThenElse(
        fromCaller, TypeRange{b.getI64Type()},
        [&]() -> SmallVector<Value> {
          return {kb.load(args.initial,
                          kb.add(kb.mul(g.group, kb.idx(count)), c))};
        },
        [&]() -> SmallVector<Value> {
          return {kb.load(drawn, kb.add(kb.mul(g.local, kb.idx(count)), c))};
        })[0];
    Value p = kb.toIndex(arith::RemUIOp::create(b, index, n64));
    kb.store(loadPoint(kb, info, args, g, p, i), working,
             kb.add(kb.mul(g.local, kb.idx(count * width)), e));
  });
  return func;
}
