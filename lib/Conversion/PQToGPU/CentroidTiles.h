//===- CentroidTiles.h - Centroid rows staged in shared memory --*- C++ -*-===//
//
// The table build and the quantize distances both read whole centroid rows
// with a thread per (s, c). Read from global memory, a warp's load touches a
// line per lane; so the rows are first copied into shared memory in
// coalesced loads, `centroidPitch` (odd) floats apart, and read from there.
// The pieces of quantization the centroid pass and the quantize rounds
// share live here too.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_CENTROIDTILES_H
#define LIB_CONVERSION_PQTOGPU_CENTROIDTILES_H

#include "Emitters.h"

namespace mlir::pq {

/// For centroid rows [first, last) (row = s * C + c) of (batch, kv head)
/// `batchKv`, tile by tile: copies the tile into views.centroidTile, then
/// calls body(row, valid, slot) on a thread per tile slot, the row's
/// elements at centroidTile[slot * centroidPitch + t]. Slots run in whole
/// warps (valid is false past `last`; row is then a safe 0). A barrier
/// follows each copy and each tile's work. `first` must be a multiple of 32
/// (argmin segments never straddle a tile).
void forCentroidTiles(
    KernelBuilder &kb, const StepInfo &info, const KernelArgs &args,
    const SharedViews &views, Value batchKv, Value first, Value last,
    function_ref<void(Value row, Value valid, Value slot)> body);

/// Folds elements [0, count) of tile slot `slot`'s row (rows
/// centroidPitch(shape) apart), in order, into `inits`: up to `maxLoads`
/// elements are loaded before the first of them is used (loads in flight),
/// then fold(t, y, acc) takes element t (an index), its value y, and
/// returns the new accumulators. The table and the quantize distances both
/// read rows this way.
SmallVector<Value> foldTileRow(
    KernelBuilder &kb, const SharedViews &views, const StepShape &shape,
    Value slot, int64_t count, int64_t maxLoads, ValueRange inits,
    function_ref<SmallVector<Value>(Value t, Value y, ValueRange acc)> fold);

/// Where partial argmins go: this CTA's quantize region, or (`peer` set)
/// the region of the cluster CTA that combines them.
struct PartialsSink {
  Value local;
  Value peer;
  void store(KernelBuilder &kb, Value value, Value index) const;
};

/// Stages new keys [first + round, first + round + keys) (positions past
/// `count` read as zeros) as f32 into the quantize region and, for ip, their
/// augmented coordinates. No barrier before; the caller's barrier after
/// makes them visible (ip has one inside).
void stageFreshKeys(KernelBuilder &kb, const StepInfo &info,
                    const KernelArgs &args, const SharedViews &views,
                    Value batchKv, Value first, Value round, Value count,
                    int64_t keys);

/// On a tile slot: the distances of centroid row `row` to the `keys` staged
/// keys, their argmin over the warp's segment of centroids, and the
/// segment leader's (distance, code) partial into `sink`. Whole warps only.
void emitRowArgmins(KernelBuilder &kb, const StepInfo &info,
                    const SharedViews &views, Value row, Value valid,
                    Value slot, int64_t keys, const PartialsSink &sink);

/// A thread per (key, s) of the round with first + round + k < first +
/// count: the partials in centroid order, then the code into the codebook.
void emitCombineCodes(KernelBuilder &kb, const StepInfo &info,
                      const KernelArgs &args, const SharedViews &views,
                      Value batch, Value kvHead, Value first, Value round,
                      Value count, int64_t keys);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_CENTROIDTILES_H
