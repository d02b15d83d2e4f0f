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

#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
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

/// Keys of a run: one 16-byte store of each row's keys.
constexpr int64_t kRunKeys = 4;
/// Registers the vector path may hold for a run (each row's run keys and a
/// key's table entries): past it, as for groups of 7 or more rows, the rows
/// go one at a time with 32-bit table loads (no spills on sm_80/sm_90).
constexpr int64_t kVectorRunRegisters = 32;
/// Most rows of the group written out for the key-by-key path.
constexpr int64_t kUnrolledRows = 64;

Value mlir::pq::lutIndex(KernelBuilder &kb, const StepShape &shape,
                         Value column, Value row) {
  return kb.add(kb.mul(kb.toIndex(column), kb.idx(shape.rows())),
                kb.toIndex(row));
}

void mlir::pq::emitScoreKeys(KernelBuilder &kb, const StepInfo &info,
                             const KernelArgs &args, const SharedViews &views,
                             Value batch, Value kvHead, Value begin, Value end,
                             Value indexed, const KeyDestination &dest,
                             const ScoreHook &hook) {
  const StepShape &shape = info.shape;
  Value windowStart = kb.maxs(kb.sub(indexed, kb.idx(info.window)), kb.idx(0));
  const int64_t rows = shape.rows();
  CodeReader reader(kb, info, args, batch, kvHead);
  const bool vectorRows =
      rows * kRunKeys + shape.subspaces * rows <= kVectorRunRegisters;
  // A code's rows start 8- or 16-byte aligned when there are 2 or 4k.
  const int64_t width = rows % 4 == 0 ? 4 : rows == 2 ? 2 : 1;

  auto rowValuesOf = [&](Value r) -> SmallVector<Value> {
    return hook && hook.row ? hook.row(r) : SmallVector<Value>();
  };
  // T[s][c][r] for every row r of the group: loads of up to 16 bytes.
  auto rowEntries = [&](Value column) -> SmallVector<Value> {
    Value at = lutIndex(kb, shape, column, kb.idx(0));
    SmallVector<Value> entries;
    if (width == 1) {
      for (int64_t r = 0; r < rows; ++r) {
        entries.push_back(kb.load(views.lut, kb.add(at, kb.idx(r))));
      }
      return entries;
    }
    auto type = VectorType::get({width}, kb.b.getF32Type());
    for (int64_t v = 0; v < rows; v += width) {
      Value loaded =
          kb.loadVector(type, views.lut, kb.add(at, kb.idx(v)), 4 * width);
      for (int64_t e = 0; e < width; ++e) {
        entries.push_back(vector::ExtractOp::create(kb.b, loaded, e));
      }
    }
    return entries;
  };
  // The key of a score; `masked` and `stored` are null on the fast path
  // (neither masked nor past the end).
  auto finishKey = [&](Value r, ValueRange rowValues, Value score,
                       Value masked, Value stored) {
    Value key = orderKey(kb, score);
    if (masked) {
      key = kb.select(masked, kb.i32(maskedKey()), key);
    }
    if (hook) {
      hook.key(r, rowValues, score, key, stored ? stored : kb.boolean(true));
    }
    return key;
  };
  // The score sums the table entries in the reference's order; it starts
  // from the first entry rather than 0 + it, which differs only in the
  // sign of a zero, and orderKey maps both zeros to one key.
  auto sumEntries = [&](ArrayRef<Value> entries) {
    Value score;
    for (Value entry : entries) {
      score = score ? kb.addf(score, entry) : entry;
    }
    return score;
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
      auto maskedAt = [&](bool isPlain, int64_t k) {
        return isPlain ? Value()
                       : kb.cmp(CmpIPredicate::uge, kb.add(j0, kb.idx(k)),
                                windowStart);
      };
      auto storedAt = [&](bool isPlain, int64_t k) {
        return isPlain ? Value()
                       : kb.cmp(CmpIPredicate::ult, kb.add(j0, kb.idx(k)), end);
      };
      // Row r's keys k0 .. k0 + run.size() - 1 of the item; a plain item
      // skips the per-key window and end tests.
      auto storeRow = [&](bool isPlain, Value r, int64_t k0,
                          ArrayRef<Value> run) {
        Value at = destIndex(r, kb.add(j0, kb.idx(k0)));
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
              for (size_t k = 0; k < run.size(); ++k) {
                Value j = kb.add(j0, kb.idx(k0 + int64_t(k)));
                kb.ifThen(kb.cmp(CmpIPredicate::ult, j, end), [&] {
                  kb.store(run[k], dest.memref, kb.add(at, kb.idx(k)));
                });
              }
              return {};
            });
      };
      auto scoreItem = [&](bool isPlain) -> SmallVector<Value> {
        if (vectorRows) {
          // Every row of a subspace from one vector load, a 16-byte run of
          // keys at a time (what a run store takes; fewer live registers
          // than the item's keys for every row).
          SmallVector<SmallVector<Value>> rowValues;
          for (int64_t r = 0; r < rows; ++r) {
            rowValues.push_back(rowValuesOf(kb.idx(r)));
          }
          for (int64_t k0 = 0; k0 < keys; k0 += kRunKeys) {
            SmallVector<SmallVector<Value>> runs(rows);
            for (int64_t k = k0; k < std::min(keys, k0 + kRunKeys); ++k) {
              SmallVector<SmallVector<Value>> entries; // [s][r]
              for (Value column : columns[k]) {
                entries.push_back(rowEntries(column));
              }
              Value masked = maskedAt(isPlain, k);
              Value stored = storedAt(isPlain, k);
              for (int64_t r = 0; r < rows; ++r) {
                SmallVector<Value> terms;
                for (const SmallVector<Value> &subspace : entries) {
                  terms.push_back(subspace[r]);
                }
                runs[r].push_back(finishKey(kb.idx(r), rowValues[r],
                                            sumEntries(terms), masked,
                                            stored));
              }
            }
            for (int64_t r = 0; r < rows; ++r) {
              storeRow(isPlain, kb.idx(r), k0, runs[r]);
            }
          }
          return {};
        }
        kb.forLoop(kb.idx(0), kb.idx(rows), kb.idx(1), [&](Value r) {
          SmallVector<Value> rowValues = rowValuesOf(r);
          SmallVector<Value> run;
          for (int64_t k = 0; k < keys; ++k) {
            SmallVector<Value> terms;
            for (Value column : columns[k]) {
              terms.push_back(
                  kb.load(views.lut, lutIndex(kb, shape, column, r)));
            }
            run.push_back(finishKey(r, rowValues, sumEntries(terms),
                                    maskedAt(isPlain, k),
                                    storedAt(isPlain, k)));
          }
          storeRow(isPlain, r, 0, run);
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
      Value masked = kb.cmp(CmpIPredicate::uge, j, windowStart);
      auto storeKey = [&](Value r, ArrayRef<Value> terms) {
        kb.store(finishKey(r, rowValuesOf(r), sumEntries(terms), masked,
                           kb.boolean(true)),
                 dest.memref, destIndex(r, j));
      };
      if (rows > kUnrolledRows) {
        kb.forLoop(kb.idx(0), kb.idx(rows), kb.idx(1), [&](Value r) {
          SmallVector<Value> terms;
          for (Value column : columns) {
            terms.push_back(kb.load(views.lut, lutIndex(kb, shape, column, r)));
          }
          storeKey(r, terms);
        });
        return;
      }
      SmallVector<SmallVector<Value>> entries; // [s][r]
      for (Value column : columns) {
        entries.push_back(rowEntries(column));
      }
      for (int64_t r = 0; r < rows; ++r) {
        SmallVector<Value> terms;
        for (const SmallVector<Value> &subspace : entries) {
          terms.push_back(subspace[r]);
        }
        storeKey(kb.idx(r), terms);
      }
    });
    return {};
  };

  Value vectorized = reader.canReadItems(begin);
  if (dest.inGlobalMemory) {
    vectorized = kb.andI1(vectorized, kb.isAligned(dest.memref, 16));
  }
  kb.ifThenElse(vectorized, TypeRange{}, byItems, byKeys);
}
