//===- CentroidPass.cpp - Lookup tables and the first quantize round ------===//
//
// One pass over the centroid rows, staged tile by tile in shared memory,
// builds T[r][s][c] = q_{r,s} . centroid[s][c] for the group's query heads
// and, when the step has new keys, measures each row against the first
// kQuantizeKeys of them: a decode step's new key costs a few instructions
// per row of a pass the table needs anyway. A cluster shares the pass out:
// each CTA takes a slice of the rows, stores its table entries into every
// CTA's table and its partial argmins into rank 0's quantize region.
//
//===----------------------------------------------------------------------===//

#include "CentroidTiles.h"

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

void mlir::pq::forCentroidTiles(
    KernelBuilder &kb, const StepInfo &info, const KernelArgs &args,
    const SharedViews &views, Value batchKv, Value first, Value last,
    function_ref<void(Value row, Value valid, Value slot)> body) {
  // Loads in flight per thread while copying a tile.
  constexpr int64_t kCopyLoads = 16;
  const StepShape &shape = info.shape;
  const int64_t width = info.centroidDim();
  const int64_t pitch = centroidPitch(shape);
  const int64_t tileRows = views.centroidTileRows;
  const int64_t stride = kb.threads * kCopyLoads;
  Value base =
      kb.mul(batchKv, kb.idx(shape.subspaces * shape.centroids * width));
  kb.forLoop(first, last, kb.idx(tileRows), [&](Value tile) {
    // Consecutive threads copy consecutive elements: whole lines per warp.
    Value rows = kb.minu(kb.sub(last, tile), kb.idx(tileRows));
    Value elements = kb.mul(rows, kb.idx(width));
    Value from = kb.add(base, kb.mul(tile, kb.idx(width)));
    Value lastElement = kb.sub(elements, kb.idx(1));
    kb.forLoop(kb.threadId(), elements, kb.idx(stride), [&](Value i0) {
      SmallVector<Value> offsets, values;
      for (int64_t u = 0; u < kCopyLoads; ++u) {
        offsets.push_back(kb.add(i0, kb.idx(u * kb.threads)));
        values.push_back(kb.toF32(kb.load(
            args.centroids, kb.add(from, kb.minu(offsets[u], lastElement)))));
      }
      for (int64_t u = 0; u < kCopyLoads; ++u) {
        kb.ifThen(kb.cmp(CmpIPredicate::ult, offsets[u], elements), [&] {
          Value r = kb.divu(offsets[u], kb.idx(width));
          Value t = kb.remu(offsets[u], kb.idx(width));
          kb.store(values[u], views.centroidTile,
                   kb.add(kb.mul(r, kb.idx(pitch)), t));
        });
      }
    });
    kb.barrier();
    kb.forLoop(kb.threadId(), kb.idx(tileRows), kb.idx(kb.threads),
               [&](Value slot) {
      Value row = kb.add(tile, slot);
      Value valid = kb.cmp(CmpIPredicate::ult, row, last);
      body(kb.select(valid, row, kb.idx(0)), valid, slot);
    });
    kb.barrier();
  });
}

SmallVector<Value> mlir::pq::foldTileRow(
    KernelBuilder &kb, const SharedViews &views, const StepShape &shape,
    Value slot, int64_t count, int64_t maxLoads, ValueRange inits,
    function_ref<SmallVector<Value>(Value t, Value y, ValueRange acc)> fold) {
  Value tileBase = kb.mul(slot, kb.idx(centroidPitch(shape)));
  return kb.forChunks(
      count, maxLoads, inits,
      [&](Value t0, int64_t width, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> ts, ys;
        for (int64_t u = 0; u < width; ++u) {
          ts.push_back(kb.add(t0, kb.idx(u)));
          ys.push_back(kb.load(views.centroidTile, kb.add(tileBase, ts[u])));
        }
        SmallVector<Value> next(acc.begin(), acc.end());
        for (int64_t u = 0; u < width; ++u) {
          next = fold(ts[u], ys[u], next);
        }
        return next;
      });
}

/// The dot products of centroid row `row` (in tile slot `slot`) with the
/// query heads [r0, r0 + rows) of the group, stored into the table (and
/// every peer's).
static void emitTableEntries(KernelBuilder &kb, const StepInfo &info,
                             const SharedViews &views, Value row, Value slot,
                             Value r0, int64_t rows,
                             const LutSharing *sharing) {
  constexpr int64_t kCentroidLoads = 32;
  const StepShape &shape = info.shape;
  const int64_t subDim = shape.subDim();
  const int64_t perHead = shape.subspaces * shape.centroids;
  Value s = kb.divu(row, kb.idx(shape.centroids));
  Value qBase =
      kb.add(kb.mul(r0, kb.idx(shape.headDim)), kb.mul(s, kb.idx(subDim)));
  SmallVector<Value> zeros(rows, kb.f32(0.0f));
  SmallVector<Value> dots = foldTileRow(
      kb, views, shape, slot, subDim, kCentroidLoads, zeros,
      [&](Value t, Value y, ValueRange acc) -> SmallVector<Value> {
        SmallVector<Value> next(acc.begin(), acc.end());
        for (int64_t i = 0; i < rows; ++i) {
          Value q = kb.load(views.query, kb.add(kb.add(qBase, t),
                                                kb.idx(i * shape.headDim)));
          next[i] = kb.addf(next[i], kb.mulf(q, y));
        }
        return next;
      });
  Value out = kb.add(kb.mul(r0, kb.idx(perHead)), row);
  for (int64_t i = 0; i < rows; ++i) {
    Value at = kb.add(out, kb.idx(i * perHead));
    if (!sharing) {
      kb.store(dots[i], views.lut, at);
      continue;
    }
    for (Value peer : sharing->peers) {
      kb.storePeer(dots[i], peer, at);
    }
  }
}

void mlir::pq::emitCentroidPass(KernelBuilder &kb, const StepInfo &info,
                                const KernelArgs &args,
                                const SharedViews &views, Value batch,
                                Value kvHead, const FreshKeys *fused,
                                const LutSharing *sharing, Value firstRow) {
  const StepShape &shape = info.shape;
  const int64_t group = shape.rows();
  Value batchKv = kb.add(kb.mul(batch, kb.idx(shape.kvHeads)), kvHead);

  // The queries, and the keys of the fused round, arrive together.
  if (!firstRow) {
    firstRow = firstRowOfGroup(kb, shape, batch, kvHead);
  }
  Value queryBase = kb.mul(firstRow, kb.idx(shape.headDim));
  kb.forEachThread(kb.idx(group * shape.headDim), [&](Value i) {
    kb.store(kb.toF32(kb.load(args.query, kb.add(queryBase, i))), views.query,
             i);
  });
  if (fused) {
    kb.ifThen(kb.cmp(CmpIPredicate::ugt, fused->count, kb.idx(0)), [&] {
      stageFreshKeys(kb, info, args, views, batchKv, fused->first, kb.idx(0),
                     fused->count, kQuantizeKeys);
    });
  }
  if (sharing) {
    // Peers' shared memory may be written only once they run (the arrive
    // is the caller's, before the query loads).
    kb.clusterWait();
  }

  // A thread owns one (s, c) and accumulates the dot products of up to
  // kRowBlock query heads at once; each sum runs in dimension order, as the
  // reference's does.
  constexpr int64_t kRowBlock = 8;
  const int64_t perHead = shape.subspaces * shape.centroids;
  Value first = kb.idx(0), last = kb.idx(perHead);
  PartialsSink sink{views.quantizeBits, {}};
  if (sharing) {
    int64_t slice = clusterCentroidSlice(shape, sharing->clusterSize);
    first = kb.minu(kb.mul(sharing->rank, kb.idx(slice)), last);
    last = kb.minu(kb.add(first, kb.idx(slice)), last);
    sink.peer = sharing->ownerPartials;
  }
  // The staged keys are visible after the first tile's copy barrier.
  forCentroidTiles(kb, info, args, views, batchKv, first, last,
                   [&](Value row, Value valid, Value slot) {
    kb.ifThen(valid, [&] {
      // Whole blocks in a rolled loop (copies of the block crowd ptxas into
      // spilling on sm_80), then the rest.
      const int64_t whole = group / kRowBlock * kRowBlock;
      if (whole > 0) {
        kb.forLoopRolled(kb.idx(0), kb.idx(whole), kb.idx(kRowBlock),
                         [&](Value r0) {
          emitTableEntries(kb, info, views, row, slot, r0, kRowBlock, sharing);
        });
      }
      if (group > whole) {
        emitTableEntries(kb, info, views, row, slot, kb.idx(whole),
                         group - whole, sharing);
      }
    });
    if (!fused) {
      return;
    }
    // Warp-uniform branches: one key (a decode step), several, or none.
    kb.ifThenElse(
        kb.cmp(CmpIPredicate::eq, fused->count, kb.idx(1)), TypeRange{},
        [&]() -> SmallVector<Value> {
          emitRowArgmins(kb, info, views, row, valid, slot, 1, sink);
          return {};
        },
        [&]() -> SmallVector<Value> {
          kb.ifThen(kb.cmp(CmpIPredicate::ugt, fused->count, kb.idx(1)), [&] {
            emitRowArgmins(kb, info, views, row, valid, slot, kQuantizeKeys,
                           sink);
          });
          return {};
        });
  });
  if (sharing) {
    kb.clusterBarrier(); // every slice is in every table
  }
}

void mlir::pq::emitFusedCodes(KernelBuilder &kb, const StepInfo &info,
                              const KernelArgs &args, const SharedViews &views,
                              Value batch, Value kvHead,
                              const FreshKeys &fused) {
  kb.ifThenElse(
      kb.cmp(CmpIPredicate::eq, fused.count, kb.idx(1)), TypeRange{},
      [&]() -> SmallVector<Value> {
        emitCombineCodes(kb, info, args, views, batch, kvHead, fused.first,
                         kb.idx(0), fused.count, 1);
        return {};
      },
      [&]() -> SmallVector<Value> {
        emitCombineCodes(kb, info, args, views, batch, kvHead, fused.first,
                         kb.idx(0), fused.count, kQuantizeKeys);
        return {};
      });
}

void mlir::pq::emitTableAndCodes(KernelBuilder &kb, const StepInfo &info,
                                 const KernelArgs &args,
                                 const SharedViews &views, Value batch,
                                 Value kvHead, Value begin, Value end) {
  if (!info.quantize) {
    emitCentroidPass(kb, info, args, views, batch, kvHead, nullptr);
    return;
  }
  FreshKeys fresh = freshKeys(kb, args, begin, end);
  FreshKeys fused = fusedRound(kb, fresh);
  emitCentroidPass(kb, info, args, views, batch, kvHead, &fused);
  emitFusedCodes(kb, info, args, views, batch, kvHead, fused);
  kb.barrier();
  emitQuantize(kb, info, args, views, batch, kvHead,
               afterFusedRound(kb, fresh));
}
