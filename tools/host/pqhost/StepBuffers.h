//===- StepBuffers.h - Host buffers of one step -----------------*- C++ -*-===//
//
// Owns every buffer a step reads or writes, sized from a StepConfig and sk,
// with typed accessors in fp32 / int64 so callers can state values directly.
// Part of the host tools library (tools/host, not libpqrt): used by pq-run,
// pq-bench, the unit tests and the GPU differential tests, which upload
// these same buffers.
//
//===----------------------------------------------------------------------===//

#ifndef PQHOST_STEPBUFFERS_H
#define PQHOST_STEPBUFFERS_H

#include "pqrt/Compare.h"
#include "pqrt/Reference.h"

#include <cstdint>
#include <vector>

namespace pqrt {

/// Byte every output (and spare codebook row) starts as, so tests can see
/// whether anything was written.
constexpr uint8_t kSentinel = 0xA5;

/// Whether a StepBuffers holds a key cache. A step that quantizes nothing
/// (every key cached, or the full-attention path) never reads it, and the
/// C API then takes key = NULL: tools need not allocate it.
enum class KeyCache { Allocated, Absent };

/// The key cache a step needs: Allocated only when it quantizes keys.
KeyCache keyCacheNeeded(const StepConfig &config, int64_t seqLen,
                        int64_t numCached);

/// Bytes a StepBuffers(config, seqLen, ..., keys) would allocate
/// (capacities defaulted as its constructor does), or -1 when the count
/// overflows int64 or the configuration has a negative size. Lets tools
/// refuse sizes that cannot fit before allocating anything.
int64_t stepBufferBytes(const StepConfig &config, int64_t seqLen,
                        KeyCache keys = KeyCache::Allocated);

class StepBuffers {
public:
  /// Zero capacities in `config` are replaced by keyCapacity = sk and
  /// codeCapacity = n = max(sk - init_offset, 0); without a key cache
  /// (KeyCache::Absent) keyCapacity is 0, `key` is empty and args().key is
  /// null. Inputs start as zeros, outputs and codebook rows
  /// [numCached, n_max) as kSentinel bytes.
  StepBuffers(const StepConfig &config, int64_t seqLen, int64_t numCached,
              KeyCache keys = KeyCache::Allocated);

  StepConfig config;
  int64_t seqLen;
  int64_t total;     // outputTotal(config, seqLen)
  int64_t numCached; // in/out of the step, like the real argument

  std::vector<uint8_t> query, key, centroids, codebook;
  std::vector<float> phi;
  std::vector<uint8_t> sparseList, weightList;
  std::vector<int64_t> sparseLen;

  bool hasKey() const { return !key.empty(); }
  /// Pointers into this object's buffers (recompute after copying it).
  StepArgs args();
  StepOutputs outputs() const;
  int64_t indexedKeys() const; // n, floored at 0

  // Inputs, written as fp32 and rounded to the buffer's element type.
  void setQuery(int64_t b, int64_t head, int64_t dim, float value);
  void setKey(int64_t b, int64_t kv, int64_t pos, int64_t dim, float value);
  void setCentroid(int64_t b, int64_t kv, int64_t s, int64_t c, int64_t dim,
                   float value);
  void setPhi(int64_t b, int64_t kv, int64_t s, float value);
  void setCode(int64_t b, int64_t j, int64_t kv, int64_t s, int64_t code);
  float keyValue(int64_t b, int64_t kv, int64_t pos, int64_t dim) const;

  // Outputs and the codebook, read back.
  int64_t code(int64_t b, int64_t j, int64_t kv, int64_t s) const;
  std::vector<int64_t> listRow(int64_t b, int64_t head) const;
  std::vector<float> weightRow(int64_t b, int64_t head) const;
  int64_t lenAt(int64_t b, int64_t head) const;

  /// Sets the outputs back to kSentinel bytes.
  void resetOutputs();
};

} // namespace pqrt

#endif // PQHOST_STEPBUFFERS_H
