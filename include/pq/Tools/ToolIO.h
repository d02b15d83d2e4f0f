//===- ToolIO.h - Input and output checks shared by pq's tools --*- C++ -*-===//
//
// What pq-opt and pq-compile check around MLIR's own reading and writing:
// absurdly nested input is refused before MLIR's recursive-descent parser
// would overflow the stack, and a failed write is a diagnostic instead of
// LLVM's fatal "IO failure on output stream".
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TOOLS_TOOLIO_H
#define PQ_TOOLS_TOOLIO_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

namespace mlir::pq {

/// Deepest bracket nesting accepted. No pq program nests more than a
/// handful of levels; MLIR's parser runs out of an 8 MiB stack at a few
/// thousand (nested modules) to a few ten thousand (array attributes).
constexpr unsigned kMaxInputNesting = 256;

/// Scans `input` for `{ ( [ <` nested deeper than kMaxInputNesting (outside
/// strings and comments; `->`, `>=` and `<=` are not brackets) and reports
/// the first such place as "file:line:col: error: ...". Nothing is parsed.
LogicalResult checkInputNesting(const llvm::MemoryBuffer &input);

/// Flushes and closes `output` and keeps the file when every write
/// succeeded. Otherwise prints "<tool>: error: cannot write '<file>':
/// <reason>", clears the stream's error (so LLVM does not abort on it) and
/// lets the file be removed.
LogicalResult finishOutput(llvm::ToolOutputFile &output, StringRef tool);

/// The same for llvm::outs() (what pq-compile --print-pipeline writes).
LogicalResult finishStdout(StringRef tool);

} // namespace mlir::pq

#endif // PQ_TOOLS_TOOLIO_H
