"""pq.torch: the indexer step as a torch op, ``torch.ops.pq.indexer_step``.

Importing this module imports torch (``import pq`` alone does not). The op
is a ``torch.library.custom_op`` with a fake (meta) implementation and its
outputs declared mutated, so the step runs in eager mode, under
``torch.compile`` (no graph break) and inside ``torch.cuda.graph`` capture
(it launches on torch's current stream and allocates nothing). On CPU
tensors it runs the CPU reference. ``torch.ops.pq.indexer_build`` is the
index build the same way (``pq.Indexer.build``; a bundle compiled with
``pq.compile(..., build=True)``).

    ix = pq.Indexer(pq.compile(config, build=True))
    n = pq.torch.build(ix, key, centroids, codebook, None)
    n = pq.torch.step(ix, query, key, centroids, codebook, n, None,
                      sparse_list, sparse_len, weight_list)
"""
from __future__ import annotations

import functools
import itertools
import threading
import weakref
from typing import Dict, Optional, Tuple, Union

import torch

from . import _pqrt
from ._config import StepConfig
from ._indexer import Indexer, _build_scalars, _python_total

__all__ = ["indexer_step", "step", "indexer_build", "build", "handle"]

if not hasattr(torch, "library") or not hasattr(torch.library, "custom_op"):
    raise ImportError(f"pq.torch needs torch >= 2.4 (torch.library.custom_op); "
                      f"this is torch {torch.__version__}")

# The op takes an int handle: torch ops cannot take Python objects. Handles
# of Indexers refer to them weakly: the op's function is held by torch's C++
# dispatcher until the process ends, and with it this module's globals, so a
# strong registry kept every Indexer (and its GPU memory) alive past
# interpreter finalization (nanobind reported them leaked) and grew with
# every Indexer ever used. Handles are never reused.
_lock = threading.Lock()
_configs: Dict[int, StepConfig] = {}            # handle -> configuration
_indexers: Dict[int, "weakref.ref[Indexer]"] = {}  # handle -> its Indexer (GPU)
_by_id: Dict[int, int] = {}                     # id(live Indexer) -> handle
_by_config: Dict[StepConfig, int] = {}          # StepConfig (CPU) -> handle
_next_handle = itertools.count()


def _forget(h: int, key: int, _ref: object) -> None:
    """weakref callback: the Indexer of handle h is gone. No lock: it may run
    from a garbage collection inside handle(); single dict operations are
    atomic."""
    _indexers.pop(h, None)
    _configs.pop(h, None)
    if _by_id.get(key) == h:
        _by_id.pop(key, None)


def handle(target: Union[Indexer, StepConfig]) -> int:
    """The op's handle of an Indexer (GPU tensors) or of a StepConfig (CPU
    tensors only: the reference). An Indexer is referenced weakly: keep it
    alive while its handle is used (the op raises ValueError for the handle
    of a collected Indexer); StepConfig handles stay valid."""
    with _lock:
        if isinstance(target, Indexer):
            h = _by_id.get(id(target))
            ref = _indexers.get(h) if h is not None else None
            if ref is not None and ref() is target:
                return h
            h = next(_next_handle)
            _indexers[h] = weakref.ref(target, functools.partial(_forget, h, id(target)))
            _configs[h] = target.config
            _by_id[id(target)] = h
            return h
        if isinstance(target, StepConfig):
            h = _by_config.get(target)
            if h is None:
                h = next(_next_handle)
                _configs[h] = target
                _by_config[target] = h
            return h
        raise ValueError(f"handle: expected a pq.Indexer or pq.StepConfig, "
                         f"got {type(target).__name__}")


def _not_live(h: int) -> ValueError:
    return ValueError(f"handle: {h} is not a live pq.torch handle (pq.torch.handle; an "
                      "Indexer must stay alive while its handle is used)")


def _config(h: int) -> StepConfig:
    config = _configs.get(h)
    if config is None:
        raise _not_live(h)
    return config


def _entry(h: int) -> Tuple[StepConfig, Optional[Indexer]]:
    config = _config(h)
    ref = _indexers.get(h)
    if ref is None:
        return config, None  # a StepConfig's handle
    indexer = ref()
    if indexer is None:
        raise _not_live(h)
    return config, indexer


@torch.library.custom_op("pq::indexer_step",
                         mutates_args=("codebook", "sparse_list", "sparse_len", "weight_list"))
def indexer_step(handle: int, query: torch.Tensor, key: Optional[torch.Tensor],
                 centroids: torch.Tensor, codebook: torch.Tensor, num_cached: int,
                 phi: Optional[torch.Tensor], sparse_list: torch.Tensor,
                 sparse_len: torch.Tensor, weight_list: torch.Tensor) -> None:
    """One step: writes sparse_list, sparse_len, weight_list and appends new
    codes to codebook (see pq.Indexer.__call__ for the shapes)."""
    config, indexer = _entry(handle)
    if query.is_cuda:
        if indexer is None:
            raise ValueError("query: CUDA tensors need a handle of a pq.Indexer, "
                             "not of a StepConfig")
        # stream None: the binding reads torch's current stream.
        indexer._run(query, key, centroids, codebook, num_cached, phi,
                     sparse_list, sparse_len, weight_list, None)
    else:
        _pqrt.reference_run(config.to_pqrt(), query, key, centroids, codebook, num_cached,
                            phi, sparse_list, sparse_len, weight_list)


@indexer_step.register_fake
def _indexer_step_fake(handle, query, key, centroids, codebook, num_cached, phi,
                       sparse_list, sparse_len, weight_list) -> None:
    return None


def step(target: Union[Indexer, StepConfig, int], query: torch.Tensor,
         key: Optional[torch.Tensor], centroids: torch.Tensor, codebook: torch.Tensor,
         num_cached: int, phi: Optional[torch.Tensor], sparse_list: torch.Tensor,
         sparse_len: torch.Tensor, weight_list: torch.Tensor) -> int:
    """Runs ``torch.ops.pq.indexer_step`` and returns the new num_cached
    (seq_len - init_offset on the sparse path, unchanged on the
    full-attention path; computed on the host, so it traces)."""
    h = target if isinstance(target, int) else handle(target)
    config = _config(h)
    torch.ops.pq.indexer_step(h, query, key, centroids, codebook, num_cached, phi,
                              sparse_list, sparse_len, weight_list)
    seq_len = weight_list.shape[-1]
    _, full = _python_total(config, seq_len)
    return num_cached if full else seq_len - config.init_offset


@torch.library.custom_op("pq::indexer_build",
                         mutates_args=("centroids", "codebook", "phi", "iterations"))
def indexer_build(handle: int, key: torch.Tensor, centroids: torch.Tensor,
                  codebook: torch.Tensor, phi: Optional[torch.Tensor], seq_len: int,
                  kmeans_iter: int, seed: int, initial_indices: Optional[torch.Tensor],
                  iterations: Optional[torch.Tensor]) -> None:
    """The index build: writes centroids, codebook rows [0, n), phi (metric
    ip) and iterations (see pq.Indexer.build; seq_len -1 is key's capacity,
    seed the 64 bits as a signed int: ops take int64)."""
    config, indexer = _entry(handle)
    seed &= (1 << 64) - 1
    if key.is_cuda:
        if indexer is None:
            raise ValueError("key: CUDA tensors need a handle of a pq.Indexer, "
                             "not of a StepConfig")
        indexer._handle.build(key, centroids, codebook, phi, seq_len, kmeans_iter, seed,
                              initial_indices, iterations, None)
        return
    if iterations is not None and (iterations.shape != (1,) or iterations.dtype != torch.int64
                                   or iterations.is_cuda):
        # Checked before the reference writes anything.
        raise ValueError(f"iterations: expected a CPU int64 tensor of shape [1], got "
                         f"{iterations.dtype} {list(iterations.shape)} on {iterations.device}")
    _, ran = _pqrt.reference_build(config.to_pqrt(), key, seq_len, kmeans_iter, seed,
                                   initial_indices, centroids, phi, codebook)
    if iterations is not None:
        iterations.fill_(ran)


@indexer_build.register_fake
def _indexer_build_fake(handle, key, centroids, codebook, phi, seq_len, kmeans_iter, seed,
                        initial_indices, iterations) -> None:
    return None


def build(target: Union[Indexer, StepConfig, int], key: torch.Tensor,
          centroids: torch.Tensor, codebook: torch.Tensor,
          phi: Optional[torch.Tensor] = None, *, seq_len: Optional[int] = None,
          kmeans_iter: int = 10, seed: int = 0,
          initial_indices: Optional[torch.Tensor] = None,
          iterations: Optional[torch.Tensor] = None) -> int:
    """Runs ``torch.ops.pq.indexer_build`` and returns n = seq_len -
    init_offset (computed on the host, so it traces). CUDA tensors need an
    Indexer (or its handle) of a bundle with the build; CPU tensors run
    pq.reference_build's CPU build (a StepConfig's handle will do)."""
    sk, iters, seed = _build_scalars(seq_len, kmeans_iter, seed)
    h = target if isinstance(target, int) else handle(target)
    config = _config(h)
    signed = seed - (1 << 64) if seed >= 1 << 63 else seed
    torch.ops.pq.indexer_build(h, key, centroids, codebook, phi, sk, iters, signed,
                               initial_indices, iterations)
    return (int(key.shape[2]) if sk < 0 else sk) - config.init_offset
