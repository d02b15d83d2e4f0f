//===- BufferSizes.cpp - Checked element counts of a step's buffers -------===//
//
// Every buffer a step touches has its element count and byte size computed
// here, with overflow checks on each product, before anything is read: the
// bounds of pqrt_limits.h keep sums small, but products of bounded sizes can
// still pass 2^63 (b 2^20 * h_kv 2^16 * key_capacity 2^40 ...).
//
//===----------------------------------------------------------------------===//

#include "pqrt/Layout.h"
#include "pqrt/Reference.h"

#include <initializer_list>
#include <string>

namespace pqrt {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

/// The product of non-negative `factors`; false when it overflows int64.
bool product(std::initializer_list<int64_t> factors, int64_t &out) {
  int64_t result = 1;
  for (int64_t factor : factors) {
    if (factor < 0 || __builtin_mul_overflow(result, factor, &result)) {
      return false;
    }
  }
  out = result;
  return true;
}

struct Buffer {
  const char *name;
  const char *shape; // the symbols of `dims`
  std::initializer_list<int64_t> dims;
  ElementType type;
  int64_t *out;
};

Status count(const Buffer &buffer) {
  int64_t elements = 0;
  int64_t bytes = 0;
  if (product(buffer.dims, elements) &&
      product({elements, elementSize(buffer.type)}, bytes)) {
    *buffer.out = elements;
    return Status::success();
  }
  std::string dims;
  for (int64_t dim : buffer.dims) {
    dims += (dims.empty() ? "" : ", ") + str(dim);
  }
  return Status::invalid(std::string(buffer.name) + ": " + buffer.shape +
                         " = [" + dims + "] " + elementTypeName(buffer.type) +
                         " is more than 2^63 - 1 bytes; reduce the batch, "
                         "seq_len or the capacities");
}

} // namespace

Status stepBufferElements(const StepConfig &c, int64_t seqLen,
                          BufferElements &out) {
  const int64_t b = c.batch;
  const int64_t n = seqLen > c.initOffset ? seqLen - c.initOffset : 0;
  const bool seed = c.layout == CodeLayout::Seed;
  const Buffer buffers[] = {
      {"query",
       "[b, h, 1, d]",
       {b, c.heads, c.headDim},
       c.queryType,
       &out.query},
      {"key",
       "[b, h_kv, key_capacity, d]",
       {b, c.kvHeads, c.keyCapacity, c.headDim},
       c.queryType,
       &out.key},
      {"centroids",
       "[b, h_kv, S, C, ds']",
       {b, c.kvHeads, c.subspaces, c.centroids(), c.centroidDim()},
       c.centroidType,
       &out.centroids},
      {"phi",
       "[b * h_kv * S]",
       {b, c.kvHeads, c.subspaces},
       ElementType::F32,
       &out.phi},
      {"codebook",
       seed ? "[b, code_capacity, h_kv, S]" : "[b, h_kv, code_capacity, S]",
       {b, c.codeCapacity, c.kvHeads, c.subspaces},
       codeType(c),
       &out.codebook},
      {"sparse_list",
       "[b, h, total]",
       {b, c.heads, outputTotal(c, seqLen)},
       c.indexType,
       &out.sparseList},
      {"sparse_len", "[b, h]", {b, c.heads}, ElementType::I64, &out.sparseLen},
      {"weight_list",
       "[b, h, sk]",
       {b, c.heads, seqLen},
       c.weightType,
       &out.weightList},
      {"scores", "[b, h, n]", {b, c.heads, n}, ElementType::F32, &out.scores},
  };
  for (const Buffer &buffer : buffers) {
    Status status = count(buffer);
    if (!status.ok()) {
      return status;
    }
  }
  return Status::success();
}

} // namespace pqrt
