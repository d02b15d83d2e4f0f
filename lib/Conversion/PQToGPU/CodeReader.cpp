//===- CodeReader.cpp - How a scoring thread reads PQ codes ---------------===//

#include "CodeReader.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <numeric>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

/// Widest access NVPTX turns into a single instruction.
constexpr int64_t kVectorBytes = 16;
/// Most keys a thread scores per item: each holds S columns and a key per
/// query head of the group in registers.
constexpr int64_t kMaxItemKeys = 8;

CodeItemShape mlir::pq::codeItemShape(const StepInfo &info) {
  const int64_t subspaces = info.shape.subspaces;
  if (info.layout == Layout::compact) {
    // One byte per code and keys back to back: an item of `width`-byte
    // loads is lcm(S, width) bytes. The widest load whose item stays within
    // kMaxItemKeys keys (16 bytes unless S is odd or 1).
    for (int64_t width = kVectorBytes;; width /= 2) {
      int64_t keys = width / std::gcd(subspaces, width);
      if (keys <= kMaxItemKeys || width == 1) {
        return {keys, width, keys * subspaces / width};
      }
    }
  }
  // seed: a key's S int64 codes are contiguous, keys are h_kv * S apart.
  int64_t bytes = 8 * subspaces;
  int64_t width = bytes % kVectorBytes == 0 ? kVectorBytes : 8;
  return {1, width, bytes / width};
}

CodeReader::CodeReader(KernelBuilder &kb, const StepInfo &info,
                       const KernelArgs &args, Value batch, Value kvHead)
    : item(codeItemShape(info)), kb(kb), info(info), args(args), batch(batch),
      kvHead(kvHead) {}

Value mlir::pq::firstCodeIndex(KernelBuilder &kb, const StepInfo &info,
                               const KernelArgs &args, Value batch,
                               Value kvHead, Value j) {
  return firstCodeIndex(kb, info.layout, info.shape.kvHeads,
                        info.shape.subspaces, args.codeCapacity, batch,
                        kvHead, j);
}

Value mlir::pq::firstCodeIndex(KernelBuilder &kb, Layout layout,
                               int64_t kvHeads, int64_t subspaces,
                               Value codeCapacity, Value batch, Value kvHead,
                               Value j) {
  if (layout == Layout::compact) {
    Value batchKv = kb.add(kb.mul(batch, kb.idx(kvHeads)), kvHead);
    return kb.mul(kb.add(kb.mul(batchKv, codeCapacity), j),
                  kb.idx(subspaces));
  }
  Value rowIndex = kb.add(kb.mul(batch, codeCapacity), j);
  return kb.mul(kb.add(kb.mul(rowIndex, kb.idx(kvHeads)), kvHead),
                kb.idx(subspaces));
}

Value CodeReader::column(Value raw, int64_t s) {
  // Validated codes are < C; the mask keeps a corrupt one in bounds.
  const int64_t centroids = info.shape.centroids;
  return kb.add(kb.bitAnd(raw, kb.i32(centroids - 1)),
                kb.i32(s * centroids));
}

Value CodeReader::canReadItems(Value begin) {
  Value ok = kb.isAligned(args.codes, item.width);
  if (info.layout == Layout::compact) {
    // Each kv head's codes then start on an item boundary, and an item
    // never runs past the end of its kv head's capacity.
    Value whole = kb.cmp(CmpIPredicate::eq,
                         kb.remu(args.codeCapacity, kb.idx(item.keys)),
                         kb.idx(0));
    Value starts = kb.cmp(CmpIPredicate::eq,
                          kb.remu(begin, kb.idx(item.keys)), kb.idx(0));
    ok = kb.andI1(ok, kb.andI1(whole, starts));
  }
  return ok;
}

SmallVector<Value> CodeReader::readKey(Value j) {
  Value first = firstCodeIndex(kb, info, args, batch, kvHead, j);
  SmallVector<Value> columns;
  for (int64_t s = 0; s < info.shape.subspaces; ++s) {
    Value raw = kb.load(args.codes, kb.add(first, kb.idx(s)));
    Value code = raw.getType().isInteger(8)
                     ? Value(arith::ExtUIOp::create(kb.b, kb.b.getI32Type(),
                                                    raw))
                     : kb.toI32(raw);
    columns.push_back(column(code, s));
  }
  return columns;
}

SmallVector<SmallVector<Value>> CodeReader::readItem(Value j0) {
  ImplicitLocOpBuilder &b = kb.b;
  const int64_t subspaces = info.shape.subspaces;
  const int64_t codeBytes = info.layout == Layout::compact ? 1 : 8;
  const int64_t codesPerLoad = item.width / codeBytes;
  auto loadType = VectorType::get({codesPerLoad}, info.codeType);
  auto wordsType = VectorType::get({item.width / 4}, b.getI32Type());

  // The item's bytes as little-endian 32-bit words.
  Value first = firstCodeIndex(kb, info, args, batch, kvHead, j0);
  SmallVector<Value> words;
  for (int64_t l = 0; l < item.loads; ++l) {
    Value loaded = kb.loadVector(
        loadType, args.codes, kb.add(first, kb.idx(l * codesPerLoad)),
        item.width);
    Value asWords = vector::BitCastOp::create(b, wordsType, loaded);
    for (int64_t w = 0; w < item.width / 4; ++w) {
      words.push_back(vector::ExtractOp::create(b, asWords, w));
    }
  }

  SmallVector<SmallVector<Value>> columns(item.keys);
  for (int64_t k = 0; k < item.keys; ++k) {
    for (int64_t s = 0; s < subspaces; ++s) {
      // An int64 code's low word holds its value; a byte code sits at its
      // byte offset within its word.
      int64_t byte = (k * subspaces + s) * codeBytes;
      Value word = words[byte / 4];
      int64_t shift = 8 * (byte % 4);
      Value raw = shift ? kb.shru(word, kb.i32(shift)) : word;
      columns[k].push_back(column(raw, s));
    }
  }
  return columns;
}
