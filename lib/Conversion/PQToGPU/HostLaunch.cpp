//===- HostLaunch.cpp - Replace pq.indexer with its kernel launches -------===//
//
// The host side of a lowered step: operands flattened to the kernels' 1-D
// memrefs, the workspace of `split`, the gpu.launch_func ops in order and the
// step's result (the codebook count afterwards). The runtime does the same
// from the bundle manifest; this IR documents it and keeps the module valid.
//
//===----------------------------------------------------------------------===//

#include "HostLaunch.h"

#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::pq;

/// memref<AxBx...xT> -> memref<?xT'>, T' the kernel's element type.
static Value flatten(ImplicitLocOpBuilder &b, Value value, Type kernelType) {
  auto type = cast<MemRefType>(value.getType());
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    all.push_back(i);
  }
  Value flat = memref::CollapseShapeOp::create(
      b, value, ArrayRef<ReassociationIndices>{all});
  Value dynamic = memref::CastOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, type.getElementType()),
      flat);
  if (dynamic.getType() == kernelType) {
    return dynamic;
  }
  // ui8 codes are bytes to the kernel.
  return UnrealizedConversionCastOp::create(b, kernelType, dynamic)
      .getResult(0);
}

static Value dimOrConstant(ImplicitLocOpBuilder &b, Value memref,
                           int64_t dim) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.isDynamicDim(dim)) {
    return arith::ConstantIndexOp::create(b, type.getDimSize(dim));
  }
  return memref::DimOp::create(b, memref, dim);
}

/// One gpu.launch_func of `kernel` with its recorded geometry.
static void launch(ImplicitLocOpBuilder &b, gpu::GPUFuncOp kernel,
                   Value batch, ValueRange operands) {
  auto grid = kernel->getAttrOfType<DenseI64ArrayAttr>("pq.grid");
  int64_t threads =
      kernel->getAttrOfType<IntegerAttr>("pq.block").getInt();
  int64_t smem = kernel->getAttrOfType<IntegerAttr>("pq.smem").getInt();
  SmallVector<Value, 3> gridValues;
  for (int64_t extent : grid.asArrayRef()) {
    gridValues.push_back(extent < 0 ? batch
                                    : Value(arith::ConstantIndexOp::create(
                                          b, extent)));
  }
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value blockX = arith::ConstantIndexOp::create(b, threads);
  Value smemValue = arith::ConstantIntOp::create(b, smem, 32);
  std::optional<gpu::KernelDim3> cluster;
  if (auto size = kernel->getAttrOfType<IntegerAttr>("pq.cluster")) {
    cluster = gpu::KernelDim3{
        arith::ConstantIndexOp::create(b, size.getInt()), one, one};
  }
  gpu::LaunchFuncOp::create(
      b, kernel, gpu::KernelDim3{gridValues[0], gridValues[1], gridValues[2]},
      gpu::KernelDim3{blockX, one, one}, smemValue, operands,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{}, cluster);
}

void mlir::pq::replaceWithLaunches(IndexerOp op, const StepInfo &info,
                                   ArrayRef<gpu::GPUFuncOp> kernels,
                                   int64_t workspaceBytes) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto toI64 = [&](Value index) -> Value {
    return arith::IndexCastOp::create(b, b.getI64Type(), index);
  };
  Value batch = dimOrConstant(b, op.getQuery(), 0);
  Value workspace;
  if (int64_t bytes = workspaceBytes) {
    Value elements = arith::MulIOp::create(
        b, batch, arith::ConstantIndexOp::create(b, bytes / 4));
    workspace = memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
        ValueRange{elements});
  }
  unsigned codeRowDim = info.layout == Layout::compact ? 2 : 1;
  SmallVector<Value> operands;
  for (const ParamSpec &param : kernelParams(op.getContext(), info)) {
    Value value =
        llvm::StringSwitch<Value>(param.name)
            .Case("query", op.getQuery())
            .Case("key", op.getKey())
            .Case("centroids", op.getCentroids())
            .Case("phi", op.getPhi())
            .Case("codes", op.getCodes())
            .Case("sparse_list", op.getSparseList())
            .Case("sparse_len", op.getSparseLen())
            .Case("weight_list", op.getWeightList())
            .Default(Value());
    if (value) {
      operands.push_back(flatten(b, value, param.type));
      continue;
    }
    if (param.name == "workspace") {
      operands.push_back(workspace);
    } else if (param.name == "seq_len") {
      operands.push_back(toI64(op.getSeqLen()));
    } else if (param.name == "num_cached") {
      operands.push_back(toI64(op.getNumCached()));
    } else if (param.name == "key_capacity") {
      operands.push_back(toI64(op.getKey() ? dimOrConstant(b, op.getKey(), 2)
                                           : arith::ConstantIndexOp::create(
                                                 b, 0)));
    } else {
      operands.push_back(toI64(dimOrConstant(b, op.getCodes(), codeRowDim)));
    }
  }
  for (gpu::GPUFuncOp kernel : kernels) {
    launch(b, kernel, batch, operands);
  }
  if (workspace) {
    memref::DeallocOp::create(b, workspace);
  }

  // The count afterwards: n when keys were quantized, else unchanged; the
  // full-attention path quantizes nothing.
  Value result = op.getNumCached();
  if (info.quantize) {
    Value limit =
        arith::ConstantIndexOp::create(b, info.fullAttentionLimit());
    Value full = arith::CmpIOp::create(b, arith::CmpIPredicate::sle,
                                       op.getSeqLen(), limit);
    Value indexed = arith::SubIOp::create(
        b, op.getSeqLen(),
        arith::ConstantIndexOp::create(b, info.shape.initOffset));
    result = arith::SelectOp::create(b, full, op.getNumCached(), indexed);
  }
  op.getResult().replaceAllUsesWith(result);
  op.erase();
}

void mlir::pq::replaceWithBuildLaunches(KMeansOp op, const BuildInfo &info,
                                        ArrayRef<gpu::GPUFuncOp> kernels) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto toI64 = [&](Value index) -> Value {
    return arith::IndexCastOp::create(b, b.getI64Type(), index);
  };
  Value batch = dimOrConstant(b, op.getKey(), 0);
  // The kernels read f64 and i64 regions of it (16-byte aligned offsets).
  Value workspace = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
      ValueRange{arith::MulIOp::create(
          b, batch,
          arith::ConstantIndexOp::create(b, planBuildWorkspace(info).total))},
      b.getI64IntegerAttr(256));
  // The runtime rejects T outside [0, PQRT_MAX_KMEANS_ITER]; the IR form
  // clamps it, so the early-stop counters always cover every iteration.
  Value iters = arith::MinSIOp::create(
      b,
      arith::MaxSIOp::create(b, op.getIters(),
                             arith::ConstantIndexOp::create(b, 0)),
      arith::ConstantIndexOp::create(b, PQRT_MAX_KMEANS_ITER));
  // The IR form always has its initial indices; the runtime may pass none.
  Value iterations = memref::AllocOp::create(
      b, MemRefType::get({1}, b.getI64Type()), ValueRange{});
  unsigned codeRowDim = info.layout == Layout::compact ? 2 : 1;
  Value zero = arith::ConstantIndexOp::create(b, 0);
  auto operandsFor = [&](Value iteration) {
    SmallVector<Value> operands;
    for (const ParamSpec &param : buildParams(op.getContext(), info)) {
      Value value = llvm::StringSwitch<Value>(param.name)
                        .Case("key", op.getKey())
                        .Case("centroids", op.getCentroids())
                        .Case("phi", op.getPhi())
                        .Case("codes", op.getCodes())
                        .Case("initial", op.getInitial())
                        .Case("iterations", iterations)
                        .Default(Value());
      if (value) {
        operands.push_back(flatten(b, value, param.type));
      } else if (param.name == "workspace") {
        operands.push_back(workspace);
      } else if (param.name == "seq_len") {
        operands.push_back(toI64(op.getSeqLen()));
      } else if (param.name == "key_capacity") {
        operands.push_back(toI64(dimOrConstant(b, op.getKey(), 2)));
      } else if (param.name == "code_capacity") {
        operands.push_back(
            toI64(dimOrConstant(b, op.getCodes(), codeRowDim)));
      } else if (param.name == "seed") {
        operands.push_back(toI64(zero));
      } else if (param.name == "iteration") {
        operands.push_back(toI64(iteration));
      } else {
        operands.push_back(toI64(iters));
      }
    }
    return operands;
  };
  auto launchPhase = [&](StringRef phase, Value iteration) {
    SmallVector<Value> operands = operandsFor(iteration);
    for (gpu::GPUFuncOp kernel : kernels) {
      if (kernel->getAttrOfType<StringAttr>("pq.phase").getValue() == phase) {
        launch(b, kernel, batch, operands);
      }
    }
  };
  launchPhase("prologue", zero);
  auto loop =
      scf::ForOp::create(b, zero, iters, arith::ConstantIndexOp::create(b, 1));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    launchPhase("iteration", loop.getInductionVar());
  }
  launchPhase("epilogue", iters);
  memref::DeallocOp::create(b, iterations);
  memref::DeallocOp::create(b, workspace);
  op.getResult().replaceAllUsesWith(arith::SubIOp::create(
      b, op.getSeqLen(), arith::ConstantIndexOp::create(b, info.initOffset)));
  op.erase();
}
