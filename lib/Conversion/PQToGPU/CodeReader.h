//===- CodeReader.h - How a scoring thread reads PQ codes -------*- C++ -*-===//
//
// Codes are the bytes the step streams from global memory, so they are read
// in coalesced 16-byte loads: a thread takes an "item" of consecutive keys
// whose codes fill whole aligned vectors (compact: lcm(S, 16) bytes, i.e.
// 16 / gcd(S, 16) keys; seed: one key's S int64 codes). Alignment depends on
// the caller's pointers and the codebook capacity, so it is checked at run
// time and the byte-wise reader is the fallback.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_CODEREADER_H
#define LIB_CONVERSION_PQTOGPU_CODEREADER_H

#include "KernelABI.h"
#include "KernelBuilder.h"

namespace mlir::pq {

/// Element index of code (j, s = 0) of kv head g in the flat codes buffer,
/// in either layout.
Value firstCodeIndex(KernelBuilder &kb, const StepInfo &info,
                     const KernelArgs &args, Value batch, Value kvHead,
                     Value j);
/// The same from the layout's sizes (the index build's codebook).
Value firstCodeIndex(KernelBuilder &kb, Layout layout, int64_t kvHeads,
                     int64_t subspaces, Value codeCapacity, Value batch,
                     Value kvHead, Value j);

/// An item: `keys` consecutive keys whose codes are `loads` loads of
/// `width` bytes each.
struct CodeItemShape {
  int64_t keys = 1;
  int64_t width = 16;
  int64_t loads = 1;
};
CodeItemShape codeItemShape(const StepInfo &info);

class CodeReader {
public:
  CodeReader(KernelBuilder &kb, const StepInfo &info, const KernelArgs &args,
             Value batch, Value kvHead);

  /// i1: items can be loaded for keys from `begin` on: the codes are aligned
  /// to the load width, the capacity is a whole number of items, and
  /// `begin` starts an item.
  Value canReadItems(Value begin);

  /// LUT columns s * C + code of key j, one byte (or int64) load per code.
  SmallVector<Value> readKey(Value j);

  /// LUT columns of the item's keys j0 .. j0 + keys - 1 ([key][s]), from
  /// `loads` vector loads. j0 must start an item; see canReadItems.
  SmallVector<SmallVector<Value>> readItem(Value j0);

  const CodeItemShape item;

private:
  /// LUT column of subspace s for a raw code (an i32 holding its low bits).
  Value column(Value raw, int64_t s);

  KernelBuilder &kb;
  const StepInfo &info;
  const KernelArgs &args;
  Value batch, kvHead;
};

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_CODEREADER_H
