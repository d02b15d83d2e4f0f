//===- ScoreEmitter.cpp - Lookup tables and scores (SEMANTICS step 3, 4) --===//
//
// T[r][s][c] = q_{r,s} . centroid[s][c] lives in shared memory; a key's score
// is then S table lookups. Sums run in the CPU reference's order without
// fusion, so scores match it bit for bit. Scores leave this phase as 32-bit
// keys whose unsigned order is the score order (NaN as -inf, -0 as +0).
//
//===----------------------------------------------------------------------===//

#include "Emitters.h"

#include <limits>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

SharedViews mlir::pq::createSharedViews(KernelBuilder &kb,
                                        const SharedMemoryPlan &plan,
                                        const StepInfo &info,
                                        int64_t keyCount) {
  ImplicitLocOpBuilder &b = kb.b;
  auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                          gpu::AddressSpace::Workgroup);
  auto bytes = MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                               MemRefLayoutAttrInterface{}, space);
  Value shared = gpu::DynamicSharedMemoryOp::create(b, bytes);
  const StepShape &shape = info.shape;
  SharedViews views;
  auto region = [&](int64_t offset, int64_t end, Type type) -> Value {
    int64_t elements = (end - offset) / 4;
    if (elements == 0) {
      return {};
    }
    return kb.sharedView(shared, offset, elements, type);
  };
  (void)shape;
  (void)keyCount;
  views.query = region(plan.query, plan.lut, b.getF32Type());
  views.lut = region(plan.lut, plan.keys, b.getF32Type());
  views.keys = region(plan.keys, plan.hist, b.getI32Type());
  views.hist = region(plan.hist, plan.scalars, b.getI32Type());
  views.scalars = region(plan.scalars, plan.scan, b.getI32Type());
  views.scan = region(plan.scan, plan.total, b.getI32Type());
  return views;
}

void mlir::pq::emitLookupTable(KernelBuilder &kb, const StepInfo &info,
                               const KernelArgs &args,
                               const SharedViews &views, Value batch,
                               Value kvHead) {
  const StepShape &shape = info.shape;
  const int64_t group = shape.group();
  const int64_t subDim = shape.subDim();
  const int64_t width = info.centroidDim();

  Value firstHead = kb.add(kb.mul(batch, kb.idx(shape.heads)),
                           kb.mul(kvHead, kb.idx(group)));
  Value queryBase = kb.mul(firstHead, kb.idx(shape.headDim));
  kb.forEachThread(kb.idx(group * shape.headDim), [&](Value i) {
    kb.store(kb.toF32(kb.load(args.query, kb.add(queryBase, i))), views.query,
             i);
  });
  kb.barrier();

  // A thread owns one (s, c) and accumulates the dot products of up to
  // kRowBlock query heads at once, so each centroid element is loaded once
  // per block of heads rather than once per head. Each sum still runs in
  // dimension order, as the reference's does.
  constexpr int64_t kRowBlock = 8;
  Value batchKv = kb.add(kb.mul(batch, kb.idx(shape.kvHeads)), kvHead);
  Value centroidBase =
      kb.mul(batchKv, kb.idx(shape.subspaces * shape.centroids * width));
  const int64_t perHead = shape.subspaces * shape.centroids;
  kb.forEachThread(kb.idx(perHead), [&](Value sc) { // s * C + c
    Value s = kb.divu(sc, kb.idx(shape.centroids));
    Value cBase = kb.add(centroidBase, kb.mul(sc, kb.idx(width)));
    for (int64_t r0 = 0; r0 < group; r0 += kRowBlock) {
      int64_t rows = std::min(kRowBlock, group - r0);
      SmallVector<Value> zeros(rows, kb.f32(0.0f));
      SmallVector<Value> dots = kb.forLoop(
          kb.idx(0), kb.idx(subDim), kb.idx(1), zeros,
          [&](Value t, ValueRange acc) -> SmallVector<Value> {
            Value c = kb.toF32(kb.load(args.centroids, kb.add(cBase, t)));
            Value qOffset = kb.add(kb.mul(s, kb.idx(subDim)), t);
            SmallVector<Value> next;
            for (int64_t i = 0; i < rows; ++i) {
              Value q = kb.load(
                  views.query,
                  kb.add(kb.idx((r0 + i) * shape.headDim), qOffset));
              next.push_back(kb.addf(acc[i], kb.mulf(q, c)));
            }
            return next;
          });
      for (int64_t i = 0; i < rows; ++i) {
        kb.store(dots[i], views.lut,
                 kb.add(kb.idx((r0 + i) * perHead), sc));
      }
    }
  });
  kb.barrier();
}

/// The unsigned-order key of a score: NaN -> -inf, -0 -> +0, then flip.
static Value orderKey(KernelBuilder &kb, Value score) {
  Value isNan = kb.cmpf(CmpFPredicate::UNO, score, score);
  score = kb.select(isNan, kb.f32(-std::numeric_limits<float>::infinity()),
                    score);
  Value isZero = kb.cmpf(CmpFPredicate::OEQ, score, kb.f32(0.0f));
  score = kb.select(isZero, kb.f32(0.0f), score);
  Value bits = arith::BitcastOp::create(kb.b, kb.b.getI32Type(), score);
  Value negative = kb.cmp(CmpIPredicate::slt, bits, kb.i32(0));
  Value flipped = kb.bitXor(bits, kb.i32(-1));
  Value marked = kb.bitOr(bits, kb.i32(INT32_MIN));
  return kb.select(negative, flipped, marked);
}

/// The key every masked position gets: that of -inf.
static int64_t maskedKey() { return ~int64_t(0xFF800000) & 0xFFFFFFFF; }

void mlir::pq::emitScoreKeys(
    KernelBuilder &kb, const StepInfo &info, const KernelArgs &args,
    const SharedViews &views, Value batch, Value kvHead, Value begin,
    Value end, Value windowStart,
    function_ref<void(Value r, Value j, Value key)> store) {
  const StepShape &shape = info.shape;
  const int64_t subspaces = shape.subspaces;
  const int64_t centroids = shape.centroids;
  Value batchKv = kb.add(kb.mul(batch, kb.idx(shape.kvHeads)), kvHead);

  kb.forLoop(kb.add(begin, kb.threadId()), end, kb.idx(kb.threads),
             [&](Value j) {
    // Codes of key j for this kv head, as LUT column offsets s * C + code.
    SmallVector<Value> columns;
    for (int64_t s = 0; s < subspaces; ++s) {
      Value index;
      if (info.layout == Layout::compact) {
        index = kb.add(kb.mul(kb.add(kb.mul(batchKv, args.codeCapacity), j),
                              kb.idx(subspaces)),
                       kb.idx(s));
      } else {
        Value rowIndex = kb.add(kb.mul(batch, args.codeCapacity), j);
        index = kb.add(
            kb.mul(kb.add(kb.mul(rowIndex, kb.idx(shape.kvHeads)), kvHead),
                   kb.idx(subspaces)),
            kb.idx(s));
      }
      Value raw = kb.load(args.codes, index);
      Value code = raw.getType().isInteger(8)
                       ? Value(arith::ExtUIOp::create(kb.b, kb.b.getI32Type(),
                                                      raw))
                       : kb.toI32(raw);
      // Validated codes are < C; the mask keeps a corrupt one in bounds.
      code = kb.bitAnd(code, kb.i32(centroids - 1));
      columns.push_back(kb.add(code, kb.i32(s * centroids)));
    }
    Value masked = kb.cmp(CmpIPredicate::uge, j, windowStart);
    kb.forLoop(kb.idx(0), kb.idx(shape.group()), kb.idx(1), [&](Value r) {
      Value rowBase = kb.toI32(kb.mul(r, kb.idx(subspaces * centroids)));
      Value score = kb.f32(0.0f);
      for (Value column : columns) {
        score = kb.addf(score,
                        kb.load(views.lut, kb.add(rowBase, column)));
      }
      Value key = kb.select(masked, kb.i32(maskedKey()), orderKey(kb, score));
      store(r, j, key);
    });
  });
}
