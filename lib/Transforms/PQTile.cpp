//===- PQTile.cpp - Choose the tiling of every pq.indexer -----------------===//
//
// The `row` strategy keeps a whole query group's scores in one CTA's shared
// memory; `split` spreads a row over several CTAs and keeps the scores in a
// global workspace. The choice uses the same shared-memory plans as
// convert-pq-to-gpu, so a `row` tiling always fits the kernel it becomes.
//
//===----------------------------------------------------------------------===//

#include "pq/Transforms/Passes.h"
#include "pq/Utils/KernelPlan.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace mlir::pq {
#define GEN_PASS_DEF_PQTILEPASS
#include "pq/Transforms/Passes.h.inc"

/// The module attribute that names the GPU (verified by the pq dialect).
static constexpr StringLiteral kTargetAttrName = "pq.target";
/// The largest CTA the kernels are written for.
static constexpr int64_t kMaxThreads = 512;
/// Every CTA of the split score kernel builds its own lookup tables, so
/// chunks beyond this many per row mostly repeat that work.
static constexpr int64_t kMaxCtasPerRow = 64;

namespace {
struct PQTilePass final : impl::PQTilePassBase<PQTilePass> {
  using Base::Base;
  void runOnOperation() override;

private:
  /// The target named by the option or the module, or null after an error.
  TargetAttr resolveTarget();
};
} // namespace

/// The sizes that shape the kernels, from the types the verifier requires
/// static: query [b, h, 1, d] and centroids [b, h_kv, S, C, ds'].
static StepShape stepShape(IndexerOp op) {
  auto query = cast<MemRefType>(op.getQuery().getType());
  auto centroids = cast<MemRefType>(op.getCentroids().getType());
  StepShape shape;
  shape.heads = query.getDimSize(1);
  shape.headDim = query.getDimSize(3);
  shape.kvHeads = centroids.getDimSize(1);
  shape.subspaces = centroids.getDimSize(2);
  shape.centroids = centroids.getDimSize(3);
  shape.initOffset = op.getStep().getInitOffset();
  return shape;
}

namespace {
/// A `cluster` tiling's shape.
struct ClusterChoice {
  int64_t size;
  int64_t threads;
  int64_t smem;
  int64_t rowGroups;
};
} // namespace

/// The `cluster` tiling: enough CTAs per cluster to give every SM one CTA at
/// the module's batch (1 when dynamic: a decode batch of one is the
/// latency-critical case), or more when a CTA's chunk of keys would not fit,
/// at most kMaxClusterSize (`requested` > 0 fixes the size), but no more than
/// keep chunks of kPreferredClusterChunk keys, nor, when shared memory asks
/// for more, chunks under kMinClusterChunk; 256 threads when
/// two such CTAs fit an SM, else 512. None when nothing fits, or when even a
/// single CTA's chunk would hold fewer than kMinClusterChunk keys.
/// `shape.rowGroups` clusters serve a query group; `twoPerSM` accepts only
/// 256-thread CTAs.
static std::optional<ClusterChoice>
chooseClusterSize(IndexerOp op, const StepShape &shape, TargetAttr target,
                  int64_t maxSeqLen, int64_t requested, bool twoPerSM) {
  auto query = cast<MemRefType>(op.getQuery().getType());
  int64_t batch = query.isDynamicDim(0) ? 1 : query.getDimSize(0);
  int64_t clusters =
      std::max<int64_t>(shape.kvHeads * batch * shape.rowGroups, 1);
  int64_t size = 1;
  while (size < kMaxClusterSize && 2 * size * clusters <= target.getSms()) {
    size *= 2;
  }
  int64_t last = kMaxClusterSize;
  if (requested > 0) {
    size = last = requested;
  } else {
    // A cluster CTA has a long fixed latency (NOTES.md): fewer CTAs with
    // chunks of kPreferredClusterChunk keys beat more with less work each,
    // and below kMinClusterChunk keys a row, row and split win.
    while (size > 1 &&
           clusterChunk(shape, maxSeqLen, size) < kPreferredClusterChunk) {
      size /= 2;
    }
    if (clusterChunk(shape, maxSeqLen, size) < kMinClusterChunk) {
      return std::nullopt;
    }
  }
  // f32 entries one query row may keep on chip (as chooseTiling): keeps
  // absurd shapes from overflowing the plan's arithmetic.
  int64_t perRow = target.getSmem() / 4 / std::max<int64_t>(shape.rows(), 1);
  for (; size <= last; size = requested > 0 ? size + 1 : size * 2) {
    if (requested == 0 &&
        clusterChunk(shape, maxSeqLen, size) < kMinClusterChunk) {
      break; // more CTAs for shared memory would make chunks too short
    }
    if (clusterChunk(shape, maxSeqLen, size) > perRow) {
      continue;
    }
    for (int64_t threads : {kClusterSMThreads / 2, kClusterSMThreads}) {
      if (twoPerSM && threads == kClusterSMThreads) {
        continue;
      }
      int64_t smem =
          planClusterKernel(shape, maxSeqLen, threads, size).total;
      int64_t limit = threads < kClusterSMThreads
                          ? std::min(kTwoCTASmem, target.getSmem())
                          : target.getSmem();
      if (threads <= target.getMaxThreads() && smem <= limit) {
        return ClusterChoice{size, threads, smem, shape.rowGroups};
      }
    }
  }
  return std::nullopt;
}

/// The query group split over row groups (the smallest divisor of the
/// group > 1 whose CTAs run two per SM, else, with `anyFit`, the smallest
/// that fits at all); none without such a split.
static std::optional<ClusterChoice>
chooseRowGroups(IndexerOp op, StepShape shape, TargetAttr target,
                int64_t maxSeqLen, int64_t requested, bool anyFit) {
  std::optional<ClusterChoice> fallback;
  for (int64_t groups = 2; groups <= shape.group(); ++groups) {
    if (shape.group() % groups != 0) {
      continue;
    }
    shape.rowGroups = groups;
    if (std::optional<ClusterChoice> two =
            chooseClusterSize(op, shape, target, maxSeqLen, requested, true)) {
      return two;
    }
    if (anyFit && !fallback) {
      fallback = chooseClusterSize(op, shape, target, maxSeqLen, requested,
                                   false);
    }
  }
  return fallback;
}

/// The `cluster` tiling for a whole query group per cluster
/// (`requestedGroups` > 0 fixes row_groups; it divides the group, as the
/// op's verifier requires). When that runs clusters of kMaxClusterSize CTAs
/// one per SM, the group is split over row groups whose CTAs run two per
/// SM where one exists: the H200 places only 7 such clusters at a time
/// (ncu "Max Active Clusters"), so long128k's 8 ran in two waves (87 us;
/// two row groups, two CTAs per SM: 72 us). Not for the seed layout: every
/// row group reads the codes again, and int64 codes made long128k slower
/// that way (120 -> 130 us).
static std::optional<ClusterChoice>
chooseCluster(IndexerOp op, StepShape shape, TargetAttr target,
              int64_t maxSeqLen, int64_t requested, int64_t requestedGroups) {
  if (requestedGroups > 0) {
    shape.rowGroups = requestedGroups;
    return chooseClusterSize(op, shape, target, maxSeqLen, requested, false);
  }
  std::optional<ClusterChoice> whole =
      chooseClusterSize(op, shape, target, maxSeqLen, requested, false);
  if (whole && whole->threads == kClusterSMThreads &&
      whole->size == kMaxClusterSize && op.getLayout() == Layout::compact) {
    if (std::optional<ClusterChoice> two = chooseRowGroups(
            op, shape, target, maxSeqLen, requested, /*anyFit=*/false)) {
      return two;
    }
  }
  return whole;
}

/// Picks `cluster` on GPUs with thread-block clusters when a cluster's
/// chunks fit, else `row` when the row kernel's plan fits the target's shared memory and
/// `split` otherwise. Fails (with an error on `op`) when not even the split
/// score kernel fits: every kernel keeps the query group's queries and lookup
/// tables on chip.
static FailureOr<TilingAttr> chooseTiling(IndexerOp op, TargetAttr target,
                                          int64_t maxSeqLen,
                                          int64_t clusterSize,
                                          int64_t rowGroups) {
  StepShape shape = stepShape(op);
  int64_t threads = std::min(kMaxThreads, target.getMaxThreads());
  int64_t smem = target.getSmem();

  // f32 entries one query row may keep on chip. Comparing sizes against it
  // (dividing, not multiplying) keeps absurd but verifiable shapes from
  // overflowing the plans' arithmetic.
  int64_t perRow = smem / 4 / std::max<int64_t>(shape.group(), 1);
  if (shape.headDim > perRow || shape.subspaces > perRow / shape.centroids ||
      planSplitScoreKernel(shape, threads).total > smem) {
    return op.emitError()
           << "pq-tile: the f32 queries and lookup tables of a query group "
              "(group = "
           << shape.group() << ", head_dim = " << shape.headDim
           << ", subspaces = " << shape.subspaces
           << ", centroids = " << shape.centroids
           << ") do not fit the target's " << smem << " bytes of shared memory";
  }

  if (rowGroups > 0 && shape.group() % rowGroups != 0) {
    return op.emitError() << "pq-tile: row-groups " << rowGroups
                          << " must divide the query group (heads / kv_heads "
                             "= "
                          << shape.group() << ")";
  }
  MLIRContext *context = op.getContext();
  if (target.getClusters()) {
    if (std::optional<ClusterChoice> cluster =
            chooseCluster(op, shape, target, maxSeqLen, clusterSize,
                          rowGroups)) {
      return TilingAttr::get(context, Strategy::cluster, cluster->threads,
                             cluster->size, maxSeqLen, cluster->smem,
                             cluster->rowGroups);
    }
    if (clusterSize > 0 || rowGroups > 0) {
      InFlightDiagnostic error = op.emitError() << "pq-tile: ";
      if (clusterSize > 0) {
        error << "a cluster of " << clusterSize << " CTAs";
      } else {
        error << "no cluster";
      }
      if (rowGroups > 0) {
        error << " serving 1/" << rowGroups << " of a query group's rows";
      }
      return error << " cannot keep this step's keys for max-seq-len "
                   << maxSeqLen << " in " << target.getSmem()
                   << " bytes of shared memory per CTA";
    }
  }
  if (maxIndexed(shape, maxSeqLen) <= perRow) {
    int64_t rowSmem = planRowKernel(shape, maxSeqLen, threads).total;
    if (rowSmem <= smem) {
      return TilingAttr::get(context, Strategy::row, threads,
                             /*ctas_per_row=*/1, maxSeqLen, rowSmem,
                             /*row_groups=*/1);
    }
  }
  // Rather than split (a global workspace and a second launch; 334 us and
  // twice the slope of the bytes at sk = 256K on the H200), clusters that
  // each serve a share of the group's rows.
  if (target.getClusters() && clusterSize == 0) {
    if (std::optional<ClusterChoice> cluster = chooseRowGroups(
            op, shape, target, maxSeqLen, clusterSize, /*anyFit=*/true)) {
      return TilingAttr::get(context, Strategy::cluster, cluster->threads,
                             cluster->size, maxSeqLen, cluster->smem,
                             cluster->rowGroups);
    }
  }
  // The score grid is ctas_per_row x kv_heads x batch: two CTAs per SM at
  // batch 1.
  int64_t sms = std::min<int64_t>(target.getSms(),
                                  std::numeric_limits<int64_t>::max() / 2);
  int64_t ctasPerRow = std::clamp<int64_t>(
      llvm::divideCeil(2 * sms, shape.kvHeads), 1, kMaxCtasPerRow);
  int64_t splitSmem = std::max(planSplitScoreKernel(shape, threads).total,
                               planSplitSelectKernel(splitSelectThreads(threads)).total);
  return TilingAttr::get(context, Strategy::split, threads, ctasPerRow,
                         maxSeqLen, splitSmem, /*row_groups=*/1);
}

TargetAttr PQTilePass::resolveTarget() {
  ModuleOp module = getOperation();
  if (!target.empty()) {
    TargetAttr known = TargetAttr::getKnown(&getContext(), target);
    if (!known) {
      module.emitError() << "pq-tile: unknown target '" << target
                         << "'; known targets: " << TargetAttr::knownChips();
      return {};
    }
    // Later passes (convert-pq-to-gpu) read the GPU from the module.
    module->setAttr(kTargetAttrName, known);
    return known;
  }
  Attribute existing = module->getAttr(kTargetAttrName);
  if (!existing) {
    // "sm_80, sm_86" -> "sm_80|sm_86", the spelling of a choice.
    SmallVector<StringRef> chips;
    TargetAttr::knownChips().split(chips, ", ");
    module.emitError() << "pq-tile: no target: pass --target="
                       << llvm::join(chips, "|") << " or set "
                       << kTargetAttrName << " on the module";
    return {};
  }
  auto attr = dyn_cast<TargetAttr>(existing);
  if (!attr) {
    module.emitError() << "pq-tile: " << kTargetAttrName
                       << " must be a #pq.target<...> attribute, got "
                       << existing;
  }
  return attr;
}

/// A cluster option (cluster-size, row-groups): in [0, max] (0: pq-tile
/// chooses), and only for targets with thread-block clusters.
static LogicalResult checkClusterOption(ModuleOp module, StringRef name,
                                        int64_t value, int64_t max,
                                        TargetAttr target) {
  if (value < 0 || value > max) {
    return module.emitError() << "pq-tile: " << name << " must be in [0, "
                              << max << "] (0: pq-tile chooses), got "
                              << value;
  }
  if (target && value > 0 && !target.getClusters()) {
    return module.emitError()
           << "pq-tile: " << name << "=" << value
           << " needs a target with thread-block clusters (sm_90), not "
           << target.getChip();
  }
  return success();
}

void PQTilePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (maxSeqLen < 1 || maxSeqLen > TilingAttr::kMaxSeqLen) {
    module.emitError() << "pq-tile: max-seq-len must be in [1, "
                       << TilingAttr::kMaxSeqLen << "], got "
                       << static_cast<int64_t>(maxSeqLen);
    return signalPassFailure();
  }
  // Ranges first (no target needed), then what the target allows.
  if (failed(checkClusterOption(module, "cluster-size", clusterSize,
                                kMaxClusterSize, {})) ||
      failed(checkClusterOption(module, "row-groups", rowGroups,
                                kMaxRowGroups, {}))) {
    return signalPassFailure();
  }
  TargetAttr targetAttr = resolveTarget();
  if (!targetAttr ||
      failed(checkClusterOption(module, "cluster-size", clusterSize,
                                kMaxClusterSize, targetAttr)) ||
      failed(checkClusterOption(module, "row-groups", rowGroups,
                                kMaxRowGroups, targetAttr))) {
    return signalPassFailure();
  }
  WalkResult result = module.walk([&](IndexerOp op) {
    FailureOr<TilingAttr> tiling =
        chooseTiling(op, targetAttr, maxSeqLen, clusterSize, rowGroups);
    if (failed(tiling)) {
      return WalkResult::interrupt();
    }
    op.setTilingAttr(*tiling);
    return WalkResult::advance();
  });
  if (result.wasInterrupted()) {
    return signalPassFailure();
  }
  // The index build is sized by the same bound as the step it serves.
  module.walk([&](KMeansOp op) {
    op.setMaxSeqLenAttr(
        IntegerAttr::get(IntegerType::get(&getContext(), 64), maxSeqLen));
  });
}

} // namespace mlir::pq
