"""The binding's DLPack C exchange path (dlpack.h 1.3,
`type(x).__dlpack_c_exchange_api__`), which recent PyTorch publishes: here a
producer written with ctypes over NumPy memory, so it runs without torch or
a GPU. An array type without `__dlpack__` can only be read through it."""
import ctypes

import numpy as np
import pytest

import pq
from conftest import random_step, small_config

c_int64_p = ctypes.POINTER(ctypes.c_int64)


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", c_int64_p), ("strides", c_int64_p),
                ("byte_offset", ctypes.c_uint64)]


TENSOR_FROM = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.POINTER(DLTensor))
WORK_STREAM = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int32, ctypes.c_int32,
                               ctypes.POINTER(ctypes.c_void_p))


class ExchangeAPI(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("prev_api", ctypes.c_void_p), ("managed_tensor_allocator", ctypes.c_void_p),
                ("managed_tensor_from_py_object_no_sync", ctypes.c_void_p),
                ("managed_tensor_to_py_object_no_sync", ctypes.c_void_p),
                ("dltensor_from_py_object_no_sync", TENSOR_FROM),
                ("current_work_stream", WORK_STREAM)]


# DLPack type codes of the NumPy kinds the tests use.
_CODES = {"i": 0, "u": 1, "f": 2}
calls = {"tensor": 0}


@TENSOR_FROM
def _tensor_from(obj, out):
    calls["tensor"] += 1
    a = obj.array
    t = out.contents
    t.data = a.ctypes.data
    t.device = DLDevice(*obj.device)  # (1, 0): kDLCPU
    t.ndim = a.ndim
    t.dtype = DLDataType(_CODES[a.dtype.kind], a.dtype.itemsize * 8, 1)
    t.shape = obj.shape
    t.strides = obj.strides
    t.byte_offset = 0
    return 0


@WORK_STREAM
def _work_stream(device_type, device_id, out):
    out[0] = None
    return 0


_API = ExchangeAPI(1, 3, None, None, None, None, _tensor_from, _work_stream)
_NAME = b"dlpack_exchange_api"
_new_capsule = ctypes.pythonapi.PyCapsule_New
_new_capsule.restype = ctypes.py_object
_new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class ExchangeArray:
    """A NumPy array seen only through the exchange table. `device` is the
    (DLPack device type, ordinal) it claims: (2, N) passes it off as memory
    of cuda:N, which the binding's checks accept and never read (the
    build's checks without a GPU, test_build.py)."""
    __dlpack_c_exchange_api__ = _new_capsule(ctypes.addressof(_API), _NAME, None)

    def __init__(self, array, device=(1, 0)):
        self.array = array
        self.device = device
        self.shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
        self.strides = (ctypes.c_int64 * max(array.ndim, 1))(
            *(s // array.itemsize for s in array.strides))


def _wrap(x):
    return None if x is None else ExchangeArray(x)


# A producer that only hands out owned tensors (managed_tensor_from_...),
# as a framework without the non-owning call would: the binding must call
# the deleter once per import and honour the read-only flag.
class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensorVersioned))
DLManagedTensorVersioned._fields_ = [
    ("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER),
    ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]
MANAGED_FROM = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.py_object,
                                ctypes.POINTER(ctypes.POINTER(DLManagedTensorVersioned)))


class ManagedExchangeAPI(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("prev_api", ctypes.c_void_p), ("managed_tensor_allocator", ctypes.c_void_p),
                ("managed_tensor_from_py_object_no_sync", MANAGED_FROM),
                ("managed_tensor_to_py_object_no_sync", ctypes.c_void_p),
                ("dltensor_from_py_object_no_sync", ctypes.c_void_p),
                ("current_work_stream", WORK_STREAM)]


_owned = {}  # address -> the struct, alive until its deleter runs
managed = {"made": 0, "deleted": 0}


@DELETER
def _managed_deleter(tensor):
    managed["deleted"] += 1
    _owned.pop(ctypes.addressof(tensor.contents))


@MANAGED_FROM
def _managed_from(obj, out):
    managed["made"] += 1
    m = DLManagedTensorVersioned()
    m.version = DLPackVersion(1, 3)
    m.deleter = _managed_deleter
    m.flags = 1 if obj.read_only else 0  # DLPACK_FLAG_BITMASK_READ_ONLY
    _tensor_from(obj, ctypes.pointer(m.dl_tensor))
    _owned[ctypes.addressof(m)] = m
    out[0] = ctypes.pointer(m)
    return 0


_MANAGED_API = ManagedExchangeAPI(1, 3, None, None, _managed_from, None, None, _work_stream)


class ManagedArray(ExchangeArray):
    """A NumPy array seen only through owned DLPack tensors."""
    __dlpack_c_exchange_api__ = _new_capsule(ctypes.addressof(_MANAGED_API), _NAME, None)

    def __init__(self, array, read_only=False, device=(1, 0)):
        super().__init__(array, device)
        self.read_only = read_only


def test_exchange_arrays_give_the_same_step_as_numpy():
    c = small_config()
    b, sk = 2, 120
    step = random_step(c, b, sk, num_cached=sk - c.init_offset - 3, seed=11)
    total, _ = pq.output_total(c, sk)
    outs = [np.zeros((b, c.heads, total), np.int64), np.zeros((b, c.heads), np.int64),
            np.zeros((b, c.heads, sk), np.float32)]
    mine = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in step.items()}
    expected = pq.reference(c, **mine)
    before = calls["tensor"]
    codebook = step["codebook"]
    n = pq._pqrt.reference_run(c.to_pqrt(), _wrap(step["query"]), _wrap(step["key"]),
                               _wrap(step["centroids"]), _wrap(codebook),
                               step["num_cached"], None, *(_wrap(o) for o in outs))
    assert calls["tensor"] - before == 7  # every array went through the table
    assert n == expected.num_cached
    np.testing.assert_array_equal(outs[0], expected.sparse_list)
    np.testing.assert_array_equal(outs[1], expected.sparse_len)
    np.testing.assert_array_equal(outs[2], expected.weight_list)
    np.testing.assert_array_equal(codebook, mine["codebook"])  # the new codes


def test_exchange_arrays_are_checked_like_any_other():
    c = small_config()
    b, sk = 1, 64
    step = random_step(c, b, sk, seed=3)
    total, _ = pq.output_total(c, sk)
    outs = [np.zeros((b, c.heads, total), np.int64), np.zeros((b, c.heads), np.int64),
            np.zeros((b, c.heads, sk), np.float32)]
    wrong = np.zeros((b, c.heads, total), np.int32)  # index_type is i64
    with pytest.raises(ValueError, match="sparse_list: expected dtype int64, got int32"):
        pq._pqrt.reference_run(c.to_pqrt(), _wrap(step["query"]), _wrap(step["key"]),
                               _wrap(step["centroids"]), _wrap(step["codebook"]),
                               step["num_cached"], None, _wrap(wrong), _wrap(outs[1]),
                               _wrap(outs[2]))
    strided = np.zeros((b, c.heads, 2 * sk), np.float32)[:, :, ::2]
    with pytest.raises(ValueError, match="weight_list: must be contiguous"):
        pq._pqrt.reference_run(c.to_pqrt(), _wrap(step["query"]), _wrap(step["key"]),
                               _wrap(step["centroids"]), _wrap(step["codebook"]),
                               step["num_cached"], None, _wrap(outs[0]), _wrap(outs[1]),
                               ExchangeArray(strided))


def test_owned_tensors_are_released_and_read_only_outputs_refused():
    c = small_config()
    b, sk = 1, 90
    step = random_step(c, b, sk, num_cached=sk - c.init_offset, seed=4)
    total, _ = pq.output_total(c, sk)
    outs = [np.zeros((b, c.heads, total), np.int64), np.zeros((b, c.heads), np.int64),
            np.zeros((b, c.heads, sk), np.float32)]
    expected = pq.reference(c, **{k: (v.copy() if isinstance(v, np.ndarray) else v)
                                  for k, v in step.items()})
    made, deleted = managed["made"], managed["deleted"]
    args = [ManagedArray(step["query"]), None, ManagedArray(step["centroids"]),
            ManagedArray(step["codebook"]), step["num_cached"], None]
    pq._pqrt.reference_run(c.to_pqrt(), *args, *(ManagedArray(o) for o in outs))
    assert managed["made"] - made == 6 and managed["deleted"] - deleted == 6
    assert not _owned
    np.testing.assert_array_equal(outs[0], expected.sparse_list)
    np.testing.assert_array_equal(outs[2], expected.weight_list)
    # Inputs may be read-only; an output may not (and nothing is written).
    args[0] = ManagedArray(step["query"], read_only=True)
    before = outs[0].copy()
    with pytest.raises(ValueError, match="sparse_list: is read-only, but it is an output"):
        pq._pqrt.reference_run(c.to_pqrt(), *args, ManagedArray(outs[0], read_only=True),
                               ManagedArray(outs[1]), ManagedArray(outs[2]))
    np.testing.assert_array_equal(outs[0], before)
    assert managed["made"] == managed["deleted"] and not _owned
