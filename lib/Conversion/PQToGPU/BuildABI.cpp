//===- BuildABI.cpp - What the index build's kernels take and know --------===//

#include "BuildABI.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

BuildInfo BuildInfo::get(KMeansOp op) {
  BuildInfo info;
  MemRefType key = op.getKey().getType();
  MemRefType centroids = op.getCentroids().getType();
  StepAttr step = op.getStep();
  info.kvHeads = centroids.getDimSize(1);
  info.subspaces = centroids.getDimSize(2);
  info.centroids = centroids.getDimSize(3);
  info.headDim = key.getDimSize(3);
  info.initOffset = step.getInitOffset();
  info.maxSeqLen = op.getMaxSeqLen().value_or(0);
  info.metric = step.getMetric();
  info.layout = op.getLayout();
  info.staticBatch = key.isDynamicDim(0) ? 0 : key.getDimSize(0);
  info.keyType = key.getElementType();
  info.centroidType = centroids.getElementType();
  info.codeType = info.layout == Layout::compact
                      ? Type(IntegerType::get(op.getContext(), 8))
                      : op.getCodes().getType().getElementType();
  return info;
}

SmallVector<ParamSpec> mlir::pq::buildParams(MLIRContext *context,
                                             const BuildInfo &info) {
  Builder builder(context);
  auto flat = [](Type element) -> Type {
    return MemRefType::get({ShapedType::kDynamic}, element);
  };
  auto typeOf = [&](KernelParam param) -> Type {
    switch (param) {
    case KernelParam::Key:
      return flat(info.keyType);
    case KernelParam::Centroids:
      return flat(info.centroidType);
    case KernelParam::Phi:
      return info.metric == Metric::ip ? flat(builder.getF32Type()) : Type();
    case KernelParam::Codes:
      return flat(info.codeType);
    case KernelParam::Workspace:
      return flat(builder.getI8Type());
    case KernelParam::Initial:
    case KernelParam::Iterations:
      return flat(builder.getI64Type());
    case KernelParam::SeqLen:
    case KernelParam::KeyCapacity:
    case KernelParam::CodeCapacity:
    case KernelParam::Seed:
    case KernelParam::Iteration:
    case KernelParam::KmeansIter:
      return builder.getI64Type();
    default:
      return Type(); // the step's only
    }
  };
  SmallVector<ParamSpec> params;
#define PQ_BUILD_PARAM_SPEC(name, text, kind)                                  \
  if (Type type = typeOf(KernelParam::name)) {                                 \
    assert(isa<MemRefType>(type) == (StringRef(#kind) == "Memref") &&          \
           "build parameter type disagrees with KernelParamList.h");           \
    params.push_back({KernelParam::name, text, type});                         \
  }
  PQRT_KERNEL_PARAMS(PQ_BUILD_PARAM_SPEC)
#undef PQ_BUILD_PARAM_SPEC
  return params;
}

int64_t mlir::pq::sumTilePoints(const BuildInfo &info) {
  const int64_t chunks = (info.maxPoints() + 16 * kSumChunk - 1) /
                         (16 * kSumChunk);
  return kSumChunk * std::clamp<int64_t>(chunks, 1,
                                        kMaxSumTilePoints / kSumChunk);
}

int64_t mlir::pq::fixedValueBits(const BuildInfo &info) {
  // n values below 2^bits each sum below 2^62.
  const int64_t log2Points = llvm::Log2_64_Ceil(std::max<int64_t>(info.maxPoints(), 1));
  return std::min<int64_t>(kFixedValueBits, 62 - log2Points);
}

int64_t mlir::pq::sumTiles(const BuildInfo &info) {
  return (info.maxPoints() + sumTilePoints(info) - 1) / sumTilePoints(info);
}

namespace {

/// What a workspace region holds, element by element.
struct RegionElement {
  int64_t bytes;
  bool isFloat;
};

RegionElement regionElement(BuildRegion region) {
  switch (region) {
  case BuildRegion::Pending:
  case BuildRegion::Members:
  case BuildRegion::FixedPoint:
    return {4, false};
  case BuildRegion::Centroids:
  case BuildRegion::Augmented:
  case BuildRegion::TileMax:
    return {4, true};
  case BuildRegion::Shifts:
    return {8, true};
  case BuildRegion::Drawn:
  case BuildRegion::Partials:
    return {8, false};
  case BuildRegion::Codes:
    return {1, false};
  }
  llvm_unreachable("unknown build workspace region");
}

Type regionType(MLIRContext *context, BuildRegion region) {
  const RegionElement e = regionElement(region);
  if (!e.isFloat) {
    return IntegerType::get(context, unsigned(8 * e.bytes));
  }
  return e.bytes == 8 ? Type(Float64Type::get(context))
                      : Type(Float32Type::get(context));
}

} // namespace

BuildWorkspace mlir::pq::planBuildWorkspace(const BuildInfo &info) {
  const int64_t groups = info.localGroups();
  const int64_t count = info.centroids;
  const int64_t width = info.width();
  const int64_t tiles = sumTiles(info);
  auto elementsOf = [&](BuildRegion region) -> int64_t {
    switch (region) {
    case BuildRegion::Pending:
      return kPendingWords;
    case BuildRegion::Centroids:
      return groups * count * width;
    case BuildRegion::Shifts:
    case BuildRegion::Drawn:
      return groups * count;
    case BuildRegion::Partials:
      return groups * count * width;
    case BuildRegion::Members:
      return groups * count;
    case BuildRegion::Codes:
      return groups * info.maxPoints();
    case BuildRegion::Augmented:
      return info.metric == Metric::ip ? groups * info.maxPoints() : 0;
    case BuildRegion::FixedPoint:
      return groups;
    case BuildRegion::TileMax:
      return groups * tiles;
    }
    llvm_unreachable("unknown build workspace region");
  };
  BuildWorkspace ws;
  int64_t at = 0;
  for (size_t r = 0; r < kBuildRegions; ++r) {
    const auto region = BuildRegion(r);
    const int64_t bytes = elementsOf(region) * regionElement(region).bytes;
    ws.regions[r] = {at, elementsOf(region)};
    at += (bytes + 15) / 16 * 16;
  }
  ws.total = at;
  return ws;
}

BuildGroup mlir::pq::buildGroup(KernelBuilder &kb, const BuildInfo &info,
                                const KernelArgs &args) {
  BuildGroup g;
  g.local = kb.blockId(gpu::Dimension::y);
  g.batch = kb.blockId(gpu::Dimension::z);
  g.kvHead = kb.divu(g.local, kb.idx(info.subspaces));
  g.s = kb.remu(g.local, kb.idx(info.subspaces));
  g.group = kb.add(kb.mul(g.batch, kb.idx(info.localGroups())), g.local);
  g.n = kb.sub(args.seqLen, kb.idx(info.initOffset));
  g.ws = planBuildWorkspace(info);
  g.batchBase = kb.mul(g.batch, kb.idx(g.ws.total));
  return g;
}

/// A typed view of `elements` elements at byte `offset` of the workspace.
static Value workspaceView(KernelBuilder &kb, const KernelArgs &args,
                           Value offset, int64_t elements, Type type) {
  auto viewType = MemRefType::get({std::max<int64_t>(elements, 1)}, type);
  return memref::ViewOp::create(kb.b, viewType, args.workspace,
                                kb.toIndex(offset), ValueRange{});
}

/// Batch entry 0's early-stop counters.
static Value pendingView(KernelBuilder &kb, const KernelArgs &args,
                         const BuildWorkspace &ws) {
  const BuildWorkspace::Region &pending = ws[BuildRegion::Pending];
  return workspaceView(kb, args, kb.idx(pending.offset), pending.elements,
                       regionType(kb.b.getContext(), BuildRegion::Pending));
}

Value mlir::pq::regionView(KernelBuilder &kb, const KernelArgs &args,
                           const BuildGroup &g, BuildRegion region) {
  if (region == BuildRegion::Pending) {
    return pendingView(kb, args, g.ws);
  }
  const BuildWorkspace::Region &r = g.ws[region];
  return workspaceView(kb, args, kb.add(g.batchBase, kb.idx(r.offset)),
                       r.elements, regionType(kb.b.getContext(), region));
}

Value mlir::pq::isNull(KernelBuilder &kb, Value memref) {
  Value pointer =
      memref::ExtractAlignedPointerAsIndexOp::create(kb.b, memref);
  return kb.cmp(CmpIPredicate::eq, pointer, kb.idx(0));
}

Value mlir::pq::buildStopped(KernelBuilder &kb, const BuildInfo &info,
                             const KernelArgs &args) {
  Value later = kb.cmp(CmpIPredicate::ugt, args.iteration, kb.idx(0));
  return kb.ifThenElse(
      later, TypeRange{kb.b.getI1Type()},
      [&]() -> SmallVector<Value> {
        Value pending = pendingView(kb, args, planBuildWorkspace(info));
        Value word = kb.minu(kb.sub(args.iteration, kb.idx(1)),
                             kb.idx(kPendingWords - 1));
        return {kb.cmp(CmpIPredicate::eq, kb.load(pending, word), kb.i32(0))};
      },
      [&]() -> SmallVector<Value> { return {kb.boolean(false)}; })[0];
}

Value mlir::pq::loadPointColumn(KernelBuilder &kb, const BuildInfo &info,
                                const KernelArgs &args, const BuildGroup &g,
                                Value p, Value i) {
  Value row = kb.add(
      kb.mul(kb.add(kb.mul(g.batch, kb.idx(info.kvHeads)), g.kvHead),
             args.keyCapacity),
      kb.add(p, kb.idx(info.initOffset)));
  Value column = kb.add(kb.mul(g.s, kb.idx(info.subDim())), i);
  return kb.toF32(
      kb.load(args.key, kb.add(kb.mul(row, kb.idx(info.headDim)), column)));
}

Value mlir::pq::loadPoint(KernelBuilder &kb, const BuildInfo &info,
                          const KernelArgs &args, const BuildGroup &g,
                          Value p, Value i) {
  if (info.metric != Metric::ip) {
    return loadPointColumn(kb, info, args, g, p, i);
  }
  // Both loads are valid for any i < ds', so no branch stalls a run of them.
  Value isKey = kb.cmp(CmpIPredicate::ult, i, kb.idx(info.subDim()));
  Value column = loadPointColumn(kb, info, args, g, p,
                                 kb.minu(i, kb.idx(info.subDim() - 1)));
  Value augmented = regionView(kb, args, g, BuildRegion::Augmented);
  Value extra = kb.load(
      augmented, kb.add(kb.mul(g.local, kb.idx(info.maxPoints())), p));
  return kb.select(isKey, column, extra);
}

void mlir::pq::stageValues(KernelBuilder &kb, int64_t total,
                           function_ref<Value(Value)> value,
                           function_ref<void(Value, Value)> store,
                           int64_t inFlight) {
  Value tid = kb.threadId();
  const int64_t rounds = (total + kb.threads - 1) / kb.threads;
  // One batch: inFlight rounds from `round`, loads first. Elements
  // past the end redo the last one (the same value to the same place).
  auto batch = [&](Value round, int64_t count) {
    SmallVector<Value> elements, values;
    for (int64_t r = 0; r < count; ++r) {
      Value e = kb.add(tid, kb.mul(kb.add(round, kb.idx(r)),
                                   kb.idx(kb.threads)));
      e = kb.minu(e, kb.idx(total - 1));
      elements.push_back(e);
      values.push_back(value(e));
    }
    for (auto [e, v] : llvm::zip(elements, values)) {
      store(e, v);
    }
  };
  if (rounds <= inFlight) {
    batch(kb.idx(0), rounds);
    return;
  }
  // Batches in a rolled loop: unrolled, ptxas would hoist every batch's
  // loads at once and spill.
  const int64_t batches = (rounds + inFlight - 1) / inFlight;
  const int64_t size = (rounds + batches - 1) / batches;
  kb.forLoopRolled(kb.idx(0), kb.idx(batches * size), kb.idx(size),
                   [&](Value round) { batch(round, size); });
}

gpu::GPUFuncOp mlir::pq::createBuildKernel(gpu::GPUModuleOp module,
                                           StringRef name,
                                           const BuildInfo &info,
                                           ArrayRef<int64_t> grid,
                                           int64_t threads, int64_t smemBytes,
                                           ImplicitLocOpBuilder &b,
                                           KernelArgs &args,
                                           int64_t blocksPerSM) {
  gpu::GPUFuncOp func = createKernelWithParams(
      module, name, buildParams(module.getContext(), info), info.maxSeqLen,
      grid, threads, smemBytes, b, args, blocksPerSM);
  // The runtime rejects n < C; the guard keeps the draw's n - i positive.
  Value n = arith::SubIOp::create(
      b, args.seqLen, arith::ConstantIndexOp::create(b, info.initOffset));
  Value enough = arith::CmpIOp::create(
      b, CmpIPredicate::sge, n,
      arith::ConstantIndexOp::create(b, info.centroids));
  auto guard = scf::IfOp::create(b, enough, /*withElseRegion=*/false);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());
  func->setAttr("pq.build", b.getUnitAttr());
  return func;
}

SmallVector<gpu::GPUFuncOp> mlir::pq::buildKMeansKernels(
    gpu::GPUModuleOp module, StringRef name, const BuildInfo &info,
    Location loc) {
  Builder builder(module.getContext());
  SmallVector<gpu::GPUFuncOp> kernels;
  auto add = [&](gpu::GPUFuncOp kernel, StringRef phase) {
    kernel->setAttr("pq.phase", builder.getStringAttr(phase));
    kernels.push_back(kernel);
  };
  std::string prefix = name.str();
  add(buildDrawKernel(module, prefix + "_draw", info, loc), "prologue");
  add(buildNormsKernel(module, prefix + "_norms", info, loc), "prologue");
  add(buildPrepKernel(module, prefix + "_prep", info, loc), "prologue");
  add(buildAssignKernel(module, prefix + "_assign", info, loc, false),
      "iteration");
  add(buildPartialsKernel(module, prefix + "_partials", info, loc),
      "iteration");
  add(buildUpdateKernel(module, prefix + "_update", info, loc), "iteration");
  add(buildConvergeKernel(module, prefix + "_converge", info, loc),
      "iteration");
  add(buildStoreKernel(module, prefix + "_store", info, loc), "epilogue");
  add(buildAssignKernel(module, prefix + "_codes", info, loc, true),
      "epilogue");
  return kernels;
}
