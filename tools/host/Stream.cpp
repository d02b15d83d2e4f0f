//===- Stream.cpp - Streams and timing events for host programs -----------===//

#include "pqhost/Cuda.h"

#include "Table.h"

namespace pqhost {

using detail::check;
using detail::CudaDriver;
using pqrt::Status;

Stream::~Stream() {
  if (const CudaDriver *cuda = detail::tableOrNull(); cuda && stream) {
    cuda->cuStreamDestroy_v2(stream);
  }
}

Status Stream::create() {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && stream) {
    return Status::invalid("cuStreamCreate: the stream exists already");
  }
  return status.ok() ? check(*cuda,
                             cuda->cuStreamCreate(&stream,
                                                  CU_STREAM_NON_BLOCKING),
                             "cuStreamCreate")
                     : status;
}

Status Stream::synchronize() const {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  return status.ok() ? check(*cuda, cuda->cuStreamSynchronize(stream),
                             "cuStreamSynchronize")
                     : status;
}

Event::~Event() {
  if (const CudaDriver *cuda = detail::tableOrNull(); cuda && event) {
    cuda->cuEventDestroy_v2(event);
  }
}

Status Event::create() {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && event) {
    return Status::invalid("cuEventCreate: the event exists already");
  }
  return status.ok() ? check(*cuda, cuda->cuEventCreate(&event, CU_EVENT_DEFAULT),
                             "cuEventCreate")
                     : status;
}

Status Event::record(const Stream &stream) const {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  return status.ok() ? check(*cuda, cuda->cuEventRecord(event, stream.get()),
                             "cuEventRecord")
                     : status;
}

Status elapsedMs(const Event &start, const Event &stop, float &ms) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  return status.ok() ? check(*cuda,
                             cuda->cuEventElapsedTime_v2(&ms, start.get(),
                                                         stop.get()),
                             "cuEventElapsedTime")
                     : status;
}

Gate::~Gate() {
  if (const CudaDriver *cuda = detail::tableOrNull(); cuda && word) {
    cuda->cuMemFreeHost(const_cast<uint32_t *>(word));
  }
}

Status Gate::create() {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && word) {
    return Status::invalid("gate: exists already");
  }
  void *host = nullptr;
  if (status.ok()) {
    status = check(*cuda,
                   cuda->cuMemHostAlloc(&host, sizeof(uint32_t),
                                        CU_MEMHOSTALLOC_DEVICEMAP |
                                            CU_MEMHOSTALLOC_PORTABLE),
                   "cuMemHostAlloc(gate)");
  }
  if (!status.ok()) {
    return status;
  }
  *static_cast<volatile uint32_t *>(host) = 0;
  status = check(*cuda, cuda->cuMemHostGetDevicePointer_v2(&deviceWord, host, 0),
                 "cuMemHostGetDevicePointer(gate)");
  if (!status.ok()) {
    cuda->cuMemFreeHost(host);
    return status;
  }
  word = static_cast<volatile uint32_t *>(host);
  return status;
}

Status Gate::hold(const Stream &stream) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && !word) {
    status = Status::invalid("gate: create() it first");
  }
  if (!status.ok()) {
    return status;
  }
  // Tickets only grow, so an earlier open() never opens a later hold.
  return check(*cuda,
               cuda->cuStreamWaitValue32_v2(stream.get(), deviceWord, ++ticket,
                                            CU_STREAM_WAIT_VALUE_GEQ),
               "cuStreamWaitValue32(gate)");
}

void Gate::open() {
  if (word) {
    __atomic_store_n(word, ticket, __ATOMIC_RELEASE);
  }
}

} // namespace pqhost
