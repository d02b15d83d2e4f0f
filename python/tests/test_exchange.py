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
    t.device = DLDevice(1, 0)  # kDLCPU
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
    """A NumPy array seen only through the exchange table."""
    __dlpack_c_exchange_api__ = _new_capsule(ctypes.addressof(_API), _NAME, None)

    def __init__(self, array):
        self.array = array
        self.shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
        self.strides = (ctypes.c_int64 * max(array.ndim, 1))(
            *(s // array.itemsize for s in array.strides))


def _wrap(x):
    return None if x is None else ExchangeArray(x)


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
