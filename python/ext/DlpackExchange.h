//===- DlpackExchange.h - DLPack's C exchange API, as a consumer -*- C++ -*-===//
//
// DLPack 1.3 lets an array type publish a table of C functions as a capsule
// on the type (`type(x).__dlpack_c_exchange_api__`, capsule name
// "dlpack_exchange_api"): filling a DLTensor view of an object and reading
// the framework's current stream cost tens of nanoseconds, against
// microseconds for `__dlpack__()` or a handful of attribute reads. PyTorch
// publishes it in its recent releases. The structs below are DLPack's ABI
// (dlpack.h, v1.x: fields and order fixed by the standard); only what the
// binding reads is declared.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_PYTHON_EXT_DLPACKEXCHANGE_H
#define PQ_PYTHON_EXT_DLPACKEXCHANGE_H

#include <nanobind/nanobind.h>

#include <cstdint>

namespace pqext {

// DLDeviceType values pq distinguishes.
constexpr int32_t kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3,
                  kDLCUDAManaged = 13;

struct DLDevice {
  int32_t deviceType;
  int32_t deviceId;
};
struct DLDataType {
  uint8_t code; // 0 int, 1 uint, 2 float, 4 bfloat
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void *data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t *shape;
  int64_t *strides; // in elements; null: row-major
  uint64_t byteOffset;
};
struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void *managerCtx;
  void (*deleter)(DLManagedTensorVersioned *self);
  uint64_t flags;
  DLTensor tensor;
};
constexpr uint64_t kDLReadOnly = 1; // DLPACK_FLAG_BITMASK_READ_ONLY

struct DLPackExchangeApi {
  DLPackVersion version; // the header: version, then prev_api
  const void *previous;
  void *managedTensorAllocator;
  int (*managedTensorFromPyObject)(void *object,
                                   DLManagedTensorVersioned **out);
  void *managedTensorToPyObject;
  int (*tensorFromPyObject)(void *object, DLTensor *out); // may be null
  int (*currentWorkStream)(int32_t deviceType, int32_t deviceId,
                           void **stream);
};

static_assert(sizeof(DLTensor) == 48, "DLTensor is DLPack's ABI");
static_assert(sizeof(DLManagedTensorVersioned) == 80,
              "DLManagedTensorVersioned is DLPack's ABI");

/// The exchange table of `type`, or null (no table, another major version,
/// no way to make a tensor). Cached per type by the caller.
inline const DLPackExchangeApi *exchangeApiOf(PyObject *type) {
  PyObject *capsule = PyObject_GetAttrString(type, "__dlpack_c_exchange_api__");
  if (!capsule) {
    PyErr_Clear();
    return nullptr;
  }
  const auto *api = static_cast<const DLPackExchangeApi *>(
      PyCapsule_GetPointer(capsule, "dlpack_exchange_api"));
  Py_DECREF(capsule);
  if (!api) {
    PyErr_Clear();
    return nullptr;
  }
  if (api->version.major != 1 ||
      (!api->tensorFromPyObject && !api->managedTensorFromPyObject)) {
    return nullptr;
  }
  return api;
}

} // namespace pqext

#endif // PQ_PYTHON_EXT_DLPACKEXCHANGE_H
