//===- KernelBuilder.h - Terse IR building for pq kernels -------*- C++ -*-===//
//
// The kernels are written as IR-building C++; these helpers keep that code
// close to the pseudo-code it implements: index/i32/f32 arithmetic, loops,
// conditionals, thread geometry and warp/CTA primitives.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_PQTOGPU_KERNELBUILDER_H
#define LIB_CONVERSION_PQTOGPU_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::pq {

class KernelBuilder {
public:
  KernelBuilder(ImplicitLocOpBuilder &builder, int64_t threads)
      : b(builder), threads(threads) {}

  ImplicitLocOpBuilder &b;
  /// Threads per CTA (x only).
  const int64_t threads;

  // Constants.
  Value idx(int64_t value);
  Value i32(int64_t value);
  Value f32(float value);
  Value f64(double value);
  Value boolean(bool value);
  Value constant(Type type, double value);

  // Integer arithmetic on index or i32 values; mixing them gives index.
  Value add(Value lhs, Value rhs);
  Value sub(Value lhs, Value rhs);
  Value mul(Value lhs, Value rhs);
  Value divu(Value lhs, Value rhs);
  Value remu(Value lhs, Value rhs);
  Value minu(Value lhs, Value rhs);
  Value maxs(Value lhs, Value rhs);
  Value shl(Value lhs, Value rhs);
  Value shru(Value lhs, Value rhs);
  Value bitAnd(Value lhs, Value rhs);
  Value bitOr(Value lhs, Value rhs);
  Value bitXor(Value lhs, Value rhs);
  Value cmp(arith::CmpIPredicate predicate, Value lhs, Value rhs);
  Value select(Value condition, Value onTrue, Value onFalse);
  Value andI1(Value lhs, Value rhs);
  Value orI1(Value lhs, Value rhs);
  Value notI1(Value value);
  /// index <-> i32 / i64 casts.
  Value toIndex(Value value);
  Value toI32(Value value);

  // Float arithmetic; no fusion, so results round like the CPU reference.
  Value addf(Value lhs, Value rhs);
  Value subf(Value lhs, Value rhs);
  Value mulf(Value lhs, Value rhs);
  Value cmpf(arith::CmpFPredicate predicate, Value lhs, Value rhs);
  /// IEEE maxNum/minNum (llvm.maxnum, PTX max.f32/min.f32): a NaN operand
  /// loses to the other, so one instruction both clamps and drops NaN.
  Value maxnumf(Value lhs, Value rhs);
  Value minnumf(Value lhs, Value rhs);
  /// Any float to f32 (exact for bf16/f16).
  Value toF32(Value value);
  /// An f32 to f64 (exact).
  Value toF64(Value value);
  /// sqrt(x) of an f32 or f64, correctly rounded (sqrt.rn, like the
  /// reference's std::sqrt; math.sqrt would become libdevice's __nv_sqrtf:
  /// the CUDA toolkit at compile time, approximate rounding).
  Value sqrtRn(Value x);
  /// a * b + c rounded once (fma.rn): for sums whose rounding need not
  /// match the reference's (the build's distance products).
  Value fma(Value a, Value b, Value c);

  // Memory.
  Value load(Value memref, Value index);
  void store(Value value, Value memref, Value index);
  /// `type` elements from memref[index] as one load of known `alignment`
  /// bytes (a 16-byte alignment makes it one 128-bit access).
  Value loadVector(VectorType type, Value memref, Value index,
                   int64_t alignment);
  /// Stores `values` to memref[index...] as one access of `alignment` bytes.
  void storeVector(ValueRange values, Value memref, Value index,
                   int64_t alignment);
  /// i1: whether the data of a flat memref starts at a multiple of `bytes`.
  Value isAligned(Value memref, int64_t bytes);
  /// The CTA's dynamic shared memory as bytes (for sharedView).
  Value dynamicShared();
  /// Typed view of `bytes` at `offset` of the dynamic shared memory.
  Value sharedView(Value dynamicShared, int64_t offset, int64_t elements,
                   Type elementType);
  /// Integer atomic add into shared or global memory.
  void atomicAdd(Value value, Value memref, Value index);

  // Control flow.
  void forLoop(Value lower, Value upper, Value step,
               function_ref<void(Value)> body);
  SmallVector<Value> forLoop(Value lower, Value upper, Value step,
                             ValueRange inits,
                             function_ref<SmallVector<Value>(Value, ValueRange)>
                                 body);
  /// A loop LLVM must not unroll: copies of a register-heavy body would
  /// crowd ptxas's scheduler into spilling.
  void forLoopRolled(Value lower, Value upper, Value step,
                     function_ref<void(Value)> body);
  /// Runs `body(t0, width, acc)` over [0, count) in chunks of `width` (the
  /// largest divisor of count up to maxWidth): straight-line code when one
  /// chunk covers everything, else a loop. A body that loads its chunk before
  /// using it keeps `width` loads in flight (a plain loop over t waits for
  /// one load's latency per element).
  SmallVector<Value>
  forChunks(int64_t count, int64_t maxWidth, ValueRange inits,
            function_ref<SmallVector<Value>(Value, int64_t, ValueRange)> body);
  /// for (i = tid; i < upper; i += threads)
  void forEachThread(Value upper, function_ref<void(Value)> body);
  void ifThen(Value condition, function_ref<void()> body);
  SmallVector<Value> ifThenElse(Value condition, TypeRange types,
                                function_ref<SmallVector<Value>()> thenBody,
                                function_ref<SmallVector<Value>()> elseBody);

  // Geometry and synchronisation.
  Value threadId();
  Value blockId(gpu::Dimension dim);
  Value laneId();
  Value warpId();
  void barrier();
  /// bar.warp.sync over the whole warp: orders the lanes' shared-memory
  /// accesses around it.
  void warpSync();

  // Thread-block clusters (sm_90). Every thread of every CTA of the cluster
  // must reach each arrive and wait.
  /// This CTA's rank in its cluster (index).
  Value clusterRank();
  /// barrier.cluster.arrive (release): this CTA's earlier memory accesses,
  /// shared or global, are visible to peers after their wait.
  void clusterArrive();
  /// barrier.cluster.wait (acquire).
  void clusterWait();
  void clusterBarrier() {
    clusterArrive();
    clusterWait();
  }
  /// The copy of shared i32 view `view` held by CTA `rank` of the cluster
  /// (an !llvm.ptr<7> to its first element), for loadPeer/atomicAddPeer.
  Value peerView(Value view, Value rank);
  Value loadPeer(Value peer, Value index);
  /// Stores an i32 or f32 into a peer's shared memory.
  void storePeer(Value value, Value peer, Value index);
  /// Atomic add into a peer's shared memory; returns the old value.
  Value atomicAddPeer(Value value, Value peer, Value index);

  // Warp primitives on i32/f32 values.
  Value shuffleXor(Value value, int32_t offset);
  Value shuffleUp(Value value, int32_t offset);
  Value shuffleIdx(Value value, int32_t lane);
  /// Mask of the lanes whose i32 `value` equals this lane's (match.any).
  /// Every lane of the warp must execute it.
  Value matchAny(Value value);
  /// Bit l set when lane l's i1 `pred` holds (vote.sync.ballot). Every lane
  /// of the warp must execute it.
  Value ballot(Value pred);
  /// i1: whether `pred` holds on any lane of the warp (vote.sync.any).
  Value anyLane(Value pred);
  /// Number of set bits of an i32.
  Value popCount(Value value);
  /// Inclusive prefix sum of an i32 over the lanes of a warp.
  Value warpInclusiveSum(Value value);
  /// Exclusive prefix sum of an i32 over the CTA, in thread order; also
  /// returns the CTA total. `scratch` holds threads/32 i32. Barriers inside.
  std::pair<Value, Value> blockExclusiveSum(Value value, Value scratch);

private:
  scf::ForOp makeLoop(Value lower, Value upper, Value step, ValueRange inits,
                      function_ref<SmallVector<Value>(Value, ValueRange)> body);
  Value binary(Value lhs, Value rhs, function_ref<Value(Value, Value)> make);
};

} // namespace mlir::pq

#endif // LIB_CONVERSION_PQTOGPU_KERNELBUILDER_H
