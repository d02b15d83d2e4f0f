"""pq.torch: the indexer step as a torch op, ``torch.ops.pq.indexer_step``.

Importing this module imports torch (``import pq`` alone does not). The op
is a ``torch.library.custom_op`` with a fake (meta) implementation and its
outputs declared mutated, so the step runs in eager mode, under
``torch.compile`` (no graph break) and inside ``torch.cuda.graph`` capture
(it launches on torch's current stream and allocates nothing). On CPU
tensors it runs the CPU reference.

    ix = pq.Indexer(pq.compile(config))
    n = pq.torch.step(ix, query, key, centroids, codebook, n, None,
                      sparse_list, sparse_len, weight_list)
"""
from __future__ import annotations

import threading
from typing import Dict, List, Optional, Tuple, Union

import torch

from . import _pqrt
from ._config import StepConfig
from ._indexer import Indexer, _python_total

__all__ = ["indexer_step", "step", "handle"]

if not hasattr(torch, "library") or not hasattr(torch.library, "custom_op"):
    raise ImportError(f"pq.torch needs torch >= 2.4 (torch.library.custom_op); "
                      f"this is torch {torch.__version__}")

# The op takes an int handle: torch ops cannot take Python objects.
_lock = threading.Lock()
_entries: List[Tuple[StepConfig, Optional[Indexer]]] = []
_by_id: Dict[int, int] = {}


def handle(target: Union[Indexer, StepConfig]) -> int:
    """The op's handle of an Indexer (GPU tensors) or of a StepConfig (CPU
    tensors only: the reference). The object is kept alive."""
    with _lock:
        h = _by_id.get(id(target))
        if h is not None and _entries[h][1 if isinstance(target, Indexer) else 0] is target:
            return h
        if isinstance(target, Indexer):
            _entries.append((target.config, target))
        elif isinstance(target, StepConfig):
            _entries.append((target, None))
        else:
            raise ValueError(f"handle: expected a pq.Indexer or pq.StepConfig, "
                             f"got {type(target).__name__}")
        _by_id[id(target)] = len(_entries) - 1
        return len(_entries) - 1


def _entry(h: int) -> Tuple[StepConfig, Optional[Indexer]]:
    if not 0 <= h < len(_entries):
        raise ValueError(f"handle: {h} is not a pq.torch handle (pq.torch.handle)")
    return _entries[h]


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
        stream = torch._C._cuda_getCurrentRawStream(indexer.device) \
            if hasattr(torch._C, "_cuda_getCurrentRawStream") \
            else torch.cuda.current_stream(indexer.device).cuda_stream
        indexer._run(query, key, centroids, codebook, num_cached, phi,
                     sparse_list, sparse_len, weight_list, stream)
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
    config = _entry(h)[0]
    torch.ops.pq.indexer_step(h, query, key, centroids, codebook, num_cached, phi,
                              sparse_list, sparse_len, weight_list)
    seq_len = weight_list.shape[-1]
    _, full = _python_total(config, seq_len)
    return num_cached if full else seq_len - config.init_offset
