//===- Buffer.cpp - Device memory for host programs -----------------------===//

#include "pqhost/Cuda.h"

#include "Table.h"

namespace pqhost {

using detail::check;
using detail::CudaDriver;
using pqrt::Status;

Buffer::~Buffer() { release(); }

void Buffer::release() {
  if (const CudaDriver *cuda = detail::tableOrNull(); cuda && pointer) {
    cuda->cuMemFree_v2(pointer);
  }
  pointer = 0;
  bytes = 0;
}

Status Buffer::allocate(size_t size, const char *what) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  release();
  label = what;
  if (!status.ok() || size == 0) {
    return status;
  }
  status = check(*cuda, cuda->cuMemAlloc_v2(&pointer, size),
                 "cuMemAlloc(" + label + ", " + std::to_string(size) +
                     " bytes)");
  bytes = status.ok() ? size : 0;
  return status;
}

Status Buffer::upload(const void *host, const Stream &stream) {
  return upload(host, bytes, stream);
}

Status Buffer::download(void *host, const Stream &stream) const {
  return download(host, bytes, stream);
}

Status Buffer::upload(const void *host, size_t count, const Stream &stream,
                      size_t offset) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && (offset > bytes || count > bytes - offset)) {
    return Status::invalid("upload(" + label + "): " + std::to_string(count) +
                           " bytes at offset " + std::to_string(offset) +
                           " into a buffer of " + std::to_string(bytes));
  }
  if (!status.ok() || count == 0) {
    return status;
  }
  status = check(*cuda,
                 cuda->cuMemcpyHtoDAsync_v2(pointer + offset, host, count,
                                            stream.get()),
                 "cuMemcpyHtoDAsync(" + label + ")");
  return status.ok() ? stream.synchronize() : status;
}

Status Buffer::download(void *host, size_t count, const Stream &stream,
                        size_t offset) const {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && (offset > bytes || count > bytes - offset)) {
    return Status::invalid("download(" + label + "): " +
                           std::to_string(count) + " bytes at offset " +
                           std::to_string(offset) + " from a buffer of " +
                           std::to_string(bytes));
  }
  if (!status.ok() || count == 0) {
    return status;
  }
  status = check(*cuda,
                 cuda->cuMemcpyDtoHAsync_v2(host, pointer + offset, count,
                                            stream.get()),
                 "cuMemcpyDtoHAsync(" + label + ")");
  return status.ok() ? stream.synchronize() : status;
}

Status Buffer::enqueueCopyFrom(const Buffer &source,
                               const Stream &stream) const {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && source.bytes < bytes) {
    return Status::invalid("copy(" + source.label + " -> " + label +
                           "): the source is smaller");
  }
  return status.ok() ? check(*cuda,
                             cuda->cuMemcpyDtoDAsync_v2(pointer, source.pointer,
                                                        bytes, stream.get()),
                             "cuMemcpyDtoDAsync(" + label + ")")
                     : status;
}

} // namespace pqhost
