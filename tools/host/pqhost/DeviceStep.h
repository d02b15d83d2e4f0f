//===- DeviceStep.h - A step's buffers in device memory ---------*- C++ -*-===//
//
// The device twin of a pqrt::StepBuffers: the same buffers, byte for byte,
// allocated once; upload before a step, download the outputs and codebook
// after it, and the pqrt_step that points libpqrt at them -- or the
// pqrt_build of an index build over the same key cache, centroids, phi and
// codebook. Shared by pq-run's GPU executor and pq-bench.
//
//===----------------------------------------------------------------------===//

#ifndef PQHOST_DEVICESTEP_H
#define PQHOST_DEVICESTEP_H

#include "pqhost/Cuda.h"
#include "pqhost/StepBuffers.h"
#include "pqrt/pqrt.h"

namespace pqhost {

class DeviceStep {
public:
  /// Allocates device buffers of `host`'s sizes (needs a current context,
  /// see Device).
  pqrt::Status allocate(const pqrt::StepBuffers &host);
  /// Copies every buffer, inputs and (sentinel) outputs, to the device, in
  /// order on `stream`; returns when they are there.
  pqrt::Status upload(const pqrt::StepBuffers &host,
                      const Stream &stream);
  /// Copies sparse_list, sparse_len, weight_list and the codebook back once
  /// `stream`'s work is done.
  pqrt::Status download(pqrt::StepBuffers &host,
                        const Stream &stream) const;
  /// The step over the device buffers; num_cached is the host's counter
  /// (libpqrt reads and updates it on the host).
  pqrt_step step(pqrt::StepBuffers &host) const;

  /// The index build (pqrt_indexer_build) of the device key cache into the
  /// device centroids, phi (ip) and codebook; num_cached is the host's
  /// counter. `iterations` is a device int64 or null; the initial indices
  /// are drawn on the device from `seed`.
  pqrt_build build(pqrt::StepBuffers &host, int64_t kmeansIter, uint64_t seed,
                   int64_t *iterations) const;
  /// Copies what a build wrote (centroids, phi, codebook) back once
  /// `stream`'s work is done.
  pqrt::Status downloadIndex(pqrt::StepBuffers &host,
                             const Stream &stream) const;

private:
  Buffer query, key, centroids, phi, codebook, sparseList, sparseLen,
      weightList;
};

} // namespace pqhost

#endif // PQHOST_DEVICESTEP_H
