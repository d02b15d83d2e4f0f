//===- KernelPlan.cpp - Shared-memory plans of the pq kernels -------------===//

#include "pq/Utils/KernelPlan.h"

#include <algorithm>

using namespace mlir::pq;

namespace {
/// Appends regions in order, keeping each 16-byte aligned.
class Layout {
public:
  int64_t add(int64_t bytes) {
    int64_t offset = end;
    end += (bytes + 15) / 16 * 16;
    return offset;
  }
  int64_t size() const { return end; }

private:
  int64_t end = 0;
};
} // namespace

int64_t mlir::pq::maxIndexed(const StepShape &shape, int64_t maxSeqLen) {
  return std::max<int64_t>(maxSeqLen - shape.initOffset, 1);
}

int64_t mlir::pq::keyRowStride(const StepShape &shape, int64_t maxSeqLen) {
  return (maxIndexed(shape, maxSeqLen) + 3) / 4 * 4;
}

int64_t mlir::pq::centroidTileRows(const StepShape &shape, int64_t rowsPerCTA,
                                   int64_t regionBytes) {
  auto whole = [](int64_t rows) { return (rows + 31) / 32 * 32; };
  int64_t rowBytes = 4 * centroidPitch(shape);
  int64_t all = whole(shape.subspaces * shape.centroids);
  // Rows the region takes anyway, and rows worth growing it for.
  int64_t free = regionBytes / rowBytes / 32 * 32;
  int64_t grown = std::min(whole(rowsPerCTA),
                           std::max<int64_t>(kCentroidTileBytes / rowBytes / 32 * 32, 32));
  return std::min(all, std::max(free, grown));
}

/// `rowsPerCTA`: centroid rows a CTA stages (0 for kernels without a table).
static SharedMemoryPlan plan(const StepShape *shape, int64_t keys,
                             int64_t threads, int64_t rowsPerCTA) {
  SharedMemoryPlan result;
  Layout layout;
  int64_t group = shape ? shape->rows() : 0;
  result.query = layout.add(shape ? 4 * group * shape->headDim : 0);
  result.lut = layout.add(
      shape ? 4 * group * shape->subspaces * shape->centroids : 0);
  int64_t keysBytes = 4 * keys;
  if (shape && rowsPerCTA > 0) {
    result.centroidTileRows = centroidTileRows(*shape, rowsPerCTA, keysBytes);
    keysBytes = std::max(keysBytes, result.centroidTileRows * 4 *
                                        centroidPitch(*shape));
  }
  result.keys = layout.add(keysBytes);
  result.hist = layout.add(4 * kRadixBins);
  result.scalars = layout.add(4 * kSharedScalars);
  // One slot per warp plus the CTA total.
  result.scan = layout.add(4 * (threads / 32 + 1));
  result.quantize =
      layout.add(shape ? 4 * quantizeScratch(*shape).words : 0);
  result.bins = result.slice = result.exchange = result.rows =
      result.warpTotals = layout.size();
  result.total = layout.size();
  return result;
}

SharedMemoryPlan mlir::pq::planRowKernel(const StepShape &shape,
                                         int64_t maxSeqLen, int64_t threads) {
  return plan(&shape, shape.rows() * keyRowStride(shape, maxSeqLen), threads,
              shape.subspaces * shape.centroids);
}

SharedMemoryPlan mlir::pq::planSplitScoreKernel(const StepShape &shape,
                                                int64_t threads) {
  return plan(&shape, 0, threads, shape.subspaces * shape.centroids);
}

SharedMemoryPlan mlir::pq::planSplitSelectKernel(int64_t threads) {
  return plan(nullptr, 0, threads, 0);
}

QuantizeScratch mlir::pq::quantizeScratch(const StepShape &shape) {
  QuantizeScratch scratch;
  int64_t partials = (shape.centroids + 31) / 32;
  scratch.augmented = kQuantizeKeys * shape.headDim;
  scratch.partials = scratch.augmented + kQuantizeKeys * shape.subspaces;
  scratch.words =
      scratch.partials + kQuantizeKeys * shape.subspaces * partials * 2;
  return scratch;
}

int64_t mlir::pq::clusterChunk(const StepShape &shape, int64_t maxSeqLen,
                               int64_t clusterSize) {
  int64_t indexed = maxIndexed(shape, maxSeqLen);
  int64_t even = (indexed + clusterSize - 1) / clusterSize;
  return (even + 15) / 16 * 16;
}

SharedMemoryPlan mlir::pq::planClusterKernel(const StepShape &shape,
                                             int64_t maxSeqLen,
                                             int64_t threads,
                                             int64_t clusterSize) {
  SharedMemoryPlan result =
      plan(&shape, shape.rows() * clusterChunk(shape, maxSeqLen, clusterSize),
           threads, clusterCentroidSlice(shape, clusterSize));
  Layout layout;
  layout.add(result.total);
  int64_t group = shape.rows();
  result.bins = layout.add(4 * group * kScoreBins);
  result.slice = layout.add(4 * group * binsPerSlice(clusterSize));
  result.exchange = layout.add(4 * group * kExchangeWords);
  result.rows = layout.add(4 * group * kRowWords);
  result.warpTotals = layout.add(4 * group * 2 * (threads / 32));
  result.total = layout.size();
  return result;
}

int64_t mlir::pq::splitSelectThreads(int64_t threads) {
  return std::min<int64_t>(2 * threads, 1024);
}
