//===- ScoreEmitter.cpp - Scores (SEMANTICS step 3, 4) --------------------===//
//
// T[r][s][c] = q_{r,s} . centroid[s][c] lives in shared memory
// (CentroidPass.cpp); a key's score is then S table lookups. Sums run in the CPU reference's order without
// fusion, so scores match it bit for bit. Scores leave this phase as 32-bit
// keys whose unsigned order is the score order (NaN as -inf, -0 as +0).
//
//===----------------------------------------------------------------------===//

#include "CodeReader.h"
#include "Emitters.h"

#include <limits>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpFPredicate;
using arith::CmpIPredicate;

SharedViews mlir::pq::createSharedViews(KernelBuilder &kb,
                                        const SharedMemoryPlan &plan) {
  ImplicitLocOpBuilder &b = kb.b;
  Value shared = kb.dynamicShared();
  SharedViews views;
  auto region = [&](int64_t offset, int64_t end, Type type) -> Value {
    int64_t elements = (end - offset) / 4;
    if (elements == 0) {
      return {};
    }
    return kb.sharedView(shared, offset, elements, type);
  };
  views.query = region(plan.query, plan.lut, b.getF32Type());
  views.lut = region(plan.lut, plan.keys, b.getF32Type());
  views.keys = region(plan.keys, plan.hist, b.getI32Type());
  views.hist = region(plan.hist, plan.scalars, b.getI32Type());
  views.scalars = region(plan.scalars, plan.scan, b.getI32Type());
  views.scan = region(plan.scan, plan.quantize, b.getI32Type());
  views.quantize = region(plan.quantize, plan.bins, b.getF32Type());
  views.quantizeBits = region(plan.quantize, plan.bins, b.getI32Type());
  views.bins = region(plan.bins, plan.slice, b.getI32Type());
  views.slice = region(plan.slice, plan.exchange, b.getI32Type());
  views.exchange = region(plan.exchange, plan.rows, b.getI32Type());
  views.rows = region(plan.rows, plan.warpTotals, b.getI32Type());
  views.warpTotals = region(plan.warpTotals, plan.total, b.getI32Type());
  if (plan.centroidTileRows > 0) {
    views.centroidTile = region(plan.keys, plan.hist, b.getF32Type());
    views.centroidTileRows = plan.centroidTileRows;
  }
  return views;
}

/// The unsigned-order key of a score: NaN -> -inf (maxNum drops it), -0 ->
/// +0 (adding +0 rounds it away), then the sign flip: set the top bit of a
/// non-negative score, invert a negative one. Four instructions.
static Value orderKey(KernelBuilder &kb, Value score) {
  score = kb.maxnumf(score, kb.f32(-std::numeric_limits<float>::infinity()));
  score = kb.addf(score, kb.f32(0.0f));
  Value bits = arith::BitcastOp::create(kb.b, kb.b.getI32Type(), score);
  Value sign = arith::ShRSIOp::create(kb.b, bits, kb.i32(31));
  return kb.bitXor(bits, kb.bitOr(sign, kb.i32(INT32_MIN)));
}

int64_t mlir::pq::maskedKey() { return ~int64_t(0xFF800000) & 0xFFFFFFFF; }

Value mlir::pq::scoreOfKey(KernelBuilder &kb, Value key) {
  // Keys of non-negative scores have the top bit set (bits | 2^31); those of
  // negative scores are the flipped bits.
  Value positive = kb.cmp(CmpIPredicate::slt, key, kb.i32(0));
  Value bits = kb.select(positive, kb.bitXor(key, kb.i32(INT32_MIN)),
                         kb.bitXor(key, kb.i32(-1)));
  return arith::BitcastOp::create(kb.b, kb.b.getF32Type(), bits);
}

/// Stores the keys of key positions j0 .. j0 + keys.size() - 1 of row r,
/// all of which are below `end`: as 16- or 8-byte stores where the run allows
/// (rows are keyRowStride apart, a multiple of 4, and j0 starts an item).
static void storeRun(KernelBuilder &kb, const KeyDestination &dest,
                     Value at, ArrayRef<Value> keys) {
  size_t k = 0;
  for (int64_t width : {4, 2, 1}) {
    for (; k + width <= keys.size(); k += width) {
      Value index = kb.add(at, kb.idx(k));
      if (width == 1) {
        kb.store(keys[k], dest.memref, index);
      } else {
        kb.storeVector(keys.slice(k, width), dest.memref, index, 4 * width);
      }
    }
  }
}

/// Most keys of an item times rows of the group whose loop is unrolled:
/// the table offsets of unrolled rows become immediates of the loads.
constexpr int64_t kUnrolledRowKeys = 64;

void mlir::pq::emitScoreKeys(KernelBuilder &kb, const StepInfo &info,
                             const KernelArgs &args, const SharedViews &views,
                             Value batch, Value kvHead, Value begin, Value end,
                             Value indexed, const KeyDestination &dest,
                             const ScoreHook &hook) {
  const StepShape &shape = info.shape;
  Value windowStart = kb.maxs(kb.sub(indexed, kb.idx(info.window)), kb.idx(0));
  const int64_t perHead = shape.subspaces * shape.centroids;
  const int64_t rows = shape.rows();
  CodeReader reader(kb, info, args, batch, kvHead);

  // body(r, rowBase, rowValues) for each row of the group.
  auto forRows = [&](int64_t keys,
                     function_ref<void(Value, Value, ValueRange)> body) {
    auto one = [&](Value r, Value rowBase) {
      SmallVector<Value> rowValues;
      if (hook && hook.row) {
        rowValues = hook.row(r);
      }
      body(r, rowBase, rowValues);
    };
    if (rows * keys <= kUnrolledRowKeys) {
      for (int64_t r = 0; r < rows; ++r) {
        one(kb.idx(r), kb.idx(r * perHead));
      }
    } else {
      kb.forLoop(kb.idx(0), kb.idx(rows), kb.idx(1), [&](Value r) {
        one(r, kb.mul(r, kb.idx(perHead)));
      });
    }
  };
  // The score sums the table entries in the reference's order; it starts
  // from the first entry rather than 0 + it, which differs only in the
  // sign of a zero, and orderKey maps both zeros to one key. `masked` and
  // `stored` are null on the fast path (neither masked nor past the end).
  auto keyOf = [&](Value r, Value rowBase, ValueRange rowValues,
                   ArrayRef<Value> columns, Value masked, Value stored) {
    Value score;
    for (Value column : columns) {
      Value entry =
          kb.load(views.lut, kb.add(kb.toIndex(column), rowBase));
      score = score ? kb.addf(score, entry) : entry;
    }
    Value key = orderKey(kb, score);
    if (masked) {
      key = kb.select(masked, kb.i32(maskedKey()), key);
    }
    if (hook) {
      hook.key(r, rowValues, score, key, stored ? stored : kb.boolean(true));
    }
    return key;
  };
  auto destIndex = [&](Value r, Value j) {
    return kb.add(kb.add(dest.base, kb.mul(r, kb.idx(dest.rowStride))), j);
  };

  // Items of consecutive keys from 16-byte code loads, or key by key.
  auto byItems = [&]() -> SmallVector<Value> {
    const int64_t keys = reader.item.keys;
    Value firstItem = kb.divu(begin, kb.idx(keys));
    Value items = kb.divu(kb.add(end, kb.idx(keys - 1)), kb.idx(keys));
    kb.forLoop(kb.add(firstItem, kb.threadId()), items, kb.idx(kb.threads),
               [&](Value item) {
      Value j0 = kb.mul(item, kb.idx(keys));
      SmallVector<SmallVector<Value>> columns = reader.readItem(j0);
      Value past = kb.add(j0, kb.idx(keys));
      Value whole = kb.cmp(CmpIPredicate::ule, past, end);
      // Almost every item: all its keys stored, none in the window.
      Value plain = kb.andI1(whole, kb.cmp(CmpIPredicate::ule, past,
                                           windowStart));
      // The item's keys for every row; a plain item skips the per-key
      // window and end tests.
      auto scoreItem = [&](bool isPlain) -> SmallVector<Value> {
        forRows(keys, [&](Value r, Value rowBase, ValueRange rowValues) {
          SmallVector<Value> run;
          for (int64_t k = 0; k < keys; ++k) {
            Value j = isPlain ? Value() : kb.add(j0, kb.idx(k));
            run.push_back(keyOf(
                r, rowBase, rowValues, columns[k],
                isPlain ? Value() : kb.cmp(CmpIPredicate::uge, j, windowStart),
                isPlain ? Value() : kb.cmp(CmpIPredicate::ult, j, end)));
          }
          Value at = destIndex(r, j0);
          if (isPlain) {
            storeRun(kb, dest, at, run);
            return;
          }
          kb.ifThenElse(
              whole, TypeRange{},
              [&]() -> SmallVector<Value> {
                storeRun(kb, dest, at, run);
                return {};
              },
              [&]() -> SmallVector<Value> {
                // The last, partial item of the range.
                for (int64_t k = 0; k < keys; ++k) {
                  Value j = kb.add(j0, kb.idx(k));
                  kb.ifThen(kb.cmp(CmpIPredicate::ult, j, end), [&] {
                    kb.store(run[k], dest.memref, kb.add(at, kb.idx(k)));
                  });
                }
                return {};
              });
        });
        return {};
      };
      kb.ifThenElse(
          plain, TypeRange{}, [&] { return scoreItem(true); },
          [&] { return scoreItem(false); });
    });
    return {};
  };
  auto byKeys = [&]() -> SmallVector<Value> {
    kb.forLoop(kb.add(begin, kb.threadId()), end, kb.idx(kb.threads),
               [&](Value j) {
      SmallVector<Value> columns = reader.readKey(j);
      forRows(1, [&](Value r, Value rowBase, ValueRange rowValues) {
        kb.store(keyOf(r, rowBase, rowValues, columns,
                       kb.cmp(CmpIPredicate::uge, j, windowStart),
                       kb.boolean(true)),
                 dest.memref, destIndex(r, j));
      });
    });
    return {};
  };

  Value vectorized = reader.canReadItems(begin);
  if (dest.inGlobalMemory) {
    vectorized = kb.andI1(vectorized, kb.isAligned(dest.memref, 16));
  }
  kb.ifThenElse(vectorized, TypeRange{}, byItems, byKeys);
}
