//===- BuildPartials.cpp - Per-tile sums of each centroid's points -------===//
//
// `partials`: a CTA per (tile of points, group, column chunk) adds every
// (point, column) of the tile into its centroid's sum in shared memory (a
// warp takes one point, or two to four narrow ones, a lane per column),
// then adds the tile's sums and member counts into the group's (global
// i64 / i32 atomics), which `update` (BuildUpdate.cpp) reads and clears. The sums are integers, so their order does not matter and
// the same inputs give the same bits however the atomics interleave: a
// value x of the group counts as trunc(x * 2^q), with q the group's fixed
// point (prep: |x| * 2^q < 2^fixedValueBits(info) for every column of the
// group), and a tile's sums add its low kFixedLoBits bits and the rest in
// two 32-bit words (native shared atomics; a 64-bit add would be a
// compare-and-swap loop) that cannot overflow within kMaxSumTilePoints
// points.
//
//===----------------------------------------------------------------------===//

#include "BuildABI.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

namespace {

constexpr int64_t kThreads = 256;
constexpr int64_t kWarps = kThreads / 32;
/// Values a lane loads before adding any of them: the loads in flight that
/// keep HBM busy (H200, 128K: 4 points 340 us, 16 points 313 us; 16
/// spilled with the ip column).
constexpr int64_t kValuesInFlight = 8;
/// Shared memory for a tile's sums (two words per (centroid, column)): two
/// CTAs fit an SM on sm_80 and sm_90; wider subspaces take column chunks.
constexpr int64_t kSumsBytes = 72 * 1024;

static_assert(kMaxSumTilePoints * ((int64_t(1) << kFixedLoBits) - 1) <
                  (int64_t(1) << 32),
              "a tile's low words fit a u32");
static_assert(kMaxSumTilePoints *
                      (int64_t(1) << (kFixedValueBits - kFixedLoBits)) <
                  (int64_t(1) << 31),
              "a tile's high words fit an i32");

} // namespace

int64_t mlir::pq::sumColumnChunk(const BuildInfo &info) {
  const int64_t width = info.width();
  const int64_t most = std::max<int64_t>(kSumsBytes / (8 * info.centroids), 1);
  const int64_t chunks = (width + most - 1) / most;
  return (width + chunks - 1) / chunks;
}

gpu::GPUFuncOp mlir::pq::buildPartialsKernel(gpu::GPUModuleOp module,
                                             StringRef name,
                                             const BuildInfo &info,
                                             Location loc) {
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const int64_t chunkWidth = sumColumnChunk(info);
  const int64_t columnChunks = (width + chunkWidth - 1) / chunkWidth;
  const int64_t tilePoints = sumTilePoints(info);
  const int64_t tiles = sumTiles(info);
  const int64_t sumWords = count * chunkWidth;
  const int64_t lanesPerPoint =
      chunkWidth >= 32 ? 32 : int64_t(llvm::PowerOf2Ceil(chunkWidth));
  const int64_t pointsPerWarp = 32 / lanesPerPoint;
  const int64_t passes = (chunkWidth + lanesPerPoint - 1) / lanesPerPoint;
  const int64_t pointsInFlight = std::max<int64_t>(kValuesInFlight / passes, 1);
  // Shared: low words (u32) [C][chunk], high words (i32) [C][chunk],
  // members [C].
  // Members [C], then a slot per lane that adds nothing (no branches).
  const int64_t memberWords = count + 32;
  const int64_t smem = (2 * sumWords + memberWords) * 4;
  ImplicitLocOpBuilder b(loc, module.getContext());
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info, {tiles, info.localGroups() * columnChunks, -1},
      kThreads, smem, b, args, /*blocksPerSM=*/2);
  KernelBuilder kb(b, kThreads);
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
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    Value shared = kb.dynamicShared();
    Value low = kb.sharedView(shared, 0, sumWords, i32);
    Value high = kb.sharedView(shared, sumWords * 4, sumWords, i32);
    Value members = kb.sharedView(shared, 2 * sumWords * 4, memberWords, i32);
    kb.forEachThread(kb.idx(2 * sumWords + memberWords), [&](Value e) {
      Value words = kb.sharedView(shared, 0, 2 * sumWords + memberWords, i32);
      kb.store(kb.i32(0), words, e);
    });
    kb.barrier();

    Value assignments = regionView(kb, args, g, BuildRegion::Codes);
    Value fixedPoints = regionView(kb, args, g, BuildRegion::FixedPoint);
    // 2^q as an f32 (q in [-92, kMaxFixedQ]: a normal number), so x * 2^q
    // is exact.
    Value scale = arith::BitcastOp::create(
        b, b.getF32Type(),
        kb.shl(kb.add(kb.load(fixedPoints, g.local), kb.i32(127)),
               kb.i32(23)));
    Value firstColumn = kb.mul(columnChunk, kb.idx(chunkWidth));
    Value tileEnd = kb.minu(kb.add(tileStart, kb.idx(tilePoints)), g.n);
    Value codeRow = kb.mul(g.local, kb.idx(info.maxPoints()));
    // A warp takes `pointsPerWarp` points at a time, `lanesPerPoint` lanes
    // a point, lane l of a point summing columns l, l + lanesPerPoint, ...
    Value lane = kb.laneId();
    Value sub = kb.divu(lane, kb.idx(lanesPerPoint));
    Value firstLane = kb.remu(lane, kb.idx(lanesPerPoint));
    Value stride = kb.idx(kWarps * pointsPerWarp);
    Value warpFirst = kb.add(tileStart, kb.add(kb.mul(kb.warpId(),
                                                      kb.idx(pointsPerWarp)),
                                               sub));
    Value counts = kb.andI1(kb.cmp(CmpIPredicate::eq, firstLane, kb.idx(0)),
                            kb.cmp(CmpIPredicate::eq, columnChunk, kb.idx(0)));
    // A lane's element of point p: the key (or ip) column `dim` at
    // keyAt(p) / extraAt(p), both linear in p, so items only add offsets.
    const bool ip = info.metric == Metric::ip;
    Value keyRows = kb.add(
        kb.mul(kb.add(kb.mul(g.batch, kb.idx(info.kvHeads)), g.kvHead),
               args.keyCapacity),
        kb.idx(info.initOffset));
    Value augmented =
        ip ? regionView(kb, args, g, BuildRegion::Augmented) : Value();
    SmallVector<Value> dims, keyColumn, isKey, inside;
    for (int64_t pass = 0; pass < passes; ++pass) {
      Value column = kb.add(firstLane, kb.idx(pass * lanesPerPoint));
      Value dim = kb.add(firstColumn, column);
      inside.push_back(
          kb.andI1(kb.cmp(CmpIPredicate::ult, column, kb.idx(chunkWidth)),
                   kb.cmp(CmpIPredicate::ult, dim, kb.idx(width))));
      // Outside: adds 0 to this point's column 0.
      dims.push_back(kb.select(inside.back(), column, kb.idx(0)));
      isKey.push_back(kb.cmp(CmpIPredicate::ult, dim, kb.idx(info.subDim())));
      keyColumn.push_back(kb.add(kb.mul(g.s, kb.idx(info.subDim())),
                                 kb.minu(dim, kb.idx(info.subDim() - 1))));
    }
    // The lane that counts a point's member (others add 0 to a slot of
    // their own: no branch, no shared address).
    Value memberSlot = kb.add(kb.idx(count), lane);
    // pointsInFlight points a lane: every load before the atomics; past
    // the tile, a point reads the tile's first point and adds nothing.
    kb.forLoopRolled(
        warpFirst, tileEnd, kb.mul(stride, kb.idx(pointsInFlight)),
        [&](Value base) {
          struct Item {
            Value valid, code;
            SmallVector<Value> values;
          };
          SmallVector<Item> items;
          for (int64_t r = 0; r < pointsInFlight; ++r) {
            Item item;
            Value point = kb.add(base, kb.mul(stride, kb.idx(r)));
            item.valid = kb.cmp(CmpIPredicate::ult, point, tileEnd);
            Value safe = kb.select(item.valid, point, tileStart);
            Value codeAt = kb.add(codeRow, safe);
            item.code = kb.toIndex(arith::ExtUIOp::create(
                b, i32, kb.load(assignments, codeAt)));
            Value keyRow = kb.mul(kb.add(keyRows, safe), kb.idx(info.headDim));
            for (int64_t pass = 0; pass < passes; ++pass) {
              Value x = kb.toF32(
                  kb.load(args.key, kb.add(keyRow, keyColumn[pass])));
              if (ip) {
                Value extra = kb.load(augmented, codeAt);
                x = kb.select(isKey[pass], x, extra);
              }
              item.values.push_back(x);
            }
            items.push_back(item);
          }
          for (const Item &item : items) {
            for (int64_t pass = 0; pass < passes; ++pass) {
              Value adds = kb.andI1(item.valid, inside[pass]);
              Value x = kb.select(adds, item.values[pass], kb.f32(0.0f));
              Value fixed = arith::FPToSIOp::create(b, i64, kb.mulf(x, scale));
              Value lo = arith::TruncIOp::create(
                  b, i32,
                  arith::AndIOp::create(
                      b, fixed,
                      arith::ConstantIntOp::create(
                          b, i64, (int64_t(1) << kFixedLoBits) - 1)));
              Value hi = arith::TruncIOp::create(
                  b, i32,
                  arith::ShRSIOp::create(
                      b, fixed,
                      arith::ConstantIntOp::create(b, i64, kFixedLoBits)));
              Value at = kb.add(kb.mul(item.code, kb.idx(chunkWidth)),
                                dims[pass]);
              kb.atomicAdd(lo, low, at);
              kb.atomicAdd(hi, high, at);
            }
            Value one = kb.select(item.valid, kb.i32(1), kb.i32(0));
            kb.atomicAdd(one, members,
                         kb.select(counts, item.code, memberSlot));
          }
        });
    kb.barrier();

    // The tile's sums as i64 (high * 2^kFixedLoBits + low), added into the
    // group's sums (integer atomics: any order gives the same bits;
    // `update` reads and clears them).
    Value sums = regionView(kb, args, g, BuildRegion::Partials);
    Value memberCounts = regionView(kb, args, g, BuildRegion::Members);
    Value groupRow = kb.mul(g.local, kb.idx(count));
    kb.forEachThread(kb.idx(sumWords), [&](Value e) {
      Value c = kb.divu(e, kb.idx(chunkWidth));
      Value column = kb.add(firstColumn, kb.remu(e, kb.idx(chunkWidth)));
      kb.ifThen(kb.cmp(CmpIPredicate::ult, column, kb.idx(width)), [&] {
        Value sum = arith::AddIOp::create(
            b,
            arith::ShLIOp::create(
                b, arith::ExtSIOp::create(b, i64, kb.load(high, e)),
                arith::ConstantIntOp::create(b, i64, kFixedLoBits)),
            arith::ExtUIOp::create(b, i64, kb.load(low, e)));
        kb.atomicAdd(sum, sums,
                     kb.add(kb.mul(kb.add(groupRow, c), kb.idx(width)),
                            column));
      });
    });
    kb.ifThen(kb.cmp(CmpIPredicate::eq, columnChunk, kb.idx(0)), [&] {
      kb.forEachThread(kb.idx(count), [&](Value c) {
        kb.atomicAdd(kb.load(members, c), memberCounts, kb.add(groupRow, c));
      });
    });
  });
  return func;
}
