//===- KernelABI.cpp - What a pq kernel takes and knows -------------------===//

#include "KernelABI.h"
#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::pq;

StepInfo StepInfo::get(IndexerOp op) {
  StepInfo info;
  MemRefType query = op.getQuery().getType();
  MemRefType centroids = op.getCentroids().getType();
  StepAttr step = op.getStep();
  info.shape.heads = query.getDimSize(1);
  info.shape.headDim = query.getDimSize(3);
  info.shape.kvHeads = centroids.getDimSize(1);
  info.shape.subspaces = centroids.getDimSize(2);
  info.shape.centroids = centroids.getDimSize(3);
  info.shape.initOffset = step.getInitOffset();
  info.sink = step.getSink();
  info.window = step.getWindow();
  info.heavy = step.getHeavy();
  info.metric = step.getMetric();
  info.layout = op.getLayout();
  info.quantize = static_cast<bool>(op.getKey());
  info.staticBatch = query.isDynamicDim(0) ? 0 : query.getDimSize(0);
  info.queryType = query.getElementType();
  info.centroidType = centroids.getElementType();
  // ui8 codes are plain bytes to the kernel.
  info.codeType = info.layout == Layout::compact
                      ? Type(IntegerType::get(op.getContext(), 8))
                      : op.getCodes().getType().getElementType();
  info.indexType = op.getSparseList().getType().getElementType();
  info.weightType = op.getWeightList().getType().getElementType();
  info.tiling = *op.getTiling();
  info.shape.rowGroups = info.tiling.getRowGroups();
  return info;
}

namespace {

/// The type of `param` in the kernels of `info`; null when they do not take
/// it.
Type paramType(KernelParam param, const StepInfo &info, Builder &builder) {
  auto flat = [](Type element) -> Type {
    return MemRefType::get({ShapedType::kDynamic}, element);
  };
  switch (param) {
  case KernelParam::Query:
    return flat(info.queryType);
  case KernelParam::Key:
    return info.quantize ? flat(info.queryType) : Type();
  case KernelParam::Centroids:
    return flat(info.centroidType);
  case KernelParam::Phi:
    return info.quantize && info.metric == Metric::ip
               ? flat(builder.getF32Type())
               : Type();
  case KernelParam::Codes:
    return flat(info.codeType);
  case KernelParam::SparseList:
    return flat(info.indexType);
  case KernelParam::SparseLen:
    return flat(builder.getI64Type());
  case KernelParam::WeightList:
    return flat(info.weightType);
  case KernelParam::Workspace:
    // `row` keeps its rows on chip; its workspace holds only phase timers.
    return info.tiling.getStrategy() != Strategy::row || info.phaseTimers
               ? flat(builder.getI32Type())
               : Type();
  case KernelParam::SeqLen:
  case KernelParam::NumCached:
  case KernelParam::KeyCapacity:
  case KernelParam::CodeCapacity:
    return builder.getI64Type();
  case KernelParam::Initial:
  case KernelParam::Iterations:
  case KernelParam::Seed:
  case KernelParam::Iteration:
  case KernelParam::KmeansIter:
    return Type(); // the index build's only
  }
  llvm_unreachable("unknown kernel parameter");
}

/// Where a kernel body finds `param`.
Value &argSlot(KernelArgs &args, KernelParam param) {
  switch (param) {
  case KernelParam::Query:
    return args.query;
  case KernelParam::Key:
    return args.key;
  case KernelParam::Centroids:
    return args.centroids;
  case KernelParam::Phi:
    return args.phi;
  case KernelParam::Codes:
    return args.codes;
  case KernelParam::SparseList:
    return args.sparseList;
  case KernelParam::SparseLen:
    return args.sparseLen;
  case KernelParam::WeightList:
    return args.weightList;
  case KernelParam::Workspace:
    return args.workspace;
  case KernelParam::SeqLen:
    return args.seqLen;
  case KernelParam::NumCached:
    return args.numCached;
  case KernelParam::KeyCapacity:
    return args.keyCapacity;
  case KernelParam::CodeCapacity:
    return args.codeCapacity;
  case KernelParam::Initial:
    return args.initial;
  case KernelParam::Iterations:
    return args.iterations;
  case KernelParam::Seed:
    return args.seed;
  case KernelParam::Iteration:
    return args.iteration;
  case KernelParam::KmeansIter:
    return args.kmeansIter;
  }
  llvm_unreachable("unknown kernel parameter");
}

} // namespace

SmallVector<ParamSpec> mlir::pq::kernelParams(MLIRContext *context,
                                              const StepInfo &info) {
  Builder builder(context);
  SmallVector<ParamSpec> params;
  // The list's order is the ABI's; the list's kind must match the type.
#define PQ_KERNEL_PARAM_SPEC(name, text, kind)                                 \
  if (Type type = paramType(KernelParam::name, info, builder)) {               \
    assert(isa<MemRefType>(type) == (StringRef(#kind) == "Memref") &&          \
           "kernel parameter type disagrees with KernelParamList.h");          \
    params.push_back({KernelParam::name, text, type});                         \
  }
  PQRT_KERNEL_PARAMS(PQ_KERNEL_PARAM_SPEC)
#undef PQ_KERNEL_PARAM_SPEC
  return params;
}

gpu::GPUFuncOp mlir::pq::createKernel(gpu::GPUModuleOp module, StringRef name,
                                      const StepInfo &info,
                                      ArrayRef<int64_t> grid,
                                      int64_t threads, int64_t smemBytes,
                                      ImplicitLocOpBuilder &b,
                                      KernelArgs &args, int64_t blocksPerSM) {
  return createKernelWithParams(
      module, name, kernelParams(module.getContext(), info),
      info.tiling.getMaxSeqLen(), grid, threads, smemBytes, b, args,
      blocksPerSM);
}

gpu::GPUFuncOp mlir::pq::createKernelWithParams(
    gpu::GPUModuleOp module, StringRef name, ArrayRef<ParamSpec> params,
    int64_t maxSeqLen, ArrayRef<int64_t> grid, int64_t threads,
    int64_t smemBytes, ImplicitLocOpBuilder &b, KernelArgs &args,
    int64_t blocksPerSM) {
  SmallVector<Type> types;
  SmallVector<Attribute> names;
  for (const ParamSpec &param : params) {
    types.push_back(param.type);
    names.push_back(b.getStringAttr(param.name));
  }
  b.setInsertionPointToEnd(module.getBody());
  auto func = gpu::GPUFuncOp::create(b, name, b.getFunctionType(types, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
      {static_cast<int32_t>(threads), 1, 1}));
  // The CTAs of one SM may share the whole register file; without the bound
  // ptxas caps registers for occupancy we do not need and spills.
  func->setAttr("nvvm.maxnreg",
                b.getI32IntegerAttr(std::min<int64_t>(
                    255, 65536 / (threads * blocksPerSM) / 8 * 8)));
  // What the bundle writer needs to launch the kernel.
  func->setAttr("pq.params", b.getArrayAttr(names));
  func->setAttr("pq.grid", b.getDenseI64ArrayAttr(grid));
  func->setAttr("pq.block", b.getI64IntegerAttr(threads));
  func->setAttr("pq.smem", b.getI64IntegerAttr(smemBytes));

  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  for (auto [param, value] : llvm::zip(params, entry.getArguments())) {
    Value arg = value;
    if (param.type.isInteger(64) && param.id != KernelParam::Seed) {
      arg = arith::IndexCastOp::create(b, b.getIndexType(), value);
    }
    argSlot(args, param.id) = arg;
  }
  auto ret = gpu::ReturnOp::create(b);
  // The runtime rejects such calls; the guard keeps a bypassed check from
  // writing outside shared memory or the module's buffers.
  b.setInsertionPoint(ret);
  Value positive = arith::CmpIOp::create(
      b, arith::CmpIPredicate::sge, args.seqLen,
      arith::ConstantIndexOp::create(b, 1));
  Value bounded = arith::CmpIOp::create(
      b, arith::CmpIPredicate::sle, args.seqLen,
      arith::ConstantIndexOp::create(b, maxSeqLen));
  auto guard = scf::IfOp::create(b, arith::AndIOp::create(b, positive, bounded),
                                 /*withElseRegion=*/false);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());
  return func;
}

Value mlir::pq::isFullAttention(KernelBuilder &kb, const StepInfo &info,
                                const KernelArgs &args) {
  return kb.cmp(arith::CmpIPredicate::sle, args.seqLen,
                kb.idx(info.fullAttentionLimit()));
}

Value mlir::pq::firstRowOfGroup(KernelBuilder &kb, const StepShape &shape,
                                Value batch, Value kvHead) {
  return kb.add(kb.mul(batch, kb.idx(shape.heads)),
                kb.mul(kvHead, kb.idx(shape.group())));
}
