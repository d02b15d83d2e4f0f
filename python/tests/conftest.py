"""Shared fixtures: random step inputs, the repository's tools, a private
bundle cache per test session."""
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import pq

REPO = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    # Here too, not only in pyproject.toml: the device kit runs the tests
    # outside python/.
    config.addinivalue_line("markers", "gpu: needs an NVIDIA GPU (skipped without one)")


def _tool(env, name):
    path = os.environ.get(env)
    if path:
        return Path(path)
    for tree in ("build", "build-rt"):
        candidate = REPO / tree / "bin" / name
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


@pytest.fixture(scope="session")
def pq_run():
    """The C side's pq-run (CPU reference through the C++ tools), or skip."""
    path = _tool("PQ_RUN", "pq-run")
    if path is None or not path.is_file():
        pytest.skip("pq-run not built (set PQ_RUN or build build/)")
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Bundles compiled by the tests go to a fresh cache, unless
    PQ_TEST_KEEP_CACHE asks to use the user's (the GPU runs reuse theirs)."""
    if os.environ.get("PQ_TEST_KEEP_CACHE"):
        yield
        return
    old = os.environ.get("PQ_CACHE_DIR")
    os.environ["PQ_CACHE_DIR"] = str(tmp_path_factory.mktemp("pq-cache"))
    yield
    if old is None:
        del os.environ["PQ_CACHE_DIR"]
    else:
        os.environ["PQ_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def has_compiler():
    if not pq.compiler_path().is_file():
        pytest.skip(f"no pq-compile at {pq.compiler_path()} (set PQ_COMPILE)")
    return True


def small_config(**changes):
    base = dict(heads=8, kv_heads=2, head_dim=64, subspaces=4, bits=4, sink=4, window=8,
                heavy=32, init_offset=4, metric="euclidean", layout="seed",
                query_type="f32", centroid_type="f32", weight_type="f32", index_type="i64")
    base.update(changes)
    return pq.StepConfig(**base)


_NP = {"f32": np.float32, "f16": np.float16, "i64": np.int64, "i32": np.int32, "u8": np.uint8}


def to_dtype(x, name):
    """float32 data as a NumPy array of a config dtype (bf16: uint16 bits)."""
    if name == "bf16":
        bits = np.ascontiguousarray(x, np.float32).view(np.uint32)
        rounded = bits + 0x7FFF + ((bits >> 16) & 1)  # round to nearest even
        return (rounded >> 16).astype(np.uint16)
    return np.ascontiguousarray(x.astype(_NP[name]))


def random_step(config, b, sk, num_cached=None, seed=0, capacity=None):
    """Random host inputs of one step; codebook rows [0, num_cached) filled
    with random codes, capacity sk - init_offset (or `capacity`)."""
    rng = np.random.default_rng(seed)
    c = config
    n = sk - c.init_offset
    if num_cached is None:
        num_cached = max(n - 1, 0)
    ds = c.head_dim // c.subspaces + (1 if c.metric == "ip" else 0)
    q = to_dtype(rng.standard_normal((b, c.heads, 1, c.head_dim), dtype=np.float32), c.query_type)
    k = to_dtype(rng.standard_normal((b, c.kv_heads, sk, c.head_dim), dtype=np.float32),
                 c.query_type)
    cent = to_dtype(rng.standard_normal((b, c.kv_heads, c.subspaces, c.centroids, ds),
                                        dtype=np.float32), c.centroid_type)
    cap = capacity if capacity is not None else max(n, 1)
    if c.layout == "seed":
        codes = np.zeros((b, cap, c.kv_heads, c.subspaces), np.int64)
        codes[:, :num_cached] = rng.integers(0, c.centroids,
                                             (b, num_cached, c.kv_heads, c.subspaces))
    else:
        codes = np.zeros((b, c.kv_heads, cap, c.subspaces), np.uint8)
        codes[:, :, :num_cached] = rng.integers(0, c.centroids,
                                                (b, c.kv_heads, num_cached, c.subspaces))
    phi = None
    if c.metric == "ip":
        phi = np.full(b * c.kv_heads * c.subspaces, 64.0, np.float32)
    return dict(query=q, key=k, centroids=cent, codebook=codes, num_cached=num_cached, phi=phi)
