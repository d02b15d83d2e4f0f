"""pq.Indexer (a bundle on one GPU) and the CPU reference through libpqrt."""
from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _pqrt
from ._compile import Bundle
from ._config import StepConfig

Array = Any  # anything with __dlpack__ (torch, CuPy, JAX) or NumPy / buffer protocol
StreamLike = Union[None, int, Any]

#: max_batch of an Indexer of a dynamic-batch bundle when none is given.
DEFAULT_MAX_BATCH = 8


class StepOutputs(NamedTuple):
    """One step's outputs and the codebook count after it."""

    sparse_list: Array  #: [b, heads, total] index_type
    sparse_len: Array   #: [b, heads] int64
    weight_list: Array  #: [b, heads, seq_len] weight_type
    num_cached: int     #: codes in the codebook after the step


def output_total(config: StepConfig, seq_len: int) -> Tuple[int, bool]:
    """(total, full_attention): entries per (b, head) row of sparse_list for
    this seq_len, and whether the step takes the full-attention path."""
    total, full = _pqrt.output_total(config.to_pqrt(), int(seq_len))
    return int(total), bool(full)


def _python_total(config: StepConfig, seq_len: int) -> Tuple[int, bool]:
    """output_total's rule in plain Python (SEMANTICS.md, "The step"), for
    code that torch.compile traces (it cannot trace into the binding); a
    test keeps it equal to pqrt_output_total."""
    n = seq_len - config.init_offset
    if seq_len <= config.heavy + config.init_offset + 1 + config.centroids:
        return seq_len, True
    k = min(config.heavy, n)
    return min(config.sink, seq_len) + k + min(config.window, seq_len), False


def device_count() -> int:
    """CUDA devices visible to libpqrt; 0 without a driver or a GPU."""
    try:
        return _pqrt.device_count()
    except RuntimeError:
        return 0


def _framework(a: Any) -> str:
    return type(a).__module__.split(".", 1)[0]


def stream_handle(stream: StreamLike, like: Any, device: int) -> int:
    """A CUstream as an int: `stream` itself (an int, a torch.cuda.Stream, a
    CuPy stream, anything with __cuda_stream__), or when None the current
    stream of `like`'s framework on `device` (torch, CuPy); else 0, the
    legacy default stream."""
    if stream is None:
        fw = _framework(like)
        if fw == "torch":
            torch = sys.modules["torch"]
            get = getattr(torch._C, "_cuda_getCurrentRawStream", None)
            if get is not None:
                return int(get(device))
            return int(torch.cuda.current_stream(device).cuda_stream)
        if fw == "cupy":
            return int(sys.modules["cupy"].cuda.get_current_stream().ptr)
        return 0
    if isinstance(stream, bool):
        raise ValueError(f"stream: expected an int or a stream object, got {stream!r}")
    if isinstance(stream, int):
        if stream < 0:
            raise ValueError(f"stream: expected a CUstream handle >= 0, got {stream}")
        return stream
    if hasattr(stream, "__cuda_stream__"):
        return int(stream.__cuda_stream__()[1])
    for attr in ("cuda_stream", "ptr", "handle"):
        value = getattr(stream, attr, None)
        if isinstance(value, int):
            return value
    raise ValueError(f"stream: expected an int (CUstream) or a stream object, "
                     f"got {type(stream).__name__}")


def _build_scalars(seq_len: Optional[int], kmeans_iter: int, seed: int) -> Tuple[int, int, int]:
    """The scalars of a GPU build as the binding takes them (seq_len None:
    -1, key's capacity); libpqrt checks their ranges (kmeans_iter in [0,
    PQRT_MAX_KMEANS_ITER], n = seq_len - init_offset >= C, max_seq_len)."""
    def integer(name: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name}: expected an int, got {value!r}")
        if not low <= value < high:
            raise ValueError(f"{name}: {value} is not in [{low}, {high})")
        return value
    sk = -1 if seq_len is None else integer("seq_len", seq_len, 0, 1 << 63)
    return (sk, integer("kmeans_iter", kmeans_iter, -(1 << 63), 1 << 63),
            integer("seed", seed, 0, 1 << 64))


def _empty(like: Any, shape: Tuple[int, ...], dtype: str) -> Array:
    """An uninitialized array of `like`'s framework and device."""
    fw = _framework(like)
    if fw == "torch":
        torch = sys.modules["torch"]
        tdt = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16,
               "i32": torch.int32, "i64": torch.int64, "u8": torch.uint8}[dtype]
        return torch.empty(shape, dtype=tdt, device=like.device)
    if fw == "cupy":
        cupy = sys.modules["cupy"]
        return cupy.empty(shape, dtype=_numpy_dtype(dtype))
    if fw == "numpy":
        return np.empty(shape, dtype=_numpy_dtype(dtype))
    raise ValueError(f"cannot allocate outputs like a {type(like).__module__}."
                     f"{type(like).__name__}: pass sparse_list, sparse_len and "
                     "weight_list preallocated")


def _numpy_dtype(dtype: str) -> np.dtype:
    # NumPy has no bfloat16: bf16 buffers are uint16 raw bits there.
    return np.dtype({"f32": np.float32, "f16": np.float16, "bf16": np.uint16,
                     "i32": np.int32, "i64": np.int64, "u8": np.uint8}[dtype])


def _resolve_device(device: Any) -> int:
    if device is None:
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
            return int(torch.cuda.current_device())
        return 0
    if isinstance(device, bool):
        raise ValueError(f"device: expected a CUDA ordinal, got {device!r}")
    if isinstance(device, int):
        return device
    text = str(device)  # 'cuda:1', torch.device('cuda', 1)
    index = getattr(device, "index", None)
    if isinstance(index, int):
        return index
    if text == "cuda":
        return 0
    if text.startswith("cuda:") and text[5:].isdigit():
        return int(text[5:])
    raise ValueError(f"device: expected a CUDA ordinal or 'cuda:N', got {device!r}")


class Indexer:
    """A bundle loaded on one GPU, ready to run steps.

    ``Indexer(bundle, device=None, max_batch=0)``: `bundle` is a
    :class:`Bundle` or a .pqmod path; `device` a CUDA ordinal, 'cuda:N' or a
    torch.device (None: torch's current device when torch has initialized
    CUDA, else 0); `max_batch` is the largest batch a call may pass and
    sizes the workspace (None: the module's static batch, else
    DEFAULT_MAX_BATCH).

    RuntimeError when there is no driver or GPU, or the bundle does not fit
    the device. Runs of one indexer share its workspace: order them on one
    stream, or use one indexer per concurrent stream.
    """

    def __init__(self, bundle: Union[Bundle, str, os.PathLike], device: Any = None, *,
                 max_batch: Optional[int] = None) -> None:
        if not isinstance(bundle, Bundle):
            bundle = Bundle.load(bundle)
        self.bundle: Bundle = bundle
        self.config: StepConfig = bundle.config
        self.device: int = _resolve_device(device)
        if max_batch is None:
            max_batch = bundle.info.static_batch or DEFAULT_MAX_BATCH
        self.max_batch: int = int(max_batch)
        self._handle = _pqrt.Indexer(bundle._handle, self.device, self.max_batch)
        self._run = self._handle.run
        self._pqrt_config = self.config.to_pqrt()

    def __call__(self, query: Array, key: Optional[Array], centroids: Array,
                 codebook: Array, num_cached: int, phi: Optional[Array],
                 sparse_list: Array, sparse_len: Array, weight_list: Array, *,
                 stream: StreamLike = None) -> int:
        """Enqueues one step; returns the new num_cached.

        Arrays (torch, CuPy, JAX or any DLPack producer, on this indexer's
        device, contiguous): query [b, h, 1, d], key [b, h_kv, capacity, d]
        (None when no key is left to quantize), centroids [b, h_kv, S, C,
        ds'], codebook (seed: int64 [b, n_max, h_kv, S]; compact: uint8
        [b, h_kv, n_max, S]; new codes are appended in place), phi
        [b*h_kv*S] float32 (metric ip; else None), and the outputs
        sparse_list [b, h, total], sparse_len [b, h], weight_list [b, h,
        seq_len]; seq_len is weight_list's last dimension.

        Runs on `stream` (None: the current stream of query's framework --
        torch's or CuPy's -- else the legacy default stream). Allocates
        nothing and does not synchronize, so it may be captured in a CUDA
        graph. ValueError for a wrong shape, dtype, device or stride (nothing
        is launched), RuntimeError for a failed launch.
        """
        # None is resolved by the binding (torch's current stream is read
        # there: one Python call less per step).
        if stream is not None and not isinstance(stream, int):
            stream = stream_handle(stream, query, self.device)
        return self._run(query, key, centroids, codebook, num_cached, phi,
                         sparse_list, sparse_len, weight_list, stream)

    @property
    def has_build(self) -> bool:
        """Whether the bundle carries the index build (``pq.compile(...,
        build=True)``), i.e. whether :meth:`build` can run."""
        return self._handle.has_build

    def build(self, key: Array, centroids: Array, codebook: Array, phi: Optional[Array] = None,
              *, seq_len: Optional[int] = None, kmeans_iter: int = 10, seed: int = 0,
              initial_indices: Optional[Array] = None, iterations: Optional[Array] = None,
              stream: StreamLike = None) -> int:
        """Enqueues the index build (k-means per (b, kv head, subspace) over
        the keys [init_offset, seq_len), then the codes of all of them;
        docs/BUILD.md) and returns n = seq_len - init_offset, the num_cached
        the next step continues from.

        Arrays on this indexer's device, contiguous: key [b, h_kv, capacity,
        d] (query_type; seq_len defaults to its capacity); outputs centroids
        [b, h_kv, S, C, ds'] (centroid_type), codebook (the layout's dtype
        and shape, at least n rows; rows [0, n) are written), phi
        [b*h_kv*S] float32 (metric ip; None otherwise). `initial_indices`
        [b*h_kv*S, C] int64 gives each group's initial points (distinct, in
        [0, n): not checked on the device, an index outside is reduced
        modulo n); None draws them by the seeded rule from `seed`, as
        :func:`pq.reference_build` does. `iterations` [1] int64, when given,
        receives the number of Lloyd updates that ran (<= kmeans_iter).

        Runs on `stream` like a step (None: the current stream of key's
        framework); allocates nothing and does not synchronize. RuntimeError
        (PQRT_UNSUPPORTED) when the bundle has no build (:attr:`has_build`),
        ValueError for a wrong shape, dtype, device, stride, a read-only
        output or a value libpqrt rejects (nothing is launched or written).
        """
        sk, iters, seed = _build_scalars(seq_len, kmeans_iter, seed)
        if stream is not None and not isinstance(stream, int):
            stream = stream_handle(stream, key, self.device)
        return self._handle.build(key, centroids, codebook, phi, sk, iters, seed,
                                  initial_indices, iterations, stream)

    def step(self, query: Array, key: Optional[Array], centroids: Array, codebook: Array,
             num_cached: int, phi: Optional[Array] = None, *, seq_len: Optional[int] = None,
             stream: StreamLike = None) -> StepOutputs:
        """Like calling the indexer, but allocates the outputs (in query's
        framework: torch or CuPy) for `seq_len` (default: key's capacity)."""
        sl, sn, wl = _allocate(self.config, query, key, seq_len)
        n = self(query, key, centroids, codebook, num_cached, phi, sl, sn, wl, stream=stream)
        return StepOutputs(sl, sn, wl, n)

    def __repr__(self) -> str:
        c = self.config
        return (f"Indexer(device=cuda:{self.device}, strategy={self.bundle.info.strategy!r}, "
                f"heads={c.heads}, kv_heads={c.kv_heads}, head_dim={c.head_dim}, "
                f"layout={c.layout!r}, max_seq_len={self.bundle.info.max_seq_len}"
                f"{', build' if self.has_build else ''})")


def _allocate(config: StepConfig, query: Array, key: Optional[Array],
              seq_len: Optional[int]) -> Tuple[Array, Array, Array]:
    if seq_len is None:
        if key is None:
            raise ValueError("seq_len: required when key is None")
        seq_len = int(key.shape[2])
    b = int(query.shape[0])
    total, _ = output_total(config, seq_len)
    h = config.heads
    return (_empty(query, (b, h, total), config.index_type),
            _empty(query, (b, h), "i64"),
            _empty(query, (b, h, seq_len), config.weight_type))


def reference(config: StepConfig, query: Array, key: Optional[Array], centroids: Array,
              codebook: Array, num_cached: int, phi: Optional[Array] = None, *,
              sparse_list: Optional[Array] = None, sparse_len: Optional[Array] = None,
              weight_list: Optional[Array] = None,
              seq_len: Optional[int] = None) -> StepOutputs:
    """The exact step of SEMANTICS.md on the CPU (pqrt_reference_run).

    Takes host arrays (NumPy, or torch CPU tensors) shaped as for
    :meth:`Indexer.__call__`; bf16 data may be given as uint16/int16 raw bits.
    The codebook is updated in place. Outputs are allocated (NumPy, bf16 as
    uint16 bits) unless all three are given; seq_len defaults to
    weight_list's last dimension, else key's capacity.
    """
    given = [a is not None for a in (sparse_list, sparse_len, weight_list)]
    if any(given) and not all(given):
        raise ValueError("sparse_list, sparse_len, weight_list: give all three or none")
    if not all(given):
        if seq_len is None and key is None:
            raise ValueError("seq_len: required when key is None")
        sk = int(seq_len if seq_len is not None else key.shape[2])
        total, _ = output_total(config, sk)
        b, h = int(query.shape[0]), config.heads
        sparse_list = np.empty((b, h, total), _numpy_dtype(config.index_type))
        sparse_len = np.empty((b, h), np.int64)
        weight_list = np.empty((b, h, sk), _numpy_dtype(config.weight_type))
    elif seq_len is not None and int(weight_list.shape[-1]) != int(seq_len):
        raise ValueError(f"seq_len: {seq_len} differs from weight_list's last dimension "
                         f"{weight_list.shape[-1]}")
    n = _pqrt.reference_run(config.to_pqrt(), query, key, centroids, codebook,
                            int(num_cached), phi, sparse_list, sparse_len, weight_list)
    return StepOutputs(sparse_list, sparse_len, weight_list, n)


def reference_scores(config: StepConfig, query: Array, centroids: Array, codebook: Array,
                     seq_len: int) -> np.ndarray:
    """The reference's fp32 scores [b, h, seq_len - init_offset] (window not
    masked) of a fully quantized codebook, for the tie-aware comparison."""
    b, h = int(query.shape[0]), config.heads
    n = max(int(seq_len) - config.init_offset, 0)
    total, _ = output_total(config, seq_len)
    scores = np.empty((b, h, n), np.float32)
    sl = np.empty((b, h, total), _numpy_dtype(config.index_type))
    sn = np.empty((b, h), np.int64)
    wl = np.empty((b, h, int(seq_len)), _numpy_dtype(config.weight_type))
    _pqrt.reference_scores(config.to_pqrt(), query, None, centroids, codebook, n, None,
                           sl, sn, wl, scores)
    return scores


def compare(config: StepConfig, reference: StepOutputs, actual: Tuple[Array, Array, Array],
            scores: Optional[np.ndarray] = None, *, relative_tolerance: float = -1.0) -> None:
    """Checks `actual` (sparse_list, sparse_len, weight_list; host arrays)
    against the reference's outputs the tie-aware way of SEMANTICS.md
    (pqrt_reference_compare). `scores` from :func:`reference_scores` are
    needed on the sparse path. Raises ValueError (PQRT_MISMATCH) naming the
    first difference."""
    b, sk = int(reference.weight_list.shape[0]), int(reference.weight_list.shape[2])
    _pqrt.reference_compare(config.to_pqrt(), b, sk, reference.sparse_list,
                            reference.sparse_len, reference.weight_list, scores,
                            actual[0], actual[1], actual[2], float(relative_tolerance))


def compare_identical(config: StepConfig, first: Tuple[Array, Array, Array],
                      second: Tuple[Array, Array, Array]) -> None:
    """Raises ValueError unless two runs' outputs are bitwise identical."""
    b, sk = int(first[2].shape[0]), int(first[2].shape[2])
    _pqrt.reference_compare_identical(config.to_pqrt(), b, sk, first[0], first[1], first[2],
                                      second[0], second[1], second[2])
