//===- ModuleCache.h - One module per bundle image and device ---*- C++ -*-===//
//
// Indexers built from the same bundle on the same device share one CUmodule
// in the device's primary context. The cache holds weak references: the
// module is unloaded (and its hold on the primary context dropped) when the
// last indexer using it goes away, never from a static destructor.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_INDEXER_MODULECACHE_H
#define PQRT_LIB_INDEXER_MODULECACHE_H

#include "bundle/Bundle.h"
#include "driver/Driver.h"
#include "driver/PrimaryContext.h"

#include <memory>

namespace pqrt {
namespace indexer {

/// A module loaded in a device's primary context (held through the
/// process-wide PrimaryContext); unloads the module on destruction.
struct LoadedModule {
  const driver::CudaDriver *cuda = nullptr;
  std::shared_ptr<const driver::PrimaryContext> primary;
  CUcontext context = nullptr; // primary->context()
  CUmodule module = nullptr;

  LoadedModule() = default;
  LoadedModule(const LoadedModule &) = delete;
  LoadedModule &operator=(const LoadedModule &) = delete;
  ~LoadedModule();
};

/// The module for image `imageIndex` of `bundle` on device `ordinal`, loaded
/// at the first request and shared after (thread-safe). PTX is JIT-compiled;
/// a failure reports the JIT's error log.
Status acquireModule(const driver::CudaDriver &cuda,
                     const bundle::Bundle &bundle, size_t imageIndex,
                     int ordinal, std::shared_ptr<LoadedModule> &out);

} // namespace indexer
} // namespace pqrt

#endif // PQRT_LIB_INDEXER_MODULECACHE_H
