"""indexer_next: the seed's function, with the seed's signature and tuple."""
from __future__ import annotations

import atexit
import threading
from typing import Any, Dict, List, Tuple

from ._config import StepConfig
from ._indexer import _python_total as output_total

#: The smallest max_seq_len a drop-in bundle is compiled for; larger ones
#: are the next power of two of seq_len (one bundle per size class).
MIN_MAX_SEQ_LEN = 4096

_lock = threading.Lock()
_indexers: Dict[Tuple[StepConfig, int, int], Any] = {}
# Indexers replaced by one for a larger batch: kept until clear_indexer_cache
# (a step of theirs may still be in flight; a few per key: batches double).
_retired: List[Any] = []


def clear_indexer_cache() -> int:
    """Releases the Indexers (and their GPU memory) that pq.indexer_next
    keeps per configuration, device and size class; returns how many. The
    next call for a configuration loads its bundle again (from the disk
    cache). Synchronize their streams first: a step of theirs may be in
    flight. Runs at interpreter exit, so the Indexers are destroyed while
    libpqrt and the CUDA driver are still alive, whoever holds this module's
    globals (torch.compile's caches may hold indexer_next)."""
    with _lock:
        count = len(_indexers) + len(_retired)
        _indexers.clear()
        _retired.clear()
    return count


atexit.register(clear_indexer_cache)


def _size_class(seq_len: int) -> int:
    m = MIN_MAX_SEQ_LEN
    while m < seq_len:
        m *= 2
    return m


def _indexer_for(config: StepConfig, seq_len: int, device: int, batch: int) -> Any:
    """The cached Indexer of (config, size class, device), compiled (and
    disk-cached by pq.compile) on first use; rebuilt for a larger batch."""
    from ._compile import compile
    from ._indexer import Indexer

    key = (config, _size_class(seq_len), device)
    with _lock:
        ix = _indexers.get(key)
        if ix is None or ix.max_batch < batch:
            max_batch = max(8, 1 << (batch - 1).bit_length())
            bundle = compile(config, target="auto", device=device, max_seq_len=key[1])
            if ix is not None:
                _retired.append(ix)
            ix = Indexer(bundle, device, max_batch=max_batch)
            _indexers[key] = ix
        return ix


def indexer_next(query, key, weight_list_dtype, sink_size, window_size, heavy_size,
                 pq_group_factor, pq_bits, kmeans_iter, init_offset, metric, pq_centroids,
                 pq_codebook, pq_ip2l2_phi):
    """The seed's decode step on torch tensors; swap the import to use pq.

    query [b, h, 1, d], key [b, h_kv, sk, d] (bf16/fp16/fp32), pq_centroids
    [b, h_kv, S, 2**pq_bits, d/S (+1 for ip)], pq_codebook int64
    [b, n_cached, h_kv, S], pq_ip2l2_phi [b*h_kv*S] fp32 (metric 'ip') or
    None. Returns (sparse_list [b, h, total] int64, sparse_len [b, h] int64,
    weight_list [b, h, sk] weight_list_dtype, pq_centroids, pq_codebook
    grown to [b, sk - init_offset, h_kv, S] by the new keys' codes (a new
    tensor, as the seed's torch.cat; unchanged on the full-attention path),
    pq_ip2l2_phi).

    The first call for a configuration compiles its bundle (cached on disk,
    see pq.compile) for seq_len up to the next power of two (at least 4096).
    kmeans_iter is accepted and unused, as in the seed. CUDA tensors run on
    the GPU through torch.ops.pq.indexer_step on torch's current stream; CPU
    tensors run the CPU reference. Non-contiguous inputs are copied.
    """
    import torch

    from . import torch as pq_torch

    del kmeans_iter  # the seed ignores it in the decode step too
    if query.dim() != 4 or query.shape[2] != 1:
        raise ValueError(f"query: expected [b, h, 1, d] (one new token), got "
                         f"{list(query.shape)}")
    if key.dim() != 4:
        raise ValueError(f"key: expected [b, h_kv, sk, d], got {list(key.shape)}")
    b, h, _, d = (int(x) for x in query.shape)
    hk, sk = int(key.shape[1]), int(key.shape[2])
    config = StepConfig(heads=h, kv_heads=hk, head_dim=d, subspaces=int(pq_group_factor),
                        bits=int(pq_bits), sink=int(sink_size), window=int(window_size),
                        heavy=int(heavy_size), init_offset=int(init_offset),
                        metric=str(metric), layout="seed", query_type=query.dtype,
                        centroid_type=pq_centroids.dtype, weight_type=weight_list_dtype,
                        index_type="i64")
    total, full = output_total(config, sk)
    n = sk - config.init_offset
    codebook = pq_codebook.contiguous()
    n_cached = int(codebook.shape[1]) if codebook.dim() == 4 else -1
    if not full and 0 <= n_cached < n and codebook.dim() == 4:
        grown = torch.empty((b, n) + tuple(codebook.shape[2:]), dtype=codebook.dtype,
                            device=codebook.device)
        grown[:, :n_cached].copy_(codebook)
        codebook = grown
    dev = query.device
    sparse_list = torch.empty((b, h, total), dtype=torch.int64, device=dev)
    sparse_len = torch.empty((b, h), dtype=torch.int64, device=dev)
    weight_list = torch.empty((b, h, sk), dtype=weight_list_dtype, device=dev)
    phi = pq_ip2l2_phi.contiguous() if (config.metric == "ip" and pq_ip2l2_phi is not None) \
        else None
    if query.is_cuda:
        target = _indexer_for(config, sk, dev.index if dev.index is not None
                              else torch.cuda.current_device(), b)
    else:
        target = config
    pq_torch.step(target, query.contiguous(), key.contiguous(), pq_centroids.contiguous(),
                  codebook, max(n_cached, 0), phi, sparse_list, sparse_len, weight_list)
    return sparse_list, sparse_len, weight_list, pq_centroids, codebook, pq_ip2l2_phi
