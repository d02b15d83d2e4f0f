//===- ValidateStep.cpp - Checks of one step's arguments ------------------===//
//
// Everything a step reads or writes is checked here, before the first write,
// so a rejected call leaves outputs, codebook and numCached untouched.
// Inputs are required only on the path that reads them: the full-attention
// path reads no input at all, and the key cache is needed only when there are
// keys to quantize.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "pqrt/Layout.h"

#include "pqrt/pqrt_limits.h"

#include <cstdint>
#include <limits>
#include <string>

namespace pqrt {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

Status missing(const char *name, const std::string &expected) {
  return Status::invalid(std::string(name) + ": is null; expected " + expected);
}

std::string nText(const StepConfig &c, int64_t seqLen) {
  return "n = sk - init_offset = " + str(detail::indexedKeys(c, seqLen));
}

/// Checks that can be made without dereferencing anything, the size of
/// every buffer included.
Status validateCommon(const StepConfig &config, const StepArgs &args) {
  Status status = validateConfig(config);
  if (status.ok()) {
    status = validateSeqLen(args.seqLen);
  }
  if (!status.ok()) {
    return status;
  }
  if (args.queryLen != 1) {
    return Status::invalid("query: sq " + str(args.queryLen) +
                           " is not supported; expected sq = 1 (one query "
                           "token per step)");
  }
  BufferElements elements;
  return stepBufferElements(config, args.seqLen, elements);
}

Status validateCodes(const StepConfig &c, const void *codebook,
                     int64_t filled) {
  ElementType type = codeType(c);
  int64_t limit = c.centroids();
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t j = 0; j < filled; ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          int64_t code = loadInt(type, codebook, codeOffset(c, b, j, kv, s));
          if (code < 0 || code >= limit) {
            return Status::invalid("codebook: code " + str(code) + " at b " +
                                   str(b) + ", row " + str(j) + ", kv head " +
                                   str(kv) + ", subspace " + str(s) +
                                   " is outside [0, " + str(limit) + ")");
          }
        }
      }
    }
  }
  return Status::success();
}

} // namespace

Status validateSeqLen(int64_t seqLen) {
  if (seqLen < 1) {
    return Status::invalid("seq_len: sk " + str(seqLen) +
                           " must be at least 1");
  }
  if (seqLen > PQRT_MAX_TOKENS) {
    return Status::invalid("seq_len: sk " + str(seqLen) + " must be at most " +
                           str(PQRT_MAX_TOKENS) + " (PQRT_MAX_TOKENS)");
  }
  return Status::success();
}

namespace detail {

Status validateScoringInputs(const StepConfig &config, const StepArgs &args,
                             int64_t n, int64_t filled) {
  if (!args.query) {
    return missing("query", "[b, h, 1, d] " +
                                std::string(elementTypeName(config.queryType)));
  }
  if (!args.centroids) {
    return missing("centroids",
                   "[b, h_kv, S, C, ds'] " +
                       std::string(elementTypeName(config.centroidType)));
  }
  if (!args.codebook) {
    return missing("codebook", std::string(layoutName(config.layout)) +
                                   " layout with code_capacity rows");
  }
  if (config.codeCapacity < n) {
    return Status::invalid("codebook: code_capacity " +
                           str(config.codeCapacity) + " is less than " +
                           nText(config, n + config.initOffset));
  }
  return validateCodes(config, args.codebook, filled);
}

} // namespace detail

Status validateStep(const StepConfig &config, const StepArgs &args) {
  Status status = validateCommon(config, args);
  if (!status.ok()) {
    return status;
  }
  int64_t sk = args.seqLen;
  if (!args.sparseList) {
    return missing("sparse_list",
                   "[b, h, total] " +
                       std::string(elementTypeName(config.indexType)));
  }
  if (!args.sparseLen) {
    return missing("sparse_len", "[b, h] i64");
  }
  if (!args.weightList) {
    return missing("weight_list", "[b, h, sk] " + std::string(elementTypeName(
                                                      config.weightType)));
  }
  if (config.indexType == ElementType::I32 &&
      sk > std::numeric_limits<int32_t>::max()) {
    return Status::invalid("index_type: i32 cannot hold positions of sk " +
                           str(sk) + "; use i64");
  }
  if (isFullAttention(config, sk)) {
    return Status::success();
  }
  if (!args.numCached) {
    return missing("num_cached", "a pointer to n_cached");
  }
  int64_t n = sk - config.initOffset;
  int64_t filled = *args.numCached;
  if (filled < 0) {
    return Status::invalid("num_cached: n_cached " + str(filled) +
                           " must be at least 0");
  }
  if (filled > n) {
    return Status::invalid("num_cached: n_cached " + str(filled) + " exceeds " +
                           nText(config, sk));
  }
  if (config.metric == Metric::InnerProduct && !args.phi) {
    return missing("phi", "ip2l2_phi [b * h_kv * S] f32 for metric ip");
  }
  if (filled < n) {
    if (!args.key) {
      return missing("key", "[b, h_kv, key_capacity, d] " +
                                std::string(elementTypeName(config.queryType)) +
                                " with keys to quantize");
    }
    if (config.keyCapacity < sk) {
      return Status::invalid("key: key_capacity " + str(config.keyCapacity) +
                             " is less than sk " + str(sk));
    }
  }
  return detail::validateScoringInputs(config, args, n, filled);
}

namespace detail {

Status validateScoreArgs(const StepConfig &config, const StepArgs &args) {
  Status status = validateCommon(config, args);
  if (!status.ok()) {
    return status;
  }
  if (!args.numCached) {
    return missing("num_cached", "a pointer to n_cached");
  }
  int64_t n = detail::indexedKeys(config, args.seqLen);
  if (*args.numCached != n) {
    return Status::invalid("num_cached: n_cached " + str(*args.numCached) +
                           " is not " + nText(config, args.seqLen) +
                           "; scores need every key quantized");
  }
  return validateScoringInputs(config, args, n, n);
}

} // namespace detail

} // namespace pqrt
