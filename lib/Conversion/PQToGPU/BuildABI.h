//===- BuildABI.h - What the index build's kernels take and know -*- C++ -*-===//
//
// The static description of a pq.kmeans (docs/BUILD.md), its kernel
// parameters, its global workspace and the values every build kernel uses.
// Groups are numbered like the reference's: g = (b * h_kv + kv) * S + s; a
// batch entry's groups (kv, s) are its "local" groups.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_BUILDABI_H
#define LIB_CONVERSION_PQTOGPU_BUILDABI_H

#include "KernelABI.h"
#include "KernelBuilder.h"
#include "runtime/include/pqrt/pqrt_limits.h"

#include <array>

namespace mlir::pq {

/// Everything static about one pq.kmeans.
struct BuildInfo {
  int64_t kvHeads = 0, headDim = 0, subspaces = 0, centroids = 0;
  int64_t initOffset = 0, maxSeqLen = 0;
  Metric metric = Metric::euclidean;
  Layout layout = Layout::compact;
  int64_t staticBatch = 0; // 0: dynamic
  Type keyType, centroidType, codeType;
  /// The target has wgmma (sm_90a): the assignment may use it.
  bool wgmma = false;

  static BuildInfo get(KMeansOp op);
  int64_t subDim() const { return headDim / subspaces; }
  /// ds': the ip augmentation adds a column.
  int64_t width() const { return subDim() + (metric == Metric::ip ? 1 : 0); }
  int64_t localGroups() const { return kvHeads * subspaces; }
  /// The most points a group clusters (n at sk = max_seq_len).
  int64_t maxPoints() const { return maxSeqLen - initOffset; }
};

/// The build's kernel parameters (KernelParamList.h order).
SmallVector<ParamSpec> buildParams(MLIRContext *context, const BuildInfo &info);

/// Early-stop counters at the start of batch entry 0's workspace: word k
/// counts the groups still moving after iteration k's update.
constexpr int64_t kPendingWords = 1024;
static_assert(kPendingWords >= PQRT_MAX_KMEANS_ITER,
              "an early-stop counter for every Lloyd iteration a call may ask");

/// Partial-sum tiles (BuildPartials.cpp) hold a multiple of kSumChunk
/// points, at most kMaxSumTilePoints.
constexpr int64_t kSumChunk = 256;
constexpr int64_t kMaxSumTilePoints = 16 * kSumChunk;
/// Points of one partial-sum tile: enough tiles to fill the GPU at small n,
/// few enough that the partials stay a fraction of the keys.
int64_t sumTilePoints(const BuildInfo &info);
int64_t sumTiles(const BuildInfo &info);
/// Columns one partials CTA sums (its shared sums fit two CTAs an SM).
int64_t sumColumnChunk(const BuildInfo &info);

/// The sums' fixed point: each value x of a group counts as trunc(x * 2^q),
/// with q chosen by prep so that |x| * 2^q < 2^fixedValueBits(info) for
/// every column of the group (at most 38 bits, fewer when the group's
/// total could otherwise leave an i64); a tile sums the low kFixedLoBits
/// bits and the rest in separate 32-bit words.
constexpr int64_t kFixedValueBits = 38;
constexpr int64_t kFixedLoBits = 20;
/// The largest q: 2^q and 2^-q are normal f32 for q in [-92, kMaxFixedQ]
/// (a group whose keys are all below 2^-62 loses their low bits).
constexpr int64_t kMaxFixedQ = 100;
int64_t fixedValueBits(const BuildInfo &info);

/// The regions of one batch entry's workspace (planBuildWorkspace):
enum class BuildRegion {
  Pending,   // i32 [kPendingWords] (batch entry 0's is used)
  Centroids, // f32 [local groups][C][ds']: the working centroids
  Shifts,    // f64 [local groups][C]: ||c_new - c_old||
  Drawn,     // i64 [local groups][C]: initial indices drawn
  Partials,  // i64 [local groups][C][ds']: fixed-point sums of the tiles
  Members,   // i32 [local groups][C]
  Codes,     // u8 [local groups][max points]: assignments
  Augmented, // f32 [local groups][max points]: ip column
  FixedPoint, // i32 [local groups]: the sums' q
  TileMax,   // f32 [local groups][sum tiles]: largest ||x||^2 of a tile
};
constexpr size_t kBuildRegions = size_t(BuildRegion::TileMax) + 1;

/// Where each region lies (16-byte aligned byte offsets) and how many
/// elements it holds; one batch entry's workspace is `total` bytes.
struct BuildWorkspace {
  struct Region {
    int64_t offset = 0, elements = 0;
  };
  std::array<Region, kBuildRegions> regions;
  int64_t total = 0;
  const Region &operator[](BuildRegion region) const {
    return regions[size_t(region)];
  }
};
BuildWorkspace planBuildWorkspace(const BuildInfo &info);

/// Values every build kernel works with, for grid (x, local group, batch).
struct BuildGroup {
  Value batch, local;   // index
  Value kvHead, s;      // the local group's kv head and subspace
  Value group;          // b * local groups + local
  Value n;              // points: seq_len - init_offset
  Value batchBase;      // byte offset of this entry's workspace
  BuildWorkspace ws;    // its regions
};
BuildGroup buildGroup(KernelBuilder &kb, const BuildInfo &info,
                      const KernelArgs &args);

/// A typed view of `region` of this batch entry's workspace (Pending:
/// batch entry 0's, which every entry shares).
Value regionView(KernelBuilder &kb, const KernelArgs &args,
                 const BuildGroup &g, BuildRegion region);
/// i1: whether a memref parameter was passed as NULL.
Value isNull(KernelBuilder &kb, Value memref);
/// i1: iteration `iteration`'s kernels have nothing to do: an earlier update
/// found every group converged (docs/BUILD.md's call-wide early stop).
Value buildStopped(KernelBuilder &kb, const BuildInfo &info,
                   const KernelArgs &args);

/// Column i (< ds) of point p of the group, widened to f32.
Value loadPointColumn(KernelBuilder &kb, const BuildInfo &info,
                      const KernelArgs &args, const BuildGroup &g, Value p,
                      Value i);
/// Column i (< ds') of point p: a key column or the ip column.
Value loadPoint(KernelBuilder &kb, const BuildInfo &info,
                const KernelArgs &args, const BuildGroup &g, Value p,
                Value i);

/// Loads a thread keeps in flight while staging (registers next to a
/// kernel's accumulators).
constexpr int64_t kStageInFlight = 8;
/// Stages `total` values into shared memory, kb.threads at a time: up to
/// `inFlight` loads of a thread are issued before their stores (a loop
/// would wait for each load in turn). `value(e)` loads element e (e <
/// total, always valid); `store(e, v)` writes it. Past the end, threads
/// redo the last element.
void stageValues(KernelBuilder &kb, int64_t total,
                 function_ref<Value(Value)> value,
                 function_ref<void(Value, Value)> store,
                 int64_t inFlight = kStageInFlight);

/// The build's kernels, in launch order, each tagged with its phase
/// (pq.phase: prologue, iteration or epilogue).
SmallVector<gpu::GPUFuncOp> buildKMeansKernels(gpu::GPUModuleOp module,
                                               StringRef name,
                                               const BuildInfo &info,
                                               Location loc);
/// Kernel makers of the phases (BuildPrologue.cpp, BuildAssign.cpp,
/// BuildPartials.cpp, BuildUpdate.cpp, BuildEpilogue.cpp).
gpu::GPUFuncOp buildDrawKernel(gpu::GPUModuleOp module, StringRef name,
                               const BuildInfo &info, Location loc);
gpu::GPUFuncOp buildNormsKernel(gpu::GPUModuleOp module, StringRef name,
                                const BuildInfo &info, Location loc);
gpu::GPUFuncOp buildPrepKernel(gpu::GPUModuleOp module, StringRef name,
                               const BuildInfo &info, Location loc);
/// `final`: against the stored centroids, writing the codebook; else against
/// the working centroids, writing the workspace's assignments.
gpu::GPUFuncOp buildAssignKernel(gpu::GPUModuleOp module, StringRef name,
                                 const BuildInfo &info, Location loc,
                                 bool final);
gpu::GPUFuncOp buildPartialsKernel(gpu::GPUModuleOp module, StringRef name,
                                   const BuildInfo &info, Location loc);
gpu::GPUFuncOp buildUpdateKernel(gpu::GPUModuleOp module, StringRef name,
                                 const BuildInfo &info, Location loc);
gpu::GPUFuncOp buildConvergeKernel(gpu::GPUModuleOp module, StringRef name,
                                   const BuildInfo &info, Location loc);
gpu::GPUFuncOp buildStoreKernel(gpu::GPUModuleOp module, StringRef name,
                                const BuildInfo &info, Location loc);

/// Creates a build kernel (createKernelWithParams with the build's
/// parameters) whose body runs only for n >= C; `kb`'s insertion point is
/// inside that guard.
gpu::GPUFuncOp createBuildKernel(gpu::GPUModuleOp module, StringRef name,
                                 const BuildInfo &info, ArrayRef<int64_t> grid,
                                 int64_t threads, int64_t smemBytes,
                                 ImplicitLocOpBuilder &b, KernelArgs &args,
                                 int64_t blocksPerSM = 1);

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_BUILDABI_H
