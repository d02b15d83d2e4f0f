//===- KernelBuilder.cpp - Terse IR building for pq kernels ---------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::pq;

Value KernelBuilder::idx(int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value KernelBuilder::i32(int64_t value) {
  // Accept both signed and unsigned spellings of a 32-bit pattern.
  int32_t bits = static_cast<int32_t>(static_cast<uint32_t>(value));
  return arith::ConstantIntOp::create(b, bits, 32);
}

Value KernelBuilder::f32(float value) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(value));
}

Value KernelBuilder::f64(double value) {
  return arith::ConstantFloatOp::create(b, b.getF64Type(), APFloat(value));
}

Value KernelBuilder::boolean(bool value) {
  return arith::ConstantIntOp::create(b, value ? 1 : 0, 1);
}

Value KernelBuilder::notI1(Value value) {
  return arith::XOrIOp::create(b, value, boolean(true));
}

Value KernelBuilder::constant(Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type)) {
    APFloat apValue(value);
    bool losesInfo = false;
    apValue.convert(floatType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &losesInfo);
    return arith::ConstantFloatOp::create(b, floatType, apValue);
  }
  if (type.isIndex()) {
    return idx(static_cast<int64_t>(value));
  }
  return arith::ConstantIntOp::create(b, type, static_cast<int64_t>(value));
}

Value KernelBuilder::binary(Value lhs, Value rhs,
                            function_ref<Value(Value, Value)> make) {
  // Mixed index/i32 operands compute in index: addresses are index values.
  if (lhs.getType() != rhs.getType() &&
      (lhs.getType().isIndex() || rhs.getType().isIndex())) {
    lhs = toIndex(lhs);
    rhs = toIndex(rhs);
  }
  return make(lhs, rhs);
}

#define PQ_BINARY(NAME, OP)                                                    \
  Value KernelBuilder::NAME(Value lhs, Value rhs) {                            \
    return binary(lhs, rhs,                                                    \
                  [&](Value l, Value r) { return OP::create(b, l, r); });      \
  }
PQ_BINARY(add, arith::AddIOp)
PQ_BINARY(sub, arith::SubIOp)
PQ_BINARY(mul, arith::MulIOp)
PQ_BINARY(divu, arith::DivUIOp)
PQ_BINARY(remu, arith::RemUIOp)
PQ_BINARY(minu, arith::MinUIOp)
PQ_BINARY(maxs, arith::MaxSIOp)
PQ_BINARY(shl, arith::ShLIOp)
PQ_BINARY(shru, arith::ShRUIOp)
PQ_BINARY(bitAnd, arith::AndIOp)
PQ_BINARY(bitOr, arith::OrIOp)
PQ_BINARY(bitXor, arith::XOrIOp)
PQ_BINARY(andI1, arith::AndIOp)
PQ_BINARY(orI1, arith::OrIOp)
PQ_BINARY(addf, arith::AddFOp)
PQ_BINARY(subf, arith::SubFOp)
PQ_BINARY(mulf, arith::MulFOp)
#undef PQ_BINARY

Value KernelBuilder::cmp(arith::CmpIPredicate predicate, Value lhs,
                         Value rhs) {
  return arith::CmpIOp::create(b, predicate, lhs, rhs);
}

Value KernelBuilder::cmpf(arith::CmpFPredicate predicate, Value lhs,
                          Value rhs) {
  return arith::CmpFOp::create(b, predicate, lhs, rhs);
}

// The LLVM intrinsics, not arith.maxnumf: that one lowers to libdevice's
// __nv_fmaxf, unresolved when no toolkit is found at compile time.
Value KernelBuilder::maxnumf(Value lhs, Value rhs) {
  return LLVM::MaxNumOp::create(b, lhs, rhs);
}

Value KernelBuilder::minnumf(Value lhs, Value rhs) {
  return LLVM::MinNumOp::create(b, lhs, rhs);
}

Value KernelBuilder::select(Value condition, Value onTrue, Value onFalse) {
  return arith::SelectOp::create(b, condition, onTrue, onFalse);
}

Value KernelBuilder::toIndex(Value value) {
  if (value.getType().isIndex()) {
    return value;
  }
  return arith::IndexCastOp::create(b, b.getIndexType(), value);
}

Value KernelBuilder::toI32(Value value) {
  Type type = value.getType();
  if (type.isInteger(32)) {
    return value;
  }
  if (type.isIndex()) {
    return arith::IndexCastOp::create(b, b.getI32Type(), value);
  }
  return arith::TruncIOp::create(b, b.getI32Type(), value);
}

Value KernelBuilder::toF32(Value value) {
  if (value.getType().isF32()) {
    return value;
  }
  return arith::ExtFOp::create(b, b.getF32Type(), value);
}

Value KernelBuilder::toF64(Value value) {
  return arith::ExtFOp::create(b, b.getF64Type(), value);
}

Value KernelBuilder::sqrtRn(Value x) {
  const char *name =
      x.getType().isF64() ? "llvm.nvvm.sqrt.rn.d" : "llvm.nvvm.sqrt.rn.f";
  return LLVM::CallIntrinsicOp::create(b, x.getType(), b.getStringAttr(name),
                                       ValueRange{x})
      .getResult(0);
}

Value KernelBuilder::fma(Value a, Value bValue, Value c) {
  return LLVM::FMAOp::create(b, a, bValue, c);
}

Value KernelBuilder::load(Value memref, Value index) {
  return memref::LoadOp::create(b, memref, ValueRange{toIndex(index)});
}

void KernelBuilder::store(Value value, Value memref, Value index) {
  memref::StoreOp::create(b, value, memref, ValueRange{toIndex(index)});
}

Value KernelBuilder::loadVector(VectorType type, Value memref, Value index,
                                int64_t alignment) {
  return vector::LoadOp::create(b, type, memref, ValueRange{toIndex(index)},
                                /*nontemporal=*/false,
                                llvm::MaybeAlign(alignment));
}

void KernelBuilder::storeVector(ValueRange values, Value memref, Value index,
                                int64_t alignment) {
  auto type = VectorType::get({int64_t(values.size())}, values[0].getType());
  Value vector = vector::FromElementsOp::create(b, type, values);
  vector::StoreOp::create(b, vector, memref, ValueRange{toIndex(index)},
                          /*nontemporal=*/false, llvm::MaybeAlign(alignment));
}

Value KernelBuilder::isAligned(Value memref, int64_t bytes) {
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, memref);
  return cmp(arith::CmpIPredicate::eq, remu(address, idx(bytes)), idx(0));
}

Value KernelBuilder::dynamicShared() {
  auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                          gpu::AddressSpace::Workgroup);
  return gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                         MemRefLayoutAttrInterface{}, space));
}

Value KernelBuilder::sharedView(Value dynamicShared, int64_t offset,
                                int64_t elements, Type elementType) {
  auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                          gpu::AddressSpace::Workgroup);
  auto type = MemRefType::get({std::max<int64_t>(elements, 1)}, elementType,
                              MemRefLayoutAttrInterface{}, space);
  return memref::ViewOp::create(b, type, dynamicShared, idx(offset),
                                ValueRange{});
}

void KernelBuilder::atomicAdd(Value value, Value memref, Value index) {
  memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi, value, memref,
                              ValueRange{toIndex(index)});
}

void KernelBuilder::forLoop(Value lower, Value upper, Value step,
                            function_ref<void(Value)> body) {
  forLoop(lower, upper, step, ValueRange{},
          [&](Value iv, ValueRange) -> SmallVector<Value> {
            body(iv);
            return {};
          });
}

SmallVector<Value>
KernelBuilder::forLoop(Value lower, Value upper, Value step, ValueRange inits,
                       function_ref<SmallVector<Value>(Value, ValueRange)>
                           body) {
  return SmallVector<Value>(
      makeLoop(lower, upper, step, inits, body).getResults());
}

scf::ForOp KernelBuilder::makeLoop(
    Value lower, Value upper, Value step, ValueRange inits,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  return scf::ForOp::create(
      b, toIndex(lower), toIndex(upper), toIndex(step), inits,
      [&](OpBuilder &nested, Location, Value iv, ValueRange args) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        SmallVector<Value> yields = body(iv, args);
        scf::YieldOp::create(b, yields);
      });
}

void KernelBuilder::forLoopRolled(Value lower, Value upper, Value step,
                                  function_ref<void(Value)> body) {
  scf::ForOp loop =
      makeLoop(lower, upper, step, ValueRange{},
               [&](Value iv, ValueRange) -> SmallVector<Value> {
                 body(iv);
                 return {};
               });
  // scf-to-cf carries the loop's attributes to its back edge, where they
  // become llvm.loop metadata that LLVM's unroller obeys.
  MLIRContext *context = b.getContext();
  auto unroll = LLVM::LoopUnrollAttr::get(
      context, /*disable=*/b.getBoolAttr(true), /*count=*/{},
      /*runtimeDisable=*/{}, /*full=*/{}, /*followupUnrolled=*/{},
      /*followupRemainder=*/{}, /*followupAll=*/{});
  auto annotation = LLVM::LoopAnnotationAttr::get(
      context, /*disableNonforced=*/{}, /*vectorize=*/{}, /*interleave=*/{},
      unroll, /*unrollAndJam=*/{}, /*licm=*/{}, /*distribute=*/{},
      /*pipeline=*/{}, /*peeled=*/{}, /*unswitch=*/{}, /*mustProgress=*/{},
      /*isVectorized=*/{}, /*startLoc=*/{}, /*endLoc=*/{},
      /*parallelAccesses=*/{});
  loop->setAttr("loop_annotation", annotation);
}

SmallVector<Value> KernelBuilder::forChunks(
    int64_t count, int64_t maxWidth, ValueRange inits,
    function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> body) {
  int64_t width = std::min(count, maxWidth);
  while (count % width != 0) {
    --width;
  }
  if (width == count) {
    return body(idx(0), width, inits);
  }
  return forLoop(idx(0), idx(count), idx(width), inits,
                 [&](Value t0, ValueRange acc) -> SmallVector<Value> {
                   return body(t0, width, acc);
                 });
}

void KernelBuilder::forEachThread(Value upper, function_ref<void(Value)> body) {
  forLoop(threadId(), upper, idx(threads), body);
}

void KernelBuilder::ifThen(Value condition, function_ref<void()> body) {
  ifThenElse(
      condition, TypeRange{},
      [&]() -> SmallVector<Value> {
        body();
        return {};
      },
      nullptr);
}

SmallVector<Value>
KernelBuilder::ifThenElse(Value condition, TypeRange types,
                          function_ref<SmallVector<Value>()> thenBody,
                          function_ref<SmallVector<Value>()> elseBody) {
  auto makeRegion = [&](function_ref<SmallVector<Value>()> fill) {
    return [&, fill](OpBuilder &nested, Location) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(nested.getInsertionBlock(),
                          nested.getInsertionPoint());
      scf::YieldOp::create(b, fill());
    };
  };
  scf::IfOp op;
  if (elseBody) {
    op = scf::IfOp::create(b, condition, makeRegion(thenBody),
                           makeRegion(elseBody));
  } else {
    op = scf::IfOp::create(b, condition, makeRegion(thenBody));
  }
  assert(op.getNumResults() == types.size() && "if result count");
  return SmallVector<Value>(op.getResults());
}

Value KernelBuilder::threadId() {
  return gpu::ThreadIdOp::create(b, gpu::Dimension::x);
}

Value KernelBuilder::blockId(gpu::Dimension dim) {
  return gpu::BlockIdOp::create(b, dim);
}

Value KernelBuilder::laneId() { return remu(threadId(), idx(32)); }

Value KernelBuilder::warpId() { return divu(threadId(), idx(32)); }

void KernelBuilder::barrier() { gpu::BarrierOp::create(b); }

void KernelBuilder::warpSync() { NVVM::SyncWarpOp::create(b, i32(-1)); }

Value KernelBuilder::clusterRank() {
  return toIndex(NVVM::ClusterId::create(b, b.getI32Type()));
}

void KernelBuilder::clusterArrive() { NVVM::ClusterArriveOp::create(b, UnitAttr()); }

void KernelBuilder::clusterWait() { NVVM::ClusterWaitOp::create(b, UnitAttr()); }

Value KernelBuilder::peerView(Value view, Value rank) {
  // The shared-window address of the view, then mapa into the peer's.
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, view);
  Value bits = arith::IndexCastOp::create(b, b.getI64Type(), address);
  auto shared = LLVM::LLVMPointerType::get(b.getContext(), 3);
  auto cluster = LLVM::LLVMPointerType::get(b.getContext(), 7);
  Value local = LLVM::IntToPtrOp::create(b, shared, bits);
  return NVVM::MapaOp::create(b, cluster, local, toI32(rank));
}

/// &peer[index] for an i32 view mapped by peerView.
static Value peerElement(KernelBuilder &kb, Value peer, Value index) {
  Value offset =
      arith::IndexCastOp::create(kb.b, kb.b.getI64Type(), kb.toIndex(index));
  return LLVM::GEPOp::create(kb.b, peer.getType(), kb.b.getI32Type(), peer,
                             ValueRange{offset});
}

Value KernelBuilder::loadPeer(Value peer, Value index) {
  return LLVM::LoadOp::create(b, b.getI32Type(), peerElement(*this, peer, index));
}

void KernelBuilder::storePeer(Value value, Value peer, Value index) {
  if (value.getType().isF32()) {
    value = arith::BitcastOp::create(b, b.getI32Type(), value);
  }
  LLVM::StoreOp::create(b, value, peerElement(*this, peer, index));
}

Value KernelBuilder::atomicAddPeer(Value value, Value peer, Value index) {
  return LLVM::AtomicRMWOp::create(b, LLVM::AtomicBinOp::add,
                                   peerElement(*this, peer, index), toI32(value),
                                   LLVM::AtomicOrdering::monotonic);
}

Value KernelBuilder::shuffleXor(Value value, int32_t offset) {
  return gpu::ShuffleOp::create(b, value, offset, 32, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

Value KernelBuilder::shuffleUp(Value value, int32_t offset) {
  return gpu::ShuffleOp::create(b, value, offset, 32, gpu::ShuffleMode::UP)
      .getShuffleResult();
}

Value KernelBuilder::shuffleIdx(Value value, int32_t lane) {
  return gpu::ShuffleOp::create(b, value, lane, 32, gpu::ShuffleMode::IDX)
      .getShuffleResult();
}

Value KernelBuilder::matchAny(Value value) {
  auto kind = NVVM::MatchSyncKindAttr::get(b.getContext(),
                                           NVVM::MatchSyncKind::any);
  return NVVM::MatchSyncOp::create(b, b.getI32Type(), i32(-1), value, kind);
}

Value KernelBuilder::ballot(Value pred) {
  return NVVM::VoteSyncOp::create(b, b.getI32Type(), i32(-1), pred,
                                  NVVM::VoteSyncKind::ballot);
}

Value KernelBuilder::anyLane(Value pred) {
  return NVVM::VoteSyncOp::create(b, b.getI1Type(), i32(-1), pred,
                                  NVVM::VoteSyncKind::any);
}

Value KernelBuilder::popCount(Value value) {
  return LLVM::CtPopOp::create(b, value);
}

Value KernelBuilder::warpInclusiveSum(Value value) {
  Value lane = laneId();
  for (int32_t offset = 1; offset < 32; offset *= 2) {
    Value other = shuffleUp(value, offset);
    Value take = cmp(arith::CmpIPredicate::uge, lane, idx(offset));
    value = select(take, add(value, other), value);
  }
  return value;
}

std::pair<Value, Value> KernelBuilder::blockExclusiveSum(Value value,
                                                         Value scratch) {
  const int64_t warps = threads / 32;
  Value lane = laneId();
  Value warp = warpId();
  Value inclusive = warpInclusiveSum(value);
  ifThen(cmp(arith::CmpIPredicate::eq, lane, idx(31)),
         [&] { store(inclusive, scratch, warp); });
  barrier();
  ifThen(cmp(arith::CmpIPredicate::eq, warp, idx(0)), [&] {
    // Lanes past the last warp must not touch the scratch at all: lane 0
    // rewrites its slot below (racecheck flags even a shuffle-ordered read).
    Value inRange = cmp(arith::CmpIPredicate::ult, lane, idx(warps));
    Value total = ifThenElse(
        inRange, TypeRange{b.getI32Type()},
        [&]() -> SmallVector<Value> { return {load(scratch, lane)}; },
        [&]() -> SmallVector<Value> { return {i32(0)}; })[0];
    Value running = warpInclusiveSum(total);
    ifThen(inRange, [&] { store(sub(running, total), scratch, lane); });
    ifThen(cmp(arith::CmpIPredicate::eq, lane, idx(31)),
           [&] { store(running, scratch, idx(warps)); });
  });
  barrier();
  Value exclusive = add(load(scratch, warp), sub(inclusive, value));
  Value sum = load(scratch, idx(warps));
  // The next scan rewrites the scratch; nobody may still be reading it.
  barrier();
  return {exclusive, sum};
}
