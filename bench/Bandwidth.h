//===- Bandwidth.h - The memory floor of one step ---------------*- C++ -*-===//
//
// The anchor (../shared/anchors/seed_indexer.py, floor_us) bounds a step from
// below by the bytes it must move: the codes once, one weight_list row per
// head and the sparse_list, at the device's measured copy bandwidth (read +
// write of a 1 GiB device-to-device copy). pq-bench computes the same.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_BENCH_BANDWIDTH_H
#define PQ_BENCH_BANDWIDTH_H

#include "pqhost/Cuda.h"
#include "pqrt/Config.h"

namespace pqbench {

/// Copy bandwidth in TB/s (1e12 bytes/s) of a 1 GiB cuMemcpyDtoDAsync on
/// `stream`, counting read and write: 3 warm-up copies, 10 timed by events.
pqrt::Status measureCopyBandwidth(const pqhost::Stream &stream,
                                  double &tbps);

/// Bytes the step must move (codes [b, n, h_kv, S], weight_list [b, h, sk],
/// sparse_list [b, h, total]) and the time that takes at `tbps`.
struct Floor {
  int64_t bytes = 0;
  double us = 0;
};
Floor stepFloor(const pqrt::StepConfig &config, int64_t seqLen, double tbps);

} // namespace pqbench

#endif // PQ_BENCH_BANDWIDTH_H
