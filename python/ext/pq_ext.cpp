//===- pq_ext.cpp - nanobind binding of libpqrt's C API --------------------===//
//
// pq._pqrt: bundles, GPU indexers and the CPU reference over pqrt.h. Arrays
// arrive as any DLPack or buffer-protocol object (nb::ndarray), torch
// tensors through a faster path that reads their attributes directly (a
// torch __dlpack__ call costs microseconds, written in Python). Every shape,
// dtype, device and stride is checked here against the step's configuration
// before a pointer reaches libpqrt, which cannot see array extents; pqrt's
// own errors become ValueError (bad arguments, bundles, mismatches) or
// RuntimeError (driver, device, internal) with pqrt_last_error()'s message.
//
//===----------------------------------------------------------------------===//

#include "DlpackExchange.h"
#include "pqrt/pqrt.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace nb = nanobind;

namespace {

//===-------------------------------- Errors ------------------------------===//

[[noreturn]] void raise(pqrt_status status) {
  std::string message =
      std::string(pqrt_status_name(status)) + ": " + pqrt_last_error();
  switch (status) {
  case PQRT_INVALID_ARGUMENT:
  case PQRT_BAD_MODULE:
  case PQRT_MISMATCH:
    throw nb::value_error(message.c_str());
  default:
    throw std::runtime_error(message);
  }
}

void check(pqrt_status status) {
  if (status != PQRT_OK) {
    raise(status);
  }
}

[[noreturn]] void badArgument(const std::string &message) {
  throw nb::value_error(message.c_str());
}

//===------------------------------- Arrays -------------------------------===//

const char *dtypeName(int dtype) {
  switch (dtype) {
  case PQRT_F32:
    return "float32";
  case PQRT_F16:
    return "float16";
  case PQRT_BF16:
    return "bfloat16";
  case PQRT_I32:
    return "int32";
  case PQRT_I64:
    return "int64";
  case PQRT_U8:
    return "uint8";
  default:
    return "?";
  }
}

// Beyond pqrt_dtype: 16-bit integers, accepted as bf16's raw bits (NumPy
// has no bfloat16; the project's .npy files store bf16 this way).
constexpr int kRaw16 = 100;
constexpr int kUnknownType = -1;

enum class Where { Host, Cuda, Other };

struct Array {
  void *data = nullptr;
  int dtype = kUnknownType;
  std::string dtypeText; // for messages when dtype is unknown
  int64_t shape[8] = {};
  int ndim = 0;
  bool contiguous = true;
  Where where = Where::Other;
  int device = -1;
  std::string deviceText;
};

std::string shapeText(const int64_t *shape, int ndim) {
  std::string out = "[";
  for (int i = 0; i < ndim; ++i) {
    out += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return out + "]";
}

/// torch.Tensor, its dtypes, the attribute names read from a tensor
/// (interned once: a lookup by C string builds a str per call) and torch's
/// current-stream getter, looked up once torch has been imported by someone
/// else (pq never imports torch itself). A step reads ~6 attributes of ~7
/// tensors, so each lookup's cost counts (issue 10's per-call budget).
struct TorchTypes {
  PyObject *tensorType = nullptr;
  PyObject *dtypes[6] = {}; // indexed by pqrt_dtype
  PyObject *int16 = nullptr;
  PyObject *uint16 = nullptr;
  PyObject *currentStream = nullptr; // torch._C._cuda_getCurrentRawStream
  PyObject *dataPtr = nullptr, *dtype = nullptr, *shape = nullptr,
           *isContiguous = nullptr, *getDevice = nullptr, *isCuda = nullptr,
           *isCpu = nullptr, *device = nullptr;

  bool isTensor(nb::handle obj) {
    if (!tensorType && !load()) {
      return false;
    }
    return PyObject_IsInstance(obj.ptr(), tensorType) == 1;
  }

private:
  bool load() {
    PyObject *modules = PySys_GetObject("modules"); // borrowed
    PyObject *torch =
        modules ? PyDict_GetItemString(modules, "torch") : nullptr;
    if (!torch) {
      return false;
    }
    nb::handle mod(torch);
    if (!nb::hasattr(mod, "Tensor") || !nb::hasattr(mod, "bfloat16")) {
      return false; // torch is still importing
    }
    static const char *names[6] = {"float32", "float16", "bfloat16",
                                   "int32",   "int64",   "uint8"};
    for (int i = 0; i < 6; ++i) {
      dtypes[i] = mod.attr(names[i]).inc_ref().ptr();
    }
    int16 = mod.attr("int16").inc_ref().ptr();
    uint16 = nb::hasattr(mod, "uint16") ? mod.attr("uint16").inc_ref().ptr()
                                        : nullptr;
    nb::object c = mod.attr("_C");
    if (nb::hasattr(c, "_cuda_getCurrentRawStream")) {
      currentStream = c.attr("_cuda_getCurrentRawStream").inc_ref().ptr();
    }
    dataPtr = PyUnicode_InternFromString("data_ptr");
    dtype = PyUnicode_InternFromString("dtype");
    shape = PyUnicode_InternFromString("shape");
    isContiguous = PyUnicode_InternFromString("is_contiguous");
    getDevice = PyUnicode_InternFromString("get_device");
    isCuda = PyUnicode_InternFromString("is_cuda");
    isCpu = PyUnicode_InternFromString("is_cpu");
    device = PyUnicode_InternFromString("device");
    tensorType = mod.attr("Tensor").inc_ref().ptr();
    return true;
  }
};

TorchTypes torchTypes;

/// obj.name() through the vectorcall protocol (no bound method object).
nb::object callMethod(nb::handle obj, PyObject *name) {
  PyObject *args[1] = {obj.ptr()};
  PyObject *result = PyObject_VectorcallMethod(
      name, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
  if (!result) {
    throw nb::python_error();
  }
  return nb::steal(result);
}

nb::object getAttr(nb::handle obj, PyObject *name) {
  PyObject *result = PyObject_GetAttr(obj.ptr(), name);
  if (!result) {
    throw nb::python_error();
  }
  return nb::steal(result);
}

bool isTrue(const nb::object &value) { return value.ptr() == Py_True; }

void importTorch(nb::handle obj, Array &out) {
  const TorchTypes &t = torchTypes;
  out.data = reinterpret_cast<void *>(
      nb::cast<uintptr_t>(callMethod(obj, t.dataPtr)));
  nb::object dtype = getAttr(obj, t.dtype);
  for (int i = 0; i < 6; ++i) {
    if (dtype.ptr() == t.dtypes[i]) {
      out.dtype = i;
    }
  }
  if (dtype.ptr() == t.int16 || (t.uint16 && dtype.ptr() == t.uint16)) {
    out.dtype = kRaw16;
  }
  if (out.dtype == kUnknownType) {
    out.dtypeText = nb::cast<std::string>(nb::str(dtype));
  }
  nb::object shape = getAttr(obj, t.shape); // torch.Size, a tuple
  Py_ssize_t ndim = PyTuple_Size(shape.ptr());
  if (ndim < 0) {
    throw nb::python_error();
  }
  out.ndim = static_cast<int>(ndim > 8 ? 8 : ndim); // > 8: reported anyway
  for (int i = 0; i < out.ndim; ++i) {
    out.shape[i] = PyLong_AsLongLong(PyTuple_GetItem(shape.ptr(), i));
  }
  out.contiguous = isTrue(callMethod(obj, t.isContiguous));
  // get_device() is the CUDA ordinal, or -1 on the CPU (and for meta).
  const long ordinal = PyLong_AsLong(callMethod(obj, t.getDevice).ptr());
  if (PyErr_Occurred()) {
    throw nb::python_error(); // a shape or ordinal that is not an int
  }
  if (ordinal >= 0 && isTrue(getAttr(obj, t.isCuda))) {
    out.where = Where::Cuda;
    out.device = static_cast<int>(ordinal);
  } else if (ordinal < 0 && isTrue(getAttr(obj, t.isCpu))) {
    out.where = Where::Host;
  } else {
    out.deviceText = nb::cast<std::string>(nb::str(getAttr(obj, t.device)));
  }
}

int dlpackType(nb::dlpack::dtype t) {
  using code = nb::dlpack::dtype_code;
  if (t.lanes != 1) {
    return kUnknownType;
  }
  switch (static_cast<code>(t.code)) {
  case code::Float:
    return t.bits == 32 ? PQRT_F32 : t.bits == 16 ? PQRT_F16 : kUnknownType;
  case code::Bfloat:
    return t.bits == 16 ? PQRT_BF16 : kUnknownType;
  case code::Int:
    return t.bits == 32   ? PQRT_I32
           : t.bits == 64 ? PQRT_I64
           : t.bits == 16 ? kRaw16
                          : kUnknownType;
  case code::UInt:
    return t.bits == 8 ? PQRT_U8 : t.bits == 16 ? kRaw16 : kUnknownType;
  default:
    return kUnknownType;
  }
}

/// Fills `out` from DLPack's description of an array (strides in elements;
/// null strides: row-major).
void importDescription(void *data, const pqext::DLDataType &dtype, int ndim,
                       const int64_t *shape, const int64_t *strides,
                       const pqext::DLDevice &device, Array &out) {
  out.data = data;
  out.dtype = dlpackType({dtype.code, dtype.bits, dtype.lanes});
  if (out.dtype == kUnknownType) {
    out.dtypeText = "DLPack type code " + std::to_string(dtype.code) + ", " +
                    std::to_string(dtype.bits) + " bits";
  }
  out.ndim = ndim > 8 ? 8 : ndim;
  int64_t expected = 1;
  out.contiguous = true;
  for (int i = ndim - 1; i >= 0; --i) {
    if (i < 8) {
      out.shape[i] = shape[i];
    }
    if (strides && shape[i] != 1 && strides[i] != expected) {
      out.contiguous = false;
    }
    expected *= shape[i];
  }
  out.device = device.deviceId;
  const int type = device.deviceType;
  if (type == pqext::kDLCPU || type == pqext::kDLCUDAHost) {
    out.where = Where::Host;
  } else if (type == pqext::kDLCUDA || type == pqext::kDLCUDAManaged) {
    out.where = Where::Cuda;
  } else {
    out.deviceText = "DLPack device type " + std::to_string(type);
  }
}

template <typename NdArray> void importDlpack(NdArray &a, Array &out) {
  const int ndim = static_cast<int>(a.ndim());
  std::vector<int64_t> shape(ndim), strides(ndim);
  for (int i = 0; i < ndim; ++i) {
    shape[i] = static_cast<int64_t>(a.shape(i));
    strides[i] = static_cast<int64_t>(a.stride(i));
  }
  importDescription(const_cast<void *>(static_cast<const void *>(a.data())),
                    {a.dtype().code, a.dtype().bits, a.dtype().lanes}, ndim,
                    shape.data(), strides.data(),
                    {a.device_type(), a.device_id()}, out);
}

/// DLPack exchange tables by exact array type (a few types per process:
/// torch.Tensor, nn.Parameter, ...); a type without one is remembered too.
/// Types are held, so a cached pointer never names a freed type.
class ExchangeTables {
public:
  const pqext::DLPackExchangeApi *of(PyObject *obj) {
    PyObject *type = reinterpret_cast<PyObject *>(Py_TYPE(obj));
    for (int i = 0; i < used; ++i) {
      if (entries[i].type == type) {
        return entries[i].api;
      }
    }
    const pqext::DLPackExchangeApi *api = pqext::exchangeApiOf(type);
    if (used < kEntries) {
      Py_INCREF(type);
      entries[used++] = {type, api};
    }
    return api;
  }

private:
  static constexpr int kEntries = 8;
  struct Entry {
    PyObject *type;
    const pqext::DLPackExchangeApi *api;
  };
  Entry entries[kEntries] = {};
  int used = 0;
};

ExchangeTables exchangeTables;

/// Reads `obj` through its type's exchange table; false when it has none.
bool importExchange(nb::handle obj, const char *name, bool writable,
                    Array &out) {
  const pqext::DLPackExchangeApi *api = exchangeTables.of(obj.ptr());
  if (!api) {
    return false;
  }
  if (api->tensorFromPyObject) { // a view: nothing allocated, nothing owned
    pqext::DLTensor t;
    if (api->tensorFromPyObject(obj.ptr(), &t) != 0) {
      throw nb::python_error();
    }
    importDescription(static_cast<char *>(t.data) + t.byteOffset, t.dtype,
                      t.ndim, t.shape, t.strides, t.device, out);
    return true;
  }
  pqext::DLManagedTensorVersioned *managed = nullptr;
  if (api->managedTensorFromPyObject(obj.ptr(), &managed) != 0 || !managed) {
    throw nb::python_error();
  }
  const pqext::DLTensor &t = managed->tensor;
  importDescription(static_cast<char *>(t.data) + t.byteOffset, t.dtype,
                    t.ndim, t.shape, t.strides, t.device, out);
  const bool readOnly = managed->flags & pqext::kDLReadOnly;
  if (managed->deleter) {
    managed->deleter(managed); // `obj` keeps the memory alive for the call
  }
  if (writable && readOnly) {
    badArgument(std::string(name) +
                ": is read-only, but it is an output (the call writes it)");
  }
  return true;
}

/// Reads `obj` (a torch tensor, or anything nb::ndarray imports). Inputs are
/// imported read-only, so read-only NumPy arrays are accepted for them. The
/// pointer stays valid while `obj` lives: the caller holds it for the call.
Array importArray(nb::handle obj, const char *name, bool writable) {
  Array out;
  if (importExchange(obj, name, writable, out)) {
    return out;
  }
  if (torchTypes.isTensor(obj)) {
    importTorch(obj, out);
    return out;
  }
  if (writable) {
    nb::ndarray<> a;
    if (!nb::try_cast(obj, a, false)) {
      badArgument(std::string(name) +
                  ": expected a writable array (DLPack or buffer protocol), "
                  "got " +
                  nb::cast<std::string>(nb::str(obj.type())));
    }
    importDlpack(a, out);
  } else {
    nb::ndarray<nb::ro> a;
    if (!nb::try_cast(obj, a, false)) {
      badArgument(std::string(name) +
                  ": expected an array (DLPack or buffer protocol), got " +
                  nb::cast<std::string>(nb::str(obj.type())));
    }
    importDlpack(a, out);
  }
  return out;
}

//===---------------------------- Configuration ---------------------------===//

pqrt_config configFromDict(const nb::dict &d) {
  pqrt_config c;
  pqrt_config_init(&c);
  auto get = [&](const char *key) -> int64_t {
    if (!d.contains(key)) {
      badArgument(std::string("config: missing field '") + key + "'");
    }
    return nb::cast<int64_t>(d[key]);
  };
  c.heads = get("heads");
  c.kv_heads = get("kv_heads");
  c.head_dim = get("head_dim");
  c.subspaces = get("subspaces");
  c.bits = get("bits");
  c.sink = get("sink");
  c.window = get("window");
  c.heavy = get("heavy");
  c.init_offset = get("init_offset");
  // Enum fields are range-checked by libpqrt on every call.
  c.metric = static_cast<pqrt_metric>(get("metric"));
  c.layout = static_cast<pqrt_layout>(get("layout"));
  c.query_type = static_cast<pqrt_dtype>(get("query_type"));
  c.centroid_type = static_cast<pqrt_dtype>(get("centroid_type"));
  c.weight_type = static_cast<pqrt_dtype>(get("weight_type"));
  c.index_type = static_cast<pqrt_dtype>(get("index_type"));
  return c;
}

nb::dict configToDict(const pqrt_config &c) {
  nb::dict d;
  d["heads"] = c.heads;
  d["kv_heads"] = c.kv_heads;
  d["head_dim"] = c.head_dim;
  d["subspaces"] = c.subspaces;
  d["bits"] = c.bits;
  d["sink"] = c.sink;
  d["window"] = c.window;
  d["heavy"] = c.heavy;
  d["init_offset"] = c.init_offset;
  d["metric"] = static_cast<int>(c.metric);
  d["layout"] = static_cast<int>(c.layout);
  d["query_type"] = static_cast<int>(c.query_type);
  d["centroid_type"] = static_cast<int>(c.centroid_type);
  d["weight_type"] = static_cast<int>(c.weight_type);
  d["index_type"] = static_cast<int>(c.index_type);
  return d;
}

//===----------------------------- Step checks ----------------------------===//

/// Where a step's buffers must live: host memory (the reference) or one GPU.
struct Placement {
  bool gpu;
  int device;
};

void expectArray(const Array &a, const char *name, const char *dims,
                 std::initializer_list<int64_t> shape, int dtype,
                 const Placement &place) {
  int ndim = static_cast<int>(shape.size());
  bool ok = a.ndim == ndim;
  for (int i = 0; ok && i < ndim; ++i) {
    ok = a.shape[i] == shape.begin()[i];
  }
  if (!ok) {
    badArgument(std::string(name) + ": expected shape " +
                shapeText(shape.begin(), ndim) + " " + dims + ", got " +
                shapeText(a.shape, a.ndim));
  }
  bool typeOk = a.dtype == dtype || (dtype == PQRT_BF16 && a.dtype == kRaw16);
  if (!typeOk) {
    std::string got = a.dtype == kUnknownType ? a.dtypeText
                      : a.dtype == kRaw16     ? "int16"
                                              : dtypeName(a.dtype);
    badArgument(std::string(name) + ": expected dtype " + dtypeName(dtype) +
                ", got " + got);
  }
  if (!a.contiguous) {
    badArgument(std::string(name) +
                ": must be contiguous (row-major, no gaps); pass "
                "x.contiguous() or a copy");
  }
  if (place.gpu) {
    if (a.where != Where::Cuda || a.device != place.device) {
      std::string got = a.where == Where::Host   ? "host memory"
                        : a.where == Where::Cuda ? "cuda:" +
                                                       std::to_string(a.device)
                                                 : a.deviceText;
      badArgument(std::string(name) + ": expected memory of cuda:" +
                  std::to_string(place.device) + " (the indexer's device), got " +
                  got);
    }
  } else if (a.where != Where::Host) {
    std::string got = a.where == Where::Cuda
                          ? "cuda:" + std::to_string(a.device)
                          : a.deviceText;
    badArgument(std::string(name) +
                ": the CPU reference needs host (NumPy/CPU) memory, got " +
                got);
  }
}

/// Checks centroids [b, h_kv, S, C, ds'] against `c`.
void expectCentroids(const Array &centroids, const pqrt_config &c, int64_t b,
                     const Placement &place) {
  const int64_t s = c.subspaces;
  const int64_t count =
      int64_t(1) << (c.bits < 0 || c.bits > 16 ? 0 : c.bits);
  const bool ip = c.metric == PQRT_METRIC_IP;
  const int64_t width = c.head_dim / (s ? s : 1) + (ip ? 1 : 0);
  expectArray(centroids, "centroids",
              ip ? "(b, kv_heads, subspaces, 2^bits, head_dim/subspaces + 1)"
                 : "(b, kv_heads, subspaces, 2^bits, head_dim/subspaces)",
              {b, c.kv_heads, s, count, width}, c.centroid_type, place);
}

/// Checks a codebook against the layout of `c`; returns its capacity n_max.
int64_t expectCodebook(const Array &codebook, const pqrt_config &c, int64_t b,
                       const Placement &place) {
  const int64_t hk = c.kv_heads, s = c.subspaces;
  if (c.layout == PQRT_LAYOUT_COMPACT) {
    const int64_t capacity = codebook.ndim == 4 ? codebook.shape[2] : -1;
    expectArray(codebook, "codebook",
                "(b, kv_heads, code capacity, subspaces), compact layout",
                {b, hk, capacity, s}, PQRT_U8, place);
    return capacity;
  }
  const int64_t capacity = codebook.ndim == 4 ? codebook.shape[1] : -1;
  expectArray(codebook, "codebook",
              "(b, code capacity, kv_heads, subspaces), seed layout",
              {b, capacity, hk, s}, PQRT_I64, place);
  return capacity;
}

/// The arrays of one step, checked against `c` and turned into a pqrt_step.
/// `seqLen` < 0 takes sk from weight_list's last dimension.
struct Step {
  Array query, key, centroids, phi, codebook, sparseList, sparseLen,
      weightList;
  pqrt_step raw;
  int64_t numCached = 0;

  Step(const pqrt_config &c, const Placement &place, nb::handle queryObj,
       nb::handle keyObj, nb::handle centroidsObj, nb::handle codebookObj,
       int64_t numCachedIn, nb::handle phiObj, nb::handle sparseListObj,
       nb::handle sparseLenObj, nb::handle weightListObj) {
    pqrt_step_init(&raw);
    numCached = numCachedIn;
    query = importArray(queryObj, "query", false);
    if (query.ndim != 4) {
      badArgument("query: expected 4 dimensions [b, heads, 1, head_dim], got " +
                  shapeText(query.shape, query.ndim));
    }
    weightList = importArray(weightListObj, "weight_list", true);
    if (weightList.ndim != 3) {
      badArgument("weight_list: expected 3 dimensions [b, heads, seq_len], "
                  "got " +
                  shapeText(weightList.shape, weightList.ndim));
    }
    int64_t b = query.shape[0];
    int64_t sk = weightList.shape[2];
    int64_t total = 0;
    check(pqrt_output_total(&c, sk, &total, nullptr));
    int64_t h = c.heads, hk = c.kv_heads, d = c.head_dim, s = c.subspaces;

    expectArray(query, "query", "(b, heads, 1, head_dim)", {b, h, 1, d},
                c.query_type, place);
    int64_t keyCapacity = sk;
    if (!keyObj.is_none()) {
      key = importArray(keyObj, "key", false);
      keyCapacity = key.ndim == 4 ? key.shape[2] : -1;
      expectArray(key, "key", "(b, kv_heads, key capacity >= seq_len, head_dim)",
                  {b, hk, keyCapacity, d}, c.query_type, place);
    }
    centroids = importArray(centroidsObj, "centroids", false);
    expectCentroids(centroids, c, b, place);
    if (!phiObj.is_none() && c.metric == PQRT_METRIC_IP) {
      phi = importArray(phiObj, "phi", false);
      expectArray(phi, "phi", "(b * kv_heads * subspaces)", {b * hk * s},
                  PQRT_F32, place);
    }
    codebook = importArray(codebookObj, "codebook", true);
    const int64_t capacity = expectCodebook(codebook, c, b, place);
    sparseList = importArray(sparseListObj, "sparse_list", true);
    expectArray(sparseList, "sparse_list", "(b, heads, total)", {b, h, total},
                c.index_type, place);
    sparseLen = importArray(sparseLenObj, "sparse_len", true);
    expectArray(sparseLen, "sparse_len", "(b, heads)", {b, h}, PQRT_I64,
                place);
    expectArray(weightList, "weight_list", "(b, heads, seq_len)", {b, h, sk},
                c.weight_type, place);

    raw.batch = b;
    raw.seq_len = sk;
    raw.key_capacity = keyCapacity;
    raw.code_capacity = capacity;
    raw.query = query.data;
    raw.key = key.data;
    raw.centroids = centroids.data;
    raw.phi = static_cast<const float *>(phi.data);
    raw.codebook = codebook.data;
    raw.num_cached = &numCached;
    raw.sparse_list = sparseList.data;
    raw.sparse_len = static_cast<int64_t *>(sparseLen.data);
    raw.weight_list = weightList.data;
  }
};

/// The arrays of one index build, checked against `c` and turned into a
/// pqrt_build: key [b, h_kv, capacity, d] and the optional initial indices
/// [b * h_kv * S, C] int64 are read; centroids, phi (metric ip only),
/// codebook and the optional iterations [1] int64 are written, so they must
/// be writable. `seqLen` < 0 takes sk from key's capacity. Without an
/// iterations array the host build (the reference) counts into
/// `hostIterations`; a GPU build gets NULL. Everything is checked before
/// libpqrt sees a pointer, so a rejected call writes nothing.
struct Build {
  Array key, centroids, phi, codebook, initial, iterations;
  pqrt_build raw;
  int64_t numCached = 0;
  int64_t hostIterations = 0;

  Build(const pqrt_config &c, const Placement &place, nb::handle keyObj,
        nb::handle centroidsObj, nb::handle codebookObj, nb::handle phiObj,
        int64_t seqLen, int64_t kmeansIter, uint64_t seed,
        nb::handle initialObj, const char *initialName,
        nb::handle iterationsObj) {
    key = importArray(keyObj, "key", false);
    if (key.ndim != 4) {
      badArgument("key: expected 4 dimensions [b, kv_heads, capacity, "
                  "head_dim], got " +
                  shapeText(key.shape, key.ndim));
    }
    const int64_t b = key.shape[0], capacity = key.shape[2];
    const int64_t hk = c.kv_heads, d = c.head_dim, s = c.subspaces;
    const int64_t count =
        int64_t(1) << (c.bits < 0 || c.bits > 16 ? 0 : c.bits);
    expectArray(key, "key", "(b, kv_heads, capacity >= seq_len, head_dim)",
                {b, hk, capacity, d}, c.query_type, place);
    centroids = importArray(centroidsObj, "centroids", true);
    expectCentroids(centroids, c, b, place);
    const bool ip = c.metric == PQRT_METRIC_IP;
    if (!phiObj.is_none()) {
      if (!ip) {
        badArgument("phi: the configuration's metric is euclidean, which has "
                    "no phi; pass None");
      }
      phi = importArray(phiObj, "phi", true);
      expectArray(phi, "phi", "(b * kv_heads * subspaces)", {b * hk * s},
                  PQRT_F32, place);
    } else if (ip) {
      badArgument("phi: required for metric ip (an output: float32 "
                  "[b * kv_heads * subspaces])");
    }
    codebook = importArray(codebookObj, "codebook", true);
    const int64_t codeCapacity = expectCodebook(codebook, c, b, place);
    if (!initialObj.is_none()) {
      initial = importArray(initialObj, initialName, false);
      expectArray(initial, initialName, "(b * kv_heads * subspaces, 2^bits)",
                  {b * hk * s, count}, PQRT_I64, place);
    }
    if (!iterationsObj.is_none()) {
      iterations = importArray(iterationsObj, "iterations", true);
      expectArray(iterations, "iterations", "(one int64)", {1}, PQRT_I64,
                  place);
    }
    pqrt_build_init(&raw);
    raw.batch = b;
    raw.seq_len = seqLen < 0 ? capacity : seqLen;
    raw.key_capacity = capacity;
    raw.code_capacity = codeCapacity;
    raw.kmeans_iter = kmeansIter;
    raw.seed = seed;
    raw.initial_indices = static_cast<const int64_t *>(initial.data);
    raw.key = key.data;
    raw.centroids = centroids.data;
    raw.phi = static_cast<float *>(phi.data);
    raw.codebook = codebook.data;
    raw.num_cached = &numCached;
    raw.iterations = iterationsObj.is_none()
                         ? (place.gpu ? nullptr : &hostIterations)
                         : static_cast<int64_t *>(iterations.data);
  }
  Build(const Build &) = delete; // raw points into it
};

/// A build on a bundle without one: PQRT_UNSUPPORTED (a RuntimeError) that
/// names the fix in Python, before any argument is looked at.
void requireBuild(bool hasBuild, const std::string &entry) {
  if (!hasBuild) {
    throw std::runtime_error(
        "PQRT_UNSUPPORTED: build: bundle '" + entry +
        "' has no index build; compile it with pq.compile(config, "
        "build=True), or build the index on the host with "
        "pq.reference_build and copy it to the device");
  }
}

//===--------------------------- Bundle, Indexer --------------------------===//

struct Bundle {
  pqrt_bundle *handle = nullptr;
  explicit Bundle(pqrt_bundle *h) : handle(h) {}
  Bundle(const Bundle &) = delete;
  ~Bundle() { pqrt_bundle_destroy(handle); }

  static Bundle *fromFile(const std::string &path) {
    pqrt_bundle *h = nullptr;
    check(pqrt_bundle_load_file(path.c_str(), &h));
    return new Bundle(h);
  }
  static Bundle *fromBytes(nb::bytes data) {
    pqrt_bundle *h = nullptr;
    check(pqrt_bundle_load_memory(data.c_str(), data.size(), &h));
    return new Bundle(h);
  }
  nb::dict info() const {
    pqrt_bundle_info i;
    pqrt_bundle_info_init(&i);
    check(pqrt_bundle_get_info(handle, &i));
    nb::dict d;
    d["entry"] = i.entry;
    d["producer"] = i.producer;
    d["strategy"] = i.strategy;
    d["static_batch"] = i.static_batch;
    d["max_seq_len"] = i.max_seq_len;
    d["quantize"] = bool(i.quantize);
    d["workspace_bytes_per_batch"] = i.workspace_bytes_per_batch;
    d["num_kernels"] = i.num_kernels;
    d["num_images"] = i.num_images;
    d["has_build"] = bool(i.has_build);
    return d;
  }
  nb::dict config() const {
    pqrt_config c;
    pqrt_config_init(&c);
    check(pqrt_bundle_get_config(handle, &c));
    return configToDict(c);
  }
  /// Every check Indexer.build makes, for an indexer on `device` with
  /// `maxBatch`, without a GPU (pqrt_bundle_validate_build); returns n.
  int64_t validateBuild(int device, int64_t maxBatch, nb::handle key,
                        nb::handle centroids, nb::handle codebook,
                        nb::handle phi, int64_t seqLen, int64_t kmeansIter,
                        uint64_t seed, nb::handle initial,
                        nb::handle iterations) const {
    pqrt_bundle_info i;
    pqrt_bundle_info_init(&i);
    check(pqrt_bundle_get_info(handle, &i));
    requireBuild(i.has_build != 0, i.entry);
    pqrt_config c;
    pqrt_config_init(&c);
    check(pqrt_bundle_get_config(handle, &c));
    Build build(c, {true, device}, key, centroids, codebook, phi, seqLen,
                kmeansIter, seed, initial, "initial_indices", iterations);
    check(pqrt_bundle_validate_build(handle, maxBatch, &build.raw));
    return build.raw.seq_len - c.init_offset;
  }
  nb::tuple selectImage(int sm) const {
    const char *arch = nullptr;
    int isPtx = 0;
    check(pqrt_bundle_select_image(handle, sm, &arch, &isPtx));
    return nb::make_tuple(std::string(arch), bool(isPtx));
  }
};

struct Indexer {
  pqrt_indexer *handle = nullptr;
  pqrt_config config;
  Placement place;
  bool hasBuild = false;
  std::string entry;

  Indexer(const Bundle &bundle, int device, int64_t maxBatch) {
    pqrt_config_init(&config);
    check(pqrt_bundle_get_config(bundle.handle, &config));
    pqrt_bundle_info info;
    pqrt_bundle_info_init(&info);
    check(pqrt_bundle_get_info(bundle.handle, &info));
    hasBuild = info.has_build != 0;
    entry = info.entry;
    check(pqrt_indexer_create(bundle.handle, device, maxBatch, &handle));
    place = {true, device};
  }
  Indexer(const Indexer &) = delete;
  ~Indexer() { pqrt_indexer_destroy(handle); }

  int64_t run(nb::handle query, nb::handle key, nb::handle centroids,
              nb::handle codebook, int64_t numCached, nb::handle phi,
              nb::handle sparseList, nb::handle sparseLen,
              nb::handle weightList, nb::handle stream) const {
    Step step(config, place, query, key, centroids, codebook, numCached, phi,
              sparseList, sparseLen, weightList);
    void *handle = resolveStream(stream, query);
    check(pqrt_indexer_run(this->handle, &step.raw, handle));
    return step.numCached;
  }

  /// The index build on this GPU (pqrt_indexer_build); returns n.
  int64_t build(nb::handle key, nb::handle centroids, nb::handle codebook,
                nb::handle phi, int64_t seqLen, int64_t kmeansIter,
                uint64_t seed, nb::handle initial, nb::handle iterations,
                nb::handle stream) const {
    requireBuild(hasBuild, entry);
    Build build(config, place, key, centroids, codebook, phi, seqLen,
                kmeansIter, seed, initial, "initial_indices", iterations);
    void *handle = resolveStream(stream, key);
    check(pqrt_indexer_build(this->handle, &build.raw, handle));
    return build.numCached;
  }

private:
  /// `stream` is a CUstream as an int, or None: torch's current stream on
  /// this device for torch tensors (read here, it is most calls' case), else
  /// what pq._indexer.stream_handle says (CuPy's current stream, or 0).
  void *resolveStream(nb::handle stream, nb::handle query) const {
    if (stream.is_none()) {
      const pqext::DLPackExchangeApi *api = exchangeTables.of(query.ptr());
      if (api && api->currentWorkStream) {
        void *current = nullptr;
        if (api->currentWorkStream(pqext::kDLCUDA, place.device, &current) !=
            0) {
          throw nb::python_error();
        }
        return current;
      }
      if (torchTypes.currentStream && torchTypes.isTensor(query)) {
        nb::object device = nb::int_(place.device);
        PyObject *args[1] = {device.ptr()};
        PyObject *raw = PyObject_Vectorcall(torchTypes.currentStream, args, 1,
                                            nullptr);
        if (!raw) {
          throw nb::python_error();
        }
        return reinterpret_cast<void *>(nb::cast<uintptr_t>(nb::steal(raw)));
      }
      nb::object resolve =
          nb::module_::import_("pq._indexer").attr("stream_handle");
      nb::object resolved = resolve(nb::none(), query, place.device);
      return reinterpret_cast<void *>(nb::cast<uintptr_t>(resolved));
    }
    uintptr_t value = 0;
    if (PyBool_Check(stream.ptr()) || !nb::try_cast(stream, value)) {
      badArgument("stream: expected a CUstream handle (an int >= 0) or None");
    }
    return reinterpret_cast<void *>(value);
  }
};

int64_t referenceRun(const nb::dict &configDict, nb::handle query,
                     nb::handle key, nb::handle centroids, nb::handle codebook,
                     int64_t numCached, nb::handle phi, nb::handle sparseList,
                     nb::handle sparseLen, nb::handle weightList) {
  pqrt_config c = configFromDict(configDict);
  Step step(c, {false, -1}, query, key, centroids, codebook, numCached, phi,
            sparseList, sparseLen, weightList);
  pqrt_status status;
  {
    nb::gil_scoped_release release; // the reference may take seconds
    status = pqrt_reference_run(&c, &step.raw);
  }
  check(status);
  return step.numCached;
}

void referenceScores(const nb::dict &configDict, nb::handle query,
                     nb::handle key, nb::handle centroids, nb::handle codebook,
                     int64_t numCached, nb::handle phi, nb::handle sparseList,
                     nb::handle sparseLen, nb::handle weightList,
                     nb::handle scoresObj) {
  pqrt_config c = configFromDict(configDict);
  Step step(c, {false, -1}, query, key, centroids, codebook, numCached, phi,
            sparseList, sparseLen, weightList);
  Array scores = importArray(scoresObj, "scores", true);
  int64_t n = step.raw.seq_len - c.init_offset;
  expectArray(scores, "scores", "(b, heads, seq_len - init_offset)",
              {step.raw.batch, c.heads, n < 0 ? 0 : n}, PQRT_F32,
              {false, -1});
  int64_t capacity = step.raw.batch * c.heads * (n < 0 ? 0 : n);
  check(pqrt_reference_scores(&c, &step.raw, static_cast<float *>(scores.data),
                              capacity));
}

/// Host views of (sparse_list, sparse_len, weight_list) for the comparisons.
struct Outputs {
  Array lists[3];
  pqrt_outputs raw;
  Outputs(const pqrt_config &c, int64_t b, int64_t sk, nb::handle sl,
          nb::handle sn, nb::handle wl, const char *which) {
    int64_t total = 0;
    check(pqrt_output_total(&c, sk, &total, nullptr));
    std::string prefix = std::string(which) + ".";
    std::string n0 = prefix + "sparse_list", n1 = prefix + "sparse_len",
                n2 = prefix + "weight_list";
    lists[0] = importArray(sl, n0.c_str(), false);
    lists[1] = importArray(sn, n1.c_str(), false);
    lists[2] = importArray(wl, n2.c_str(), false);
    Placement host{false, -1};
    expectArray(lists[0], n0.c_str(), "(b, heads, total)", {b, c.heads, total},
                c.index_type, host);
    expectArray(lists[1], n1.c_str(), "(b, heads)", {b, c.heads}, PQRT_I64,
                host);
    expectArray(lists[2], n2.c_str(), "(b, heads, seq_len)", {b, c.heads, sk},
                c.weight_type, host);
    pqrt_outputs_init(&raw);
    raw.sparse_list = lists[0].data;
    raw.sparse_len = static_cast<const int64_t *>(lists[1].data);
    raw.weight_list = lists[2].data;
  }
};

void referenceCompare(const nb::dict &configDict, int64_t batch, int64_t seqLen,
                      nb::handle refList, nb::handle refLen, nb::handle refWeight,
                      nb::handle scoresObj, nb::handle actList,
                      nb::handle actLen, nb::handle actWeight,
                      double tolerance) {
  pqrt_config c = configFromDict(configDict);
  Outputs reference(c, batch, seqLen, refList, refLen, refWeight, "reference");
  Outputs actual(c, batch, seqLen, actList, actLen, actWeight, "actual");
  const float *scores = nullptr;
  Array scoreArray;
  if (!scoresObj.is_none()) {
    scoreArray = importArray(scoresObj, "scores", false);
    int64_t n = seqLen - c.init_offset;
    expectArray(scoreArray, "scores", "(b, heads, seq_len - init_offset)",
                {batch, c.heads, n < 0 ? 0 : n}, PQRT_F32, {false, -1});
    scores = static_cast<const float *>(scoreArray.data);
  }
  check(pqrt_reference_compare(&c, batch, seqLen, &reference.raw, scores,
                               &actual.raw, tolerance));
}

void referenceCompareIdentical(const nb::dict &configDict, int64_t batch,
                               int64_t seqLen, nb::handle firstList,
                               nb::handle firstLen, nb::handle firstWeight,
                               nb::handle secondList, nb::handle secondLen,
                               nb::handle secondWeight) {
  pqrt_config c = configFromDict(configDict);
  Outputs first(c, batch, seqLen, firstList, firstLen, firstWeight, "first");
  Outputs second(c, batch, seqLen, secondList, secondLen, secondWeight,
                 "second");
  check(pqrt_reference_compare_identical(&c, batch, seqLen, &first.raw,
                                         &second.raw));
}

/// pqrt_reference_build on host arrays (Build's shapes; the initial indices
/// are named `initial` here, as pq.reference_build calls them). Returns
/// (num_cached, iterations).
nb::tuple referenceBuild(const nb::dict &configDict, nb::handle keyObj,
                         int64_t seqLen, int64_t kmeansIter, uint64_t seed,
                         nb::handle initialObj, nb::handle centroidsObj,
                         nb::handle phiObj, nb::handle codebookObj) {
  pqrt_config c = configFromDict(configDict);
  Build build(c, {false, -1}, keyObj, centroidsObj, codebookObj, phiObj,
              seqLen, kmeansIter, seed, initialObj, "initial", nb::none());
  pqrt_status status;
  {
    nb::gil_scoped_release release; // k-means on the CPU may take long
    status = pqrt_reference_build(&c, &build.raw);
  }
  check(status);
  return nb::make_tuple(build.numCached, build.hostIterations);
}

nb::tuple outputTotal(const nb::dict &configDict, int64_t seqLen) {
  pqrt_config c = configFromDict(configDict);
  int64_t total = 0;
  int full = 0;
  check(pqrt_output_total(&c, seqLen, &total, &full));
  return nb::make_tuple(total, bool(full));
}

} // namespace

NB_MODULE(_pqrt, m) {
  m.doc() = "libpqrt's C API (pqrt.h) for pq; use the pq package instead.";
  if (!pqrt_version_compatible(pqrt_get_version())) {
    throw std::runtime_error(
        "pq._pqrt: the loaded libpqrt " +
        std::to_string(pqrt_get_version() >> 16) + "." +
        std::to_string(pqrt_get_version() & 0xffff) +
        " does not serve this binding (built with pqrt.h " +
        std::to_string(PQRT_VERSION_MAJOR) + "." +
        std::to_string(PQRT_VERSION_MINOR) + ")");
  }
  m.attr("HEADER_VERSION") =
      nb::make_tuple(PQRT_VERSION_MAJOR, PQRT_VERSION_MINOR);

  m.def("library_version", [] {
    uint32_t v = pqrt_get_version();
    return nb::make_tuple(int(v >> 16), int(v & 0xffff));
  });
  m.def("device_count", [] {
    int count = 0;
    check(pqrt_device_count(&count));
    return count;
  });
  m.def("device_sm", [](int device) {
    int sm = 0;
    check(pqrt_device_sm(device, &sm));
    return sm;
  });
  m.def("output_total", &outputTotal, nb::arg("config"), nb::arg("seq_len"));

  nb::class_<Bundle>(m, "Bundle")
      .def_static("from_file", &Bundle::fromFile, nb::arg("path"),
                  nb::rv_policy::take_ownership)
      .def_static("from_bytes", &Bundle::fromBytes, nb::arg("data"),
                  nb::rv_policy::take_ownership)
      .def("info", &Bundle::info)
      .def("config", &Bundle::config)
      .def("select_image", &Bundle::selectImage, nb::arg("sm"))
      .def("validate_build", &Bundle::validateBuild, nb::arg("device"),
           nb::arg("max_batch"), nb::arg("key"), nb::arg("centroids"),
           nb::arg("codebook"), nb::arg("phi").none(), nb::arg("seq_len"),
           nb::arg("kmeans_iter"), nb::arg("seed"),
           nb::arg("initial_indices").none(), nb::arg("iterations").none());

  nb::class_<Indexer>(m, "Indexer")
      .def(nb::init<const Bundle &, int, int64_t>(), nb::arg("bundle"),
           nb::arg("device"), nb::arg("max_batch"))
      .def("run", &Indexer::run, nb::arg("query"), nb::arg("key").none(),
           nb::arg("centroids"), nb::arg("codebook"), nb::arg("num_cached"),
           nb::arg("phi").none(), nb::arg("sparse_list"),
           nb::arg("sparse_len"), nb::arg("weight_list"),
           nb::arg("stream").none())
      .def("build", &Indexer::build, nb::arg("key"), nb::arg("centroids"),
           nb::arg("codebook"), nb::arg("phi").none(), nb::arg("seq_len"),
           nb::arg("kmeans_iter"), nb::arg("seed"),
           nb::arg("initial_indices").none(), nb::arg("iterations").none(),
           nb::arg("stream").none())
      .def_ro("has_build", &Indexer::hasBuild)
      .def("config", [](const Indexer &i) { return configToDict(i.config); });

  m.def("reference_run", &referenceRun, nb::arg("config"), nb::arg("query"),
        nb::arg("key").none(), nb::arg("centroids"), nb::arg("codebook"),
        nb::arg("num_cached"), nb::arg("phi").none(), nb::arg("sparse_list"),
        nb::arg("sparse_len"), nb::arg("weight_list"));
  m.def("reference_build", &referenceBuild, nb::arg("config"), nb::arg("key"),
        nb::arg("seq_len"), nb::arg("kmeans_iter"), nb::arg("seed"),
        nb::arg("initial").none(), nb::arg("centroids"), nb::arg("phi").none(),
        nb::arg("codebook"));
  m.def("reference_scores", &referenceScores, nb::arg("config"),
        nb::arg("query"), nb::arg("key").none(), nb::arg("centroids"),
        nb::arg("codebook"), nb::arg("num_cached"), nb::arg("phi").none(),
        nb::arg("sparse_list"), nb::arg("sparse_len"), nb::arg("weight_list"),
        nb::arg("scores"));
  m.def("reference_compare", &referenceCompare, nb::arg("config"),
        nb::arg("batch"), nb::arg("seq_len"), nb::arg("ref_sparse_list"),
        nb::arg("ref_sparse_len"), nb::arg("ref_weight_list"),
        nb::arg("scores").none(), nb::arg("sparse_list"),
        nb::arg("sparse_len"), nb::arg("weight_list"),
        nb::arg("relative_tolerance"));
  m.def("reference_compare_identical", &referenceCompareIdentical,
        nb::arg("config"), nb::arg("batch"), nb::arg("seq_len"),
        nb::arg("first_sparse_list"), nb::arg("first_sparse_len"),
        nb::arg("first_weight_list"), nb::arg("sparse_list"),
        nb::arg("sparse_len"), nb::arg("weight_list"));
}
