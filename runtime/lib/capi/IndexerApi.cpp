//===- IndexerApi.cpp - pqrt_device_* and pqrt_indexer_* ------------------===//

#include "CApi.h"
#include "indexer/Device.h"

using namespace pqrt;

extern "C" {

pqrt_status pqrt_device_count(int *count) {
  return capi::guarded([&]() -> Status {
    if (!count) {
      return capi::nullArgument("count");
    }
    const driver::CudaDriver *cuda = nullptr;
    Status status = driver::getDriver(cuda);
    if (status.ok()) {
      status = driver::checkCuda(*cuda, cuda->cuDeviceGetCount(count),
                                 "cuDeviceGetCount");
    }
    return status;
  });
}

pqrt_status pqrt_device_sm(int device, int *sm) {
  return capi::guarded([&]() -> Status {
    if (!sm) {
      return capi::nullArgument("sm");
    }
    const driver::CudaDriver *cuda = nullptr;
    Status status = driver::getDriver(cuda);
    indexer::DeviceInfo info;
    if (status.ok()) {
      status = indexer::queryDevice(*cuda, device, info);
    }
    if (status.ok()) {
      *sm = info.sm;
    }
    return status;
  });
}

pqrt_status pqrt_indexer_create(const pqrt_bundle *bundle, int device,
                                int64_t max_batch, pqrt_indexer **out) {
  return capi::guarded([&]() -> Status {
    if (!bundle) {
      return capi::nullArgument("bundle");
    }
    if (!out) {
      return capi::nullArgument("out");
    }
    std::unique_ptr<indexer::Indexer> created;
    Status status =
        indexer::Indexer::create(bundle->bundle, device, max_batch, created);
    if (status.ok()) {
      *out = new pqrt_indexer{std::move(created)};
    }
    return status;
  });
}

void pqrt_indexer_destroy(pqrt_indexer *indexer) { delete indexer; }

pqrt_status pqrt_indexer_run(const pqrt_indexer *indexer, const pqrt_step *step,
                             void *stream) {
  return capi::guarded([&]() -> Status {
    if (!indexer) {
      return capi::nullArgument("indexer");
    }
    pqrt_step copy;
    Status status = capi::readStruct("step", step, copy);
    if (!status.ok()) {
      return status;
    }
    return indexer->indexer->run(capi::runArgs(copy),
                                 static_cast<CUstream>(stream));
  });
}

pqrt_status pqrt_indexer_build(const pqrt_indexer *indexer,
                               const pqrt_build *build, void *stream) {
  return capi::guarded([&]() -> Status {
    if (!indexer) {
      return capi::nullArgument("indexer");
    }
    pqrt_build copy;
    Status status = capi::readStruct("build", build, copy);
    if (!status.ok()) {
      return status;
    }
    return indexer->indexer->build(capi::buildRunArgs(copy),
                                   static_cast<CUstream>(stream));
  });
}

} // extern "C"
