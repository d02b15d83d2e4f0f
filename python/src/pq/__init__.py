"""pq: the PQCache sparse-attention indexer, compiled for NVIDIA GPUs.

    import pq
    config = pq.StepConfig(heads=32, kv_heads=8, head_dim=128, subspaces=2,
                           bits=6, sink=128, window=128, heavy=1024,
                           init_offset=128)
    bundle = pq.compile(config, max_seq_len=16384)   # cached on disk
    indexer = pq.Indexer(bundle)                     # GPU 0 / torch's device
    n = indexer(query, key, centroids, codebook, n, None,
                sparse_list, sparse_len, weight_list)  # any DLPack arrays

With ``pq.compile(config, build=True)`` the bundle also builds the index
(k-means) on the GPU: ``n = indexer.build(key, centroids, codebook)``, then
steps from num_cached = n; ``pq.reference_build`` is the CPU build.

``pq.reference`` runs the same step on the CPU (NumPy); ``pq.torch`` (imported
on demand; it imports torch) registers ``torch.ops.pq.indexer_step``;
``pq.indexer_next`` is the seed's function with the seed's signature.
docs/PYTHON.md has the details.
"""
from ._version import __version__
from . import _pqrt
from ._config import StepConfig
from ._compile import (KNOWN_TARGETS, Bundle, BundleInfo, auto_target, cache_dir, compile,
                       compiler_path)
from ._indexer import (DEFAULT_MAX_BATCH, Indexer, StepOutputs, compare, compare_identical,
                       device_count, output_total, reference, reference_scores)
from ._build import BuildOutputs, reference_build
from ._dropin import clear_indexer_cache, indexer_next

__all__ = [
    "__version__", "StepConfig", "Bundle", "BundleInfo", "compile", "cache_dir",
    "compiler_path", "auto_target", "KNOWN_TARGETS", "Indexer", "StepOutputs",
    "DEFAULT_MAX_BATCH", "reference", "reference_scores", "reference_build", "BuildOutputs",
    "compare", "compare_identical",
    "output_total", "device_count", "indexer_next", "clear_indexer_cache", "runtime_version",
]


def runtime_version() -> tuple:
    """(major, minor) of the loaded libpqrt."""
    return tuple(_pqrt.library_version())
