//===- Ptxas.h - Assemble PTX with the CUDA toolkit's ptxas -----*- C++ -*-===//

#ifndef PQ_TARGET_PTXAS_H
#define PQ_TARGET_PTXAS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace mlir::pq {

/// ptxas from `hint`, else $CUDA_PATH/bin, PATH, /usr/local/cuda/bin.
std::optional<std::string> findPtxas(llvm::StringRef hint = "");

struct PtxasResult {
  std::string cubin;
  std::string log;         // ptxas -v output
  int64_t spillBytes = 0;  // spill stores + loads over every function
};

/// Assembles `ptx` for `arch` (-O3 -v); an error carries ptxas's messages.
llvm::Expected<PtxasResult> runPtxas(llvm::StringRef ptxas,
                                     llvm::StringRef ptx,
                                     llvm::StringRef arch);

} // namespace mlir::pq

#endif // PQ_TARGET_PTXAS_H
