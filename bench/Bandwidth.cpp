//===- Bandwidth.cpp - The memory floor of one step -----------------------===//

#include "Bandwidth.h"

#include "pqrt/Layout.h"
#include "pqrt/Reference.h"

#include <algorithm>

namespace pqbench {

using pqrt::Status;

Status measureCopyBandwidth(const pqhost::Stream &stream, double &tbps) {
  constexpr size_t kBytes = size_t(1) << 30;
  constexpr int kTimed = 10;
  pqhost::Buffer from, to;
  pqhost::Event start, stop;
  Status status = from.allocate(kBytes, "bandwidth source");
  if (status.ok()) {
    status = to.allocate(kBytes, "bandwidth target");
  }
  if (status.ok()) {
    status = start.create();
  }
  if (status.ok()) {
    status = stop.create();
  }
  auto copy = [&] { return to.enqueueCopyFrom(from, stream); };
  for (int i = 0; i < 3 && status.ok(); ++i) {
    status = copy();
  }
  float ms = 0;
  if (status.ok()) {
    status = pqhost::timeEnqueued(stream, start, stop, kTimed, copy, ms);
  }
  if (status.ok()) {
    tbps = 2.0 * double(kBytes) * kTimed / (double(ms) * 1e-3) / 1e12;
  }
  return status;
}

Floor stepFloor(const pqrt::StepConfig &c, int64_t seqLen, double tbps) {
  const int64_t n = std::max<int64_t>(seqLen - c.initOffset, 0);
  const int64_t total = pqrt::outputTotal(c, seqLen);
  Floor floor;
  floor.bytes =
      c.batch * c.kvHeads * n * c.subspaces *
          pqrt::elementSize(pqrt::codeType(c)) +
      c.batch * c.heads * seqLen * pqrt::elementSize(c.weightType) +
      c.batch * c.heads * total * pqrt::elementSize(c.indexType);
  floor.us = tbps > 0 ? double(floor.bytes) / (tbps * 1e12) * 1e6 : 0;
  return floor;
}

} // namespace pqbench
