//===- Timing.h - Event and host-clock timings of enqueued work -*- C++ -*-===//
//
// The two ways pq-bench times anything it enqueues (a step, a graph replay):
//   events  CUDA events around `iters` back-to-back calls, per call, median
//           over `reps` repetitions, enqueued behind a shut pqhost::Gate
//           when there is one: device time even where enqueueing a call
//           takes longer than running it (the minimal launch);
//   wall    the host clock around one call + stream sync, median of
//           `count`: what a caller that waits for each step sees.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_BENCH_TIMING_H
#define PQ_BENCH_TIMING_H

#include "pqhost/Cuda.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace pqbench {

constexpr double kNotMeasured = __builtin_nan("");

/// Median; NaN for no values.
inline double median(std::vector<double> values) {
  if (values.empty()) {
    return kNotMeasured;
  }
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// Microseconds per call of `enqueue` (returning a pqrt::Status) from events
/// around `iters` back-to-back calls, median over `reps` repetitions, behind
/// `gate` when it is ready; NaN on error. `hostUs`: the median host time of
/// one enqueue call (meaningful when gated).
template <typename Enqueue>
pqrt::Status eventTimeUs(const pqhost::Stream &stream, int64_t iters,
                         int64_t reps, Enqueue enqueue, double &us,
                         pqhost::Gate *gate, double *hostUs = nullptr) {
  pqhost::Event start, stop;
  pqrt::Status status = start.create();
  if (status.ok()) {
    status = stop.create();
  }
  std::vector<double> perCall, hostPerCall;
  for (int64_t r = 0; r < reps && status.ok(); ++r) {
    float ms = 0;
    double host = kNotMeasured;
    status = pqhost::timeEnqueued(stream, start, stop, iters, enqueue, ms,
                                  gate, nullptr, &host);
    perCall.push_back(double(ms) * 1e3 / double(iters));
    hostPerCall.push_back(host);
  }
  us = status.ok() ? median(perCall) : kNotMeasured;
  if (hostUs) {
    *hostUs = status.ok() ? median(hostPerCall) : kNotMeasured;
  }
  return status;
}

/// Microseconds of one call of `enqueue` + stream sync on the host clock,
/// median of `count`; NaN on error.
template <typename Enqueue>
pqrt::Status wallTimeUs(const pqhost::Stream &stream, int64_t count,
                        Enqueue enqueue, double &us) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> times;
  pqrt::Status status;
  for (int64_t i = 0; i < count && status.ok(); ++i) {
    const Clock::time_point t0 = Clock::now();
    status = enqueue();
    if (status.ok()) {
      status = stream.synchronize();
    }
    times.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  us = status.ok() ? median(times) : kNotMeasured;
  return status;
}

} // namespace pqbench

#endif // PQ_BENCH_TIMING_H
