//===- Context.h - Making a context current for a scope ---------*- C++ -*-===//
//
// Every driver call of libpqrt runs inside the device's primary context,
// pushed for the call and popped after, so the caller's current context is
// left as it was.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_INDEXER_CONTEXT_H
#define PQRT_LIB_INDEXER_CONTEXT_H

#include "driver/Driver.h"

namespace pqrt {
namespace indexer {

class ScopedContext {
public:
  ScopedContext(const driver::CudaDriver &cuda, CUcontext context)
      : cuda(cuda),
        status(driver::checkCuda(cuda, cuda.cuCtxPushCurrent_v2(context),
                                 "cuCtxPushCurrent")) {}
  ~ScopedContext() {
    if (status.ok()) {
      CUcontext popped = nullptr;
      cuda.cuCtxPopCurrent_v2(&popped);
    }
  }
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;

  /// Ok when the context was pushed.
  const Status &getStatus() const { return status; }

private:
  const driver::CudaDriver &cuda;
  Status status;
};

} // namespace indexer
} // namespace pqrt

#endif // PQRT_LIB_INDEXER_CONTEXT_H
