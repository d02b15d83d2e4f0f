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

} // namespace pqhost
