//===- BuildAssignWgmma.cpp - Nearest centroids with wgmma (sm_90a) ------===//
//
// The assignment of BuildAssign.cpp for sm_90a, where a warpgroup's
// asynchronous wgmma reads both operands from shared memory: no fragment
// loads, and a product of 64 points by up to 128 centroids per instruction
// (mma.sync: 16 x 8). A CTA of two warpgroups stages the centroids once,
// split into TF32 hi and lo copies, then takes tiles of 128 points, 64 a
// warpgroup, staging the next tile into a second buffer while the first
// products run (where two buffers fit two CTAs an SM): x.c = x.lo(c) + x.hi(c) in two products a k-step (bf16 and
// f16 keys are exact in TF32; the ip column is staged as two columns, as
// the mma.sync kernel does). The accumulators start at -||c||^2 / 2, so
// the argmax of each row is the nearest centroid; the argmax keeps the
// lowest c, in the thread (increasing c), then across the four threads of
// a row (as distances, through `closer`).
//
// Shared operands are in the canonical K-major layout without swizzle:
// core matrices of 8 rows x 4 f32 (128 contiguous bytes), row-groups of
// 8 rows `sbo` bytes apart, core matrices along K 128 bytes apart. A
// thread stages element e of that layout at offset e, so a warp's stores
// fill one core matrix (conflict-free).
//
//===----------------------------------------------------------------------===//

#include "BuildAssignShared.h"
#include "Emitters.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

namespace {

constexpr int64_t kWarpgroups = 2;
constexpr int64_t kThreads = 128 * kWarpgroups;
/// Points of a warpgroup's product (wgmma's M), and of a CTA's tile.
constexpr int64_t kGroupPoints = 64;
constexpr int64_t kTilePoints = kGroupPoints * kWarpgroups;
/// Centroids of one product (wgmma's N): N / 2 accumulators a thread.
constexpr int64_t kMaxProductCentroids = 128;
/// Two CTAs an SM (the H200 gives a CTA at most 227 KiB).
constexpr int64_t kSmemBudget = 113 * 1024;
/// Loads a thread keeps in flight while staging element by element beside
/// the live accumulators (8 spilled).
constexpr int64_t kOverlapInFlight = 4;
/// Independent argmax chains a row (merged in order at the end).
constexpr int64_t kArgmaxChains = 4;
/// Bytes of a core matrix (8 rows of 16 bytes) and of a k-step's two.
constexpr int64_t kCoreBytes = 128;
constexpr int64_t kStepBytes = 2 * kCoreBytes;

struct WgmmaTiling {
  int64_t halves;  // products across the centroids
  int64_t n;       // centroids a product
  int64_t padded;  // n * halves >= C
  int64_t k;       // product columns, a multiple of 8
  int64_t centroidBytes, pointBytes, normBytes;
  int64_t buffers; // point tiles staged: 2 overlaps staging and products
  explicit WgmmaTiling(const BuildInfo &info) {
    const int64_t rounded = (info.centroids + 7) / 8 * 8;
    halves = (rounded + kMaxProductCentroids - 1) / kMaxProductCentroids;
    n = (rounded / halves + 7) / 8 * 8;
    padded = n * halves;
    k = (AssignColumns(info).mma + 7) / 8 * 8;
    centroidBytes = padded * k * 4; // each of hi and lo
    pointBytes = kTilePoints * k * 4;
    normBytes = (padded * 4 + 127) / 128 * 128;
    buffers = 2;
    if (smem() > kSmemBudget) {
      buffers = 1;
    }
  }
  /// Byte distance of adjacent 8-row groups.
  int64_t sbo() const { return (k / 4) * kCoreBytes; }
  int64_t smem() const {
    return 2 * centroidBytes + buffers * pointBytes + normBytes;
  }
};

/// Element e of the K-major core-matrix layout of rows x k: (row, column).
std::pair<Value, Value> coreElement(KernelBuilder &kb, Value e, int64_t k) {
  Value core = kb.divu(e, kb.idx(32));
  Value group = kb.divu(core, kb.idx(k / 4));
  Value row = kb.add(kb.mul(group, kb.idx(8)),
                     kb.bitAnd(kb.shru(e, kb.idx(2)), kb.idx(7)));
  Value column = kb.add(kb.mul(kb.remu(core, kb.idx(k / 4)), kb.idx(4)),
                        kb.bitAnd(e, kb.idx(3)));
  return {row, column};
}

/// The shared-window address of a shared view, as i64.
Value sharedAddress(KernelBuilder &kb, Value view) {
  ImplicitLocOpBuilder &b = kb.b;
  Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(b, view);
  return arith::IndexCastOp::create(b, b.getI64Type(), pointer);
}

/// A wgmma shared-memory descriptor (PTX ISA, "Matrix Descriptor"):
/// start address >> 4 in bits 0-13, the K-direction core-matrix distance
/// (128 bytes) >> 4 in 16-29, the 8-row-group distance >> 4 in 32-45, no
/// swizzle.
Value descriptor(KernelBuilder &kb, Value address, int64_t sbo) {
  ImplicitLocOpBuilder &b = kb.b;
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, i64, v);
  };
  Value start = arith::ShRUIOp::create(
      b, arith::AndIOp::create(b, address, constant(0x3FFFF)), constant(4));
  const int64_t fields = ((kCoreBytes >> 4) << 16) | ((sbo >> 4) << 32);
  return arith::OrIOp::create(b, start, constant(fields));
}

} // namespace

bool mlir::pq::wgmmaAssignFits(const BuildInfo &info) {
  return AssignColumns(info).exactPoints &&
         WgmmaTiling(info).smem() <= kSmemBudget;
}

gpu::GPUFuncOp mlir::pq::buildAssignKernelWgmma(gpu::GPUModuleOp module,
                                                StringRef name,
                                                const BuildInfo &info,
                                                Location loc, bool final) {
  const WgmmaTiling t(info);
  const int64_t count = info.centroids;
  const int64_t hiOffset = 0;
  const int64_t loOffset = t.centroidBytes;
  const int64_t pointOffset = 2 * t.centroidBytes;
  const int64_t normOffset = pointOffset + t.buffers * t.pointBytes;
  const int64_t tiles = (info.maxPoints() + kTilePoints - 1) / kTilePoints;
  // At least 16 CTAs a group; up to 64 tiles a CTA share its centroid
  // staging.
  const int64_t perCta = std::clamp<int64_t>(tiles / 16, 1, 64);
  const int64_t accumulators = t.n / 2;
  const float inf = std::numeric_limits<float>::infinity();

  ImplicitLocOpBuilder b(loc, module.getContext());
  MLIRContext *context = b.getContext();
  KernelArgs args;
  gpu::GPUFuncOp func = createBuildKernel(
      module, name, info,
      {(tiles + perCta - 1) / perCta, info.localGroups(), -1}, kThreads,
      t.smem(), b, args, /*blocksPerSM=*/2);
  KernelBuilder kb(b, kThreads);
  BuildGroup g = buildGroup(kb, info, args);
  Value firstTile = kb.mul(kb.blockId(gpu::Dimension::x), kb.idx(perCta));
  kb.ifThen(assignCtaActive(kb, info, args, g, firstTile, kTilePoints, final), [&] {
    Type f32 = b.getF32Type();
    Value shared = kb.dynamicShared();
    const int64_t centroidWords = t.centroidBytes / 4;
    Value his = kb.sharedView(shared, hiOffset, centroidWords, f32);
    Value los = kb.sharedView(shared, loOffset, centroidWords, f32);
    Value xs =
        kb.sharedView(shared, pointOffset, t.buffers * t.pointBytes / 4, f32);
    Value norms = kb.sharedView(shared, normOffset, t.padded, f32);
    Value codes = regionView(kb, args, g, BuildRegion::Codes);
    const AssignSources sources(kb, info, args, g, final);
    // Writes of the generic proxy become visible to wgmma (the async
    // proxy) through this fence, then a barrier.
    auto publish = [&] {
      NVVM::FenceProxyOp::create(
          b, NVVM::ProxyKind::async_shared,
          NVVM::SharedSpaceAttr::get(context, NVVM::SharedSpace::shared_cta));
      kb.barrier();
    };

    storeCentroidNorms(kb, sources, norms, t.padded);
    // The centroids, split hi + lo, padding zero (its norm is +inf).
    stageValues(
        kb, t.padded * t.k,
        [&](Value e) -> Value {
          auto [c, dim] = coreElement(kb, e, t.k);
          Value real = kb.andI1(
              kb.cmp(CmpIPredicate::ult, c, kb.idx(count)),
              kb.cmp(CmpIPredicate::ult, dim,
                     kb.idx(sources.columns.mma)));
          Value v = sources.centroidColumn(
              kb, kb.minu(c, kb.idx(count - 1)),
              kb.minu(dim, kb.idx(sources.columns.mma - 1)));
          return kb.select(real, v, kb.f32(0.0f));
        },
        [&](Value e, Value v) {
          auto [hi, lo] = splitTf32(kb, v);
          kb.store(arith::BitcastOp::create(b, f32, hi), his, e);
          kb.store(arith::BitcastOp::create(b, f32, lo), los, e);
        });

    Value tid = kb.threadId();
    Value lane = kb.laneId();
    Value warpgroup = kb.divu(tid, kb.idx(128));
    Value warpInGroup = kb.remu(kb.warpId(), kb.idx(4));
    Value quad = kb.shru(lane, kb.idx(2));
    Value inQuad = kb.bitAnd(lane, kb.idx(3));
    Value hiBase = sharedAddress(kb, his);
    Value loBase = sharedAddress(kb, los);
    Value pointBase = sharedAddress(kb, xs);
    auto offset = [&](Value base, Value bytes) {
      return arith::AddIOp::create(
          b, base, arith::IndexCastOp::create(b, b.getI64Type(), bytes));
    };
    auto structType = LLVM::LLVMStructType::getLiteral(
        context, SmallVector<Type>(accumulators, f32));

    // Offset of (row, column) in the core-matrix layout.
    auto coreOffset = [&](Value row, Value column) {
      Value core = kb.add(kb.mul(kb.divu(row, kb.idx(8)), kb.idx(t.k / 4)),
                          kb.divu(column, kb.idx(4)));
      return kb.add(kb.mul(core, kb.idx(32)),
                    kb.add(kb.mul(kb.remu(row, kb.idx(8)), kb.idx(4)),
                           kb.remu(column, kb.idx(4))));
    };
    // Stages point tile `tile` into buffer `buffer`: columns [first, k)
    // element by element (a thread per element of the layout's order).
    auto stageColumns = [&](Value tileStart, Value base, int64_t first) {
      const int64_t width = t.k - first;
      stageValues(
          kb, kTilePoints * width,
          [&](Value e) -> Value {
            Value row = kb.divu(e, kb.idx(width));
            Value dim = kb.add(kb.remu(e, kb.idx(width)), kb.idx(first));
            Value point = kb.add(tileStart, row);
            Value real = kb.andI1(
                kb.cmp(CmpIPredicate::ult, point, g.n),
                kb.cmp(CmpIPredicate::ult, dim, kb.idx(sources.columns.mma)));
            Value v = sources.pointColumn(
                kb, kb.minu(point, kb.sub(g.n, kb.idx(1))),
                kb.minu(dim, kb.idx(sources.columns.mma - 1)));
            return kb.select(real, v, kb.f32(0.0f));
          },
          [&](Value e, Value v) {
            Value row = kb.divu(e, kb.idx(width));
            Value dim = kb.add(kb.remu(e, kb.idx(width)), kb.idx(first));
            kb.store(v, xs, kb.add(base, coreOffset(row, dim)));
          },
          kOverlapInFlight);
    };
    // The key columns 8 at a time: a 16-byte load of 16-bit keys (a warp
    // reads 8 whole 64-byte rows), two 16-byte stores (a warp fills whole
    // core matrices).
    const int64_t vectors = info.subDim() / 8;
    auto stageKeyVectors = [&](Value tileStart, Value base) {
      auto keyVector = VectorType::get({8}, info.keyType);
      auto floats = VectorType::get({8}, f32);
      stageValues(
          kb, kTilePoints * vectors,
          [&](Value e) -> Value {
            Value point = kb.add(tileStart, kb.divu(e, kb.idx(vectors)));
            Value safe = kb.minu(point, kb.sub(g.n, kb.idx(1)));
            Value row = kb.add(
                kb.mul(kb.add(kb.mul(g.batch, kb.idx(info.kvHeads)), g.kvHead),
                       args.keyCapacity),
                kb.add(safe, kb.idx(info.initOffset)));
            Value at = kb.add(
                kb.mul(row, kb.idx(info.headDim)),
                kb.add(kb.mul(g.s, kb.idx(info.subDim())),
                       kb.mul(kb.remu(e, kb.idx(vectors)), kb.idx(8))));
            Value wide = arith::ExtFOp::create(
                b, floats, kb.loadVector(keyVector, args.key, at, 16));
            Value zeros = arith::ConstantOp::create(
                b, floats, DenseElementsAttr::get(floats, 0.0f));
            return kb.select(kb.cmp(CmpIPredicate::ult, point, g.n), wide,
                             zeros);
          },
          [&](Value e, Value v) {
            Value row = kb.divu(e, kb.idx(vectors));
            Value dim = kb.mul(kb.remu(e, kb.idx(vectors)), kb.idx(8));
            for (int64_t half = 0; half < 2; ++half) {
              SmallVector<Value> four;
              for (int64_t i = 0; i < 4; ++i) {
                four.push_back(vector::ExtractOp::create(
                    b, v, ArrayRef<int64_t>{4 * half + i}));
              }
              kb.storeVector(four, xs,
                             kb.add(base, coreOffset(row, kb.add(
                                                         dim,
                                                         kb.idx(4 * half)))),
                             16);
            }
          });
    };
    // 16-bit keys in rows of a multiple of 8 keys, from a 16-byte aligned
    // cache: vector loads (the cache's alignment is checked at run time).
    const bool vectorKeys = sources.columns.exactPoints && vectors > 0 &&
                            info.subDim() % 8 == 0 && info.headDim % 8 == 0;
    Value keysAligned = vectorKeys ? kb.isAligned(args.key, 16) : Value();
    auto stageTile = [&](Value tile, Value buffer) {
      Value tileStart = kb.mul(tile, kb.idx(kTilePoints));
      Value base = kb.mul(buffer, kb.idx(t.pointBytes / 4));
      if (!vectorKeys) {
        stageColumns(tileStart, base, 0);
        return;
      }
      kb.ifThenElse(
          keysAligned, TypeRange{},
          [&]() -> SmallVector<Value> {
            stageKeyVectors(tileStart, base);
            if (t.k > info.subDim()) {
              stageColumns(tileStart, base, info.subDim());
            }
            return {};
          },
          [&]() -> SmallVector<Value> {
            stageColumns(tileStart, base, 0);
            return {};
          });
    };
    Value lastTile = kb.add(firstTile, kb.idx(perCta));
    const bool overlapped = t.buffers == 2;
    if (overlapped) {
      stageTile(firstTile, kb.idx(0)); // `active`: it holds points
      publish();
    }
    kb.forLoopRolled(firstTile, lastTile, kb.idx(1), [&](Value tile) {
      Value tileStart = kb.mul(tile, kb.idx(kTilePoints));
      kb.ifThen(kb.cmp(CmpIPredicate::ult, tileStart, g.n), [&] {
        Value buffer = overlapped
                           ? kb.bitAnd(kb.sub(tile, firstTile), kb.idx(1))
                           : kb.idx(0);
        if (!overlapped) {
          kb.barrier(); // the previous tile's points have been multiplied
          stageTile(tile, buffer);
          publish();
        }
        Value groupPoints = offset(
            pointBase,
            kb.add(kb.mul(buffer, kb.idx(t.pointBytes)),
                   kb.mul(warpgroup, kb.idx((kGroupPoints / 8) * t.sbo()))));
        // Each thread's two rows (quad, quad + 8 of its warp's 16) carry
        // their best score and code across the products.
        // Each row's argmax runs in kArgmaxChains independent chains (column
        // tile i in chain i % kArgmaxChains), merged at the end: shorter
        // dependent compare-select chains.
        SmallVector<SmallVector<Value>> best(
            2, SmallVector<Value>(kArgmaxChains, kb.f32(-inf)));
        SmallVector<SmallVector<Value>> code(
            2, SmallVector<Value>(kArgmaxChains, kb.i32(0)));
        for (int64_t h = 0; h < t.halves; ++h) {
          // Accumulator 4 i + 2 r + j: row quad + 8 r, centroid
          // h n + 8 i + 2 inQuad + j.
          Value acc = LLVM::UndefOp::create(b, structType);
          auto pair = VectorType::get({2}, f32);
          for (int64_t i = 0; i < t.n / 8; ++i) {
            // Centroids c, c + 1 (c even: an 8-byte load).
            Value c = kb.add(kb.mul(inQuad, kb.idx(2)),
                             kb.idx(h * t.n + 8 * i));
            Value norm = kb.loadVector(pair, norms, c, 8);
            for (int64_t j = 0; j < 2; ++j) {
              Value start = kb.mulf(
                  vector::ExtractOp::create(b, norm, ArrayRef<int64_t>{j}),
                  kb.f32(-0.5f));
              for (int64_t r = 0; r < 2; ++r) {
                acc = LLVM::InsertValueOp::create(b, acc, start,
                                                  4 * i + 2 * r + j);
              }
            }
          }
          NVVM::WgmmaFenceAlignedOp::create(b);
          Value centroidGroup = kb.idx(h * (t.n / 8) * t.sbo());
          for (int64_t step = 0; step < t.k / 8; ++step) {
            Value a = descriptor(
                kb, offset(groupPoints, kb.idx(step * kStepBytes)), t.sbo());
            Value at = kb.add(centroidGroup, kb.idx(step * kStepBytes));
            // The small product first.
            for (Value base : {loBase, hiBase}) {
              Value bDesc = descriptor(kb, offset(base, at), t.sbo());
              acc = NVVM::WgmmaMmaAsyncOp::create(
                  b, structType, acc, a, bDesc,
                  NVVM::MMAShapeAttr::get(context, 64, t.n, 8),
                  NVVM::WGMMATypes::tf32, NVVM::WGMMATypes::tf32,
                  NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
                  NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
                  NVVM::MMALayout::row, NVVM::MMALayout::col,
                  /*satfinite=*/nullptr);
            }
          }
          NVVM::WgmmaGroupSyncAlignedOp::create(b);
          if (overlapped && h == 0) {
            // The next tile into the other buffer while the products run.
            Value next = kb.add(tile, kb.idx(1));
            Value more = kb.andI1(
                kb.cmp(CmpIPredicate::ult, next, lastTile),
                kb.cmp(CmpIPredicate::ult, kb.mul(next, kb.idx(kTilePoints)),
                       g.n));
            kb.ifThen(more, [&] {
              stageTile(next, kb.bitAnd(kb.add(buffer, kb.idx(1)),
                                        kb.idx(1)));
            });
          }
          NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
          for (int64_t i = 0; i < t.n / 8; ++i) {
            for (int64_t j = 0; j < 2; ++j) {
              Value c = kb.toI32(kb.add(kb.mul(inQuad, kb.idx(2)),
                                        kb.idx(h * t.n + 8 * i + j)));
              for (int64_t r = 0; r < 2; ++r) {
                Value score =
                    LLVM::ExtractValueOp::create(b, acc, 4 * i + 2 * r + j);
                // Strictly greater replaces (the lowest c keeps a tie); an
                // ordered comparison keeps NaN and padding's -inf out.
                Value &chainBest = best[r][i % kArgmaxChains];
                Value &chainCode = code[r][i % kArgmaxChains];
                Value nearer =
                    kb.cmpf(arith::CmpFPredicate::OGT, score, chainBest);
                chainBest = kb.select(nearer, score, chainBest);
                chainCode = kb.select(nearer, c, chainCode);
              }
            }
          }
        }
        for (int64_t r = 0; r < 2; ++r) {
          // Distances up to ||x||^2 (exact: a power of two), so `closer`
          // (nearer, then the lower c) merges the chains and the quad.
          Value distance = kb.mulf(best[r][0], kb.f32(-2.0f));
          Value nearest = code[r][0];
          for (int64_t chain = 1; chain < kArgmaxChains; ++chain) {
            std::tie(distance, nearest) =
                closer(kb, distance, nearest,
                       kb.mulf(best[r][chain], kb.f32(-2.0f)), code[r][chain]);
          }
          for (int32_t offsetLanes : {1, 2}) {
            std::tie(distance, nearest) = closer(
                kb, distance, nearest, kb.shuffleXor(distance, offsetLanes),
                kb.shuffleXor(nearest, offsetLanes));
          }
          Value point = kb.add(
              tileStart,
              kb.add(kb.mul(warpgroup, kb.idx(kGroupPoints)),
                     kb.add(kb.mul(warpInGroup, kb.idx(16)),
                            kb.add(quad, kb.idx(8 * r)))));
          Value lead = kb.cmp(CmpIPredicate::eq, inQuad, kb.idx(0));
          kb.ifThen(kb.andI1(lead, kb.cmp(CmpIPredicate::ult, point, g.n)),
                    [&] {
                      storeCode(kb, info, args, g, codes, point, nearest,
                                final);
                    });
        }
        if (overlapped) {
          // The next tile is visible to wgmma, and every warpgroup is done
          // with this one's buffer before it is staged again.
          publish();
        }
      });
    });
  });
  return func;
}
