//===- PQAttrs.cpp - pq dialect attributes --------------------------------===//

#include "dialects/pq/PQDialect.h"

// The runtime's size limits: a step libpqrt would refuse to load never
// verifies.
#include "pqrt/pqrt_limits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::pq;

#include "dialects/pq/PQEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/pq/PQAttrs.cpp.inc"

void PQDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/pq/PQAttrs.cpp.inc"
      >();
}

LogicalResult StepAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               int64_t sink, int64_t window, int64_t heavy,
                               int64_t initOffset, int64_t bits,
                               Metric metric) {
  auto tokens = [&](StringRef name, int64_t value) -> LogicalResult {
    if (value >= 0 && value <= PQRT_MAX_TOKENS) {
      return success();
    }
    if (value < 0) {
      return emitError() << "step: " << name << " must be >= 0, got " << value;
    }
    return emitError() << "step: " << name << " must be at most "
                       << PQRT_MAX_TOKENS
                       << " (PQRT_MAX_TOKENS, the largest libpqrt loads), got "
                       << value;
  };
  if (failed(tokens("sink", sink)) || failed(tokens("window", window)) ||
      failed(tokens("heavy", heavy)) ||
      failed(tokens("init_offset", initOffset))) {
    return failure();
  }
  if (bits < 1 || bits > PQRT_MAX_BITS) {
    return emitError() << "step: bits must be in [1, " << PQRT_MAX_BITS
                       << "], got " << bits;
  }
  return success();
}

/// Parses the number of "sm_NN" or arch-specific "sm_NNa"; 0 when the name
/// has another form.
static int64_t smVersion(StringRef chip) {
  int64_t version = 0;
  if (!chip.consume_front("sm_")) {
    return 0;
  }
  chip.consume_back("a");
  if (chip.getAsInteger(10, version)) {
    return 0;
  }
  return version;
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef chip, int64_t sms, int64_t smem,
                                 int64_t maxThreads, bool clusters) {
  int64_t version = smVersion(chip);
  if (version < 80) {
    return emitError() << "target: chip must be sm_80 or newer (sm_NN), got '"
                       << chip << "'";
  }
  if (sms <= 0) {
    return emitError() << "target: sms must be > 0, got " << sms;
  }
  if (smem < 48 * 1024) {
    return emitError() << "target: smem must be >= 49152 bytes, got " << smem;
  }
  if (maxThreads < 32 || maxThreads > 1024 || maxThreads % 32 != 0) {
    return emitError()
           << "target: max_threads must be a multiple of 32 in [32, 1024], got "
           << maxThreads;
  }
  if (clusters && version < 90) {
    return emitError() << "target: clusters need sm_90 or newer, got '" << chip
                       << "'";
  }
  return success();
}

TargetAttr TargetAttr::getKnown(MLIRContext *context, StringRef chip) {
  struct Known {
    int64_t sms, smem;
    bool clusters;
  };
  // Representative data-center parts: A100, A10, L40S, H100 SXM.
  std::optional<Known> known =
      llvm::StringSwitch<std::optional<Known>>(chip)
          .Case("sm_80", Known{108, 166912, false})
          .Case("sm_86", Known{72, 101376, false})
          .Case("sm_89", Known{142, 101376, false})
          .Case("sm_90", Known{132, 232448, true})
          // sm_90's arch-specific features (wgmma): runs on sm_90 only.
          .Case("sm_90a", Known{132, 232448, true})
          .Default(std::nullopt);
  if (!known) {
    return {};
  }
  return TargetAttr::get(context, chip, known->sms, known->smem, 1024,
                         known->clusters);
}

StringRef TargetAttr::knownChips() {
  return "sm_80, sm_86, sm_89, sm_90, sm_90a";
}

LogicalResult TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 Strategy strategy, int64_t threads,
                                 int64_t ctasPerRow, int64_t maxSeqLen,
                                 int64_t smem, int64_t rowGroups) {
  if (threads < 32 || threads > 1024 || threads % 32 != 0) {
    return emitError()
           << "tiling: threads must be a multiple of 32 in [32, 1024], got "
           << threads;
  }
  if (ctasPerRow < 1) {
    return emitError() << "tiling: ctas_per_row must be >= 1, got "
                       << ctasPerRow;
  }
  if (strategy == Strategy::row && ctasPerRow != 1) {
    return emitError() << "tiling: strategy row needs ctas_per_row = 1, got "
                       << ctasPerRow;
  }
  if (strategy == Strategy::cluster && ctasPerRow > 16) {
    return emitError() << "tiling: strategy cluster needs ctas_per_row (the "
                          "cluster size) in [1, 16], got "
                       << ctasPerRow;
  }
  if (strategy == Strategy::cluster && threads != 256 && threads != 512) {
    return emitError() << "tiling: strategy cluster needs 256 or 512 threads "
                          "(two or one CTAs per SM), got "
                       << threads;
  }
  if (maxSeqLen < 1 || maxSeqLen > kMaxSeqLen) {
    return emitError() << "tiling: max_seq_len must be in [1, " << kMaxSeqLen
                       << "], got " << maxSeqLen;
  }
  if (smem < 0) {
    return emitError() << "tiling: smem must be >= 0, got " << smem;
  }
  if (rowGroups < 1) {
    return emitError() << "tiling: row_groups must be >= 1, got " << rowGroups;
  }
  if (rowGroups != 1 && strategy != Strategy::cluster) {
    return emitError() << "tiling: row_groups " << rowGroups
                       << " needs strategy cluster (row and split serve a "
                          "whole query group)";
  }
  return success();
}
