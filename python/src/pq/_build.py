"""Building the index on the CPU: k-means per (b, kv head, subspace)
(SEMANTICS.md "Building the index"; docs/BUILD.md has pq's choices)."""
from typing import Any, NamedTuple, Optional

import numpy as np

from . import _pqrt
from ._config import StepConfig
from ._indexer import _numpy_dtype

Array = Any


class BuildOutputs(NamedTuple):
    """An index: what the first decode step continues from."""

    centroids: np.ndarray     #: [b, kv_heads, S, C, ds'] centroid_type
    codebook: np.ndarray      #: codes of rows [0, num_cached), config.layout
    phi: Optional[np.ndarray]  #: [b * kv_heads * S] float32 (metric ip), else None
    num_cached: int           #: n = seq_len - init_offset
    iterations: int           #: Lloyd updates that ran (<= kmeans_iter)


def reference_build(config: StepConfig, key: Array, *, kmeans_iter: int = 10, seed: int = 0,
                    initial: Optional[Array] = None, seq_len: Optional[int] = None,
                    code_capacity: Optional[int] = None) -> BuildOutputs:
    """k-means over the keys [init_offset, seq_len) of `key` [b, kv_heads,
    capacity, head_dim] (host memory: NumPy, or a CPU torch tensor; bf16 as
    uint16 bits in NumPy), in pqrt_reference_build.

    `initial` [b * kv_heads * S, C] int64 gives each group's initial point
    indices (distinct, in [0, n)); None draws them by the seeded rule from
    `seed`. seq_len defaults to key's capacity, code_capacity to n. The
    outputs are NumPy arrays (bf16 centroids as uint16 bits). ValueError for
    bad arguments, n < C among them.
    """
    if isinstance(kmeans_iter, bool) or not isinstance(kmeans_iter, int):
        raise ValueError(f"kmeans_iter: expected an int, got {kmeans_iter!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 1 << 64:
        raise ValueError(f"seed: expected an int in [0, 2**64), got {seed!r}")
    if len(getattr(key, "shape", ())) != 4:
        raise ValueError(f"key: expected 4 dimensions [b, kv_heads, capacity, head_dim], got "
                         f"shape {tuple(getattr(key, 'shape', ()))}")
    b, capacity = int(key.shape[0]), int(key.shape[2])
    sk = capacity if seq_len is None else int(seq_len)
    _pqrt.output_total(config.to_pqrt(), sk)  # the config and sk, before allocating
    n = sk - config.init_offset
    rows = max(n, 0) if code_capacity is None else int(code_capacity)
    if rows < 0:
        raise ValueError(f"code_capacity: expected >= 0, got {rows}")
    groups_shape = (b, config.kv_heads, config.subspaces)
    width = config.head_dim // config.subspaces + (1 if config.metric == "ip" else 0)
    centroids = np.zeros(groups_shape + (config.centroids, width),
                         _numpy_dtype(config.centroid_type))
    phi = np.zeros(b * config.kv_heads * config.subspaces, np.float32) \
        if config.metric == "ip" else None
    if config.layout == "compact":
        codebook = np.zeros((b, config.kv_heads, rows, config.subspaces), np.uint8)
    else:
        codebook = np.zeros((b, rows, config.kv_heads, config.subspaces), np.int64)
    num_cached, iterations = _pqrt.reference_build(
        config.to_pqrt(), key, sk, int(kmeans_iter), int(seed), initial, centroids, phi,
        codebook)
    return BuildOutputs(centroids, codebook, phi, int(num_cached), int(iterations))
