//===- Bundle.h - Write .pqmod module bundles -------------------*- C++ -*-===//
//
// docs/BUNDLE.md: a manifest (built with llvm::json from the kernels'
// pq.* attributes) followed by the device images.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TARGET_BUNDLE_H
#define PQ_TARGET_BUNDLE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace mlir::pq {

/// One device image of a bundle.
struct DeviceImage {
  std::string arch;   // sm_80, ...
  std::string format; // ptx or cubin
  std::string bytes;
};

/// Builds the manifest of the (single) lowered step in `module`, which must
/// hold the gpu.module written by convert-pq-to-gpu. Images and the content
/// hash are filled in by writeBundle.
FailureOr<llvm::json::Object> buildManifest(ModuleOp module);

/// Serialises manifest + images into the bytes of a .pqmod file.
std::string writeBundle(llvm::json::Object manifest,
                        const std::vector<DeviceImage> &images);

/// FNV-1a 64 of `bytes`, as "fnv1a64:<16 hex digits>".
std::string contentHash(llvm::StringRef bytes);

} // namespace mlir::pq

#endif // PQ_TARGET_BUNDLE_H
