"""GPU tests of the index build through pq (Indexer.build, torch tensors):
against pq.reference_build with the same initial indices, judged by
pqhost::compareBuild's rule (build_check.py); the seeded draw; bitwise
determinism; steps that continue from a GPU-built index; CUDA graph
capture; the torch op; rejected calls write nothing. Skipped without a GPU.

On the device: `python -m pytest python/tests -m gpu` (docs/PYTHON.md)."""
import numpy as np
import pytest

import pq
from build_check import Build, compare_build, to_float, value_tolerance
from conftest import small_config

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(pq.device_count() == 0, reason="no CUDA GPU"),
              pytest.mark.usefixtures("has_compiler")]

# (StepConfig fields, b, key capacity, seq_len, kmeans_iter): small shapes.
CONFIGS = [
    (dict(), 2, 300, 300, 10),
    (dict(metric="ip", layout="compact", query_type="bf16", centroid_type="bf16",
          weight_type="bf16", subspaces=2, bits=6, init_offset=16, heavy=64), 1, 1000, 900, 5),
    (dict(layout="compact", query_type="f16", weight_type="f16", heads=8, kv_heads=4,
          head_dim=128, subspaces=4, bits=8, heavy=128), 1, 2000, 2000, 10),
    (dict(metric="ip", heads=4, kv_heads=2, head_dim=32, subspaces=1, bits=3), 3, 200, 150, 0),
]


def torch_or_skip():
    return pytest.importorskip("torch")


def tdtype(torch, name):
    return {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}[name]


def to_numpy(t):
    """A host copy; bf16 as uint16 bits (pq.reference_build's convention)."""
    import torch
    t = t.detach().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(np.uint16).copy()
    return t.numpy().copy()


def make_key(torch, config, b, capacity, seed, clustered=False):
    """Random keys on the host (torch, config's dtype); `clustered`: C
    well-separated centers per (b, kv) with key j near center j % C."""
    g = torch.Generator().manual_seed(seed)
    c = config
    if clustered:
        centers = 4.0 * torch.randn(b, c.kv_heads, c.centroids, c.head_dim, generator=g)
        which = (torch.arange(capacity) - c.init_offset) % c.centroids
        key = centers[:, :, which] + 0.01 * torch.randn(b, c.kv_heads, capacity, c.head_dim,
                                                        generator=g)
    else:
        key = torch.randn(b, c.kv_heads, capacity, c.head_dim, generator=g)
    return key.to(tdtype(torch, c.query_type))


def random_initial(config, b, n, seed):
    """Distinct initial point indices in [0, n) per group: [b*h_kv*S, C]."""
    rng = np.random.default_rng(seed)
    groups = b * config.kv_heads * config.subspaces
    return np.stack([rng.choice(n, config.centroids, replace=False)
                     for _ in range(groups)]).astype(np.int64)


class Outputs:
    """Device outputs of one build, code capacity n + 8 (rows past n must
    stay untouched), filled with a byte pattern before each run."""

    def __init__(self, torch, config, b, n, device="cuda"):
        c = config
        width = c.head_dim // c.subspaces + (1 if c.metric == "ip" else 0)
        self.rows, self.seed = n + 8, c.layout == "seed"
        self.centroids = torch.empty(b, c.kv_heads, c.subspaces, c.centroids, width,
                                     dtype=tdtype(torch, c.centroid_type), device=device)
        self.codebook = (torch.empty(b, self.rows, c.kv_heads, c.subspaces, dtype=torch.int64,
                                     device=device) if c.layout == "seed" else
                         torch.empty(b, c.kv_heads, self.rows, c.subspaces, dtype=torch.uint8,
                                     device=device))
        self.phi = (torch.empty(b * c.kv_heads * c.subspaces, device=device)
                    if c.metric == "ip" else None)
        self.iterations = torch.empty(1, dtype=torch.int64, device=device)
        self.fill(0x5A)

    def tensors(self):
        return [t for t in (self.centroids, self.codebook, self.phi, self.iterations)
                if t is not None]

    def fill(self, byte):
        import torch
        for t in self.tensors():
            t.view(-1).view(torch.uint8).fill_(byte)
        self.byte = byte

    def host(self, iterations=True):
        return Build(to_numpy(self.centroids), to_numpy(self.codebook),
                     None if self.phi is None else to_numpy(self.phi),
                     int(self.iterations.item()) if iterations else None)

    def snapshot(self, n=None):
        """Host bytes of every output; with n, the codebook's rows [0, n)
        only (what a build writes)."""
        out = []
        for t in self.tensors():
            a = to_numpy(t)
            if t is self.codebook and n is not None:
                a = a[:, :n] if self.seed else a[:, :, :n]
            out.append(np.ascontiguousarray(a).view(np.uint8))
        return out


def rows(config, codes, start, stop=None):
    """Codebook rows [start, stop) of either layout."""
    return codes[:, start:stop] if config.layout == "seed" else codes[:, :, start:stop]


def spare_rows_untouched(config, out, n):
    spare = rows(config, to_numpy(out.codebook), n)
    assert (spare.view(np.uint8) == out.byte).all(), "codebook rows past n were written"


def reference_of(config, key_host, seq_len, kmeans_iter, initial=None, seed=0):
    ref = pq.reference_build(config, to_numpy(key_host), kmeans_iter=kmeans_iter, seed=seed,
                             initial=initial, seq_len=seq_len)
    return ref, Build(ref.centroids, ref.codebook, ref.phi, ref.iterations)


@pytest.fixture(scope="module")
def indexers():
    """One build bundle per configuration, compiled once."""
    cache = {}

    def get(config, max_seq_len=2048):
        key = (config, max_seq_len)
        if key not in cache:
            bundle = pq.compile(config, max_seq_len=max_seq_len, build=True)
            cache[key] = pq.Indexer(bundle, device=0)
        return cache[key]
    return get


@pytest.mark.parametrize("index", range(len(CONFIGS)))
def test_build_matches_the_reference(indexers, index):
    """Same initial indices on both sides; compareBuild's rule; num_cached,
    spare rows and iterations."""
    torch = torch_or_skip()
    fields, b, capacity, sk, iters = CONFIGS[index]
    config = small_config(**fields)
    n = sk - config.init_offset
    key = make_key(torch, config, b, capacity, seed=index)
    initial = random_initial(config, b, n, seed=index)
    ix = indexers(config)
    assert ix.has_build and ", build" in repr(ix)
    out = Outputs(torch, config, b, n)
    got = ix.build(key.cuda(), out.centroids, out.codebook, out.phi, seq_len=sk,
                   kmeans_iter=iters, initial_indices=torch.from_numpy(initial).cuda(),
                   iterations=out.iterations)
    assert got == n
    torch.cuda.synchronize()
    spare_rows_untouched(config, out, n)
    ref, ref_build = reference_of(config, key, sk, iters, initial=initial)
    assert ref.num_cached == n
    actual = out.host()
    assert 0 <= actual.iterations <= iters
    summary = compare_build(config, to_numpy(key), sk, ref_build, actual,
                            allow_divergence=iters >= 1)
    print(f"config {index}: {summary}")


@pytest.mark.parametrize("index", [0, 1])
def test_seeded_draw_matches_the_reference(indexers, index):
    """initial_indices=None: the kernels draw the reference's seeded indices."""
    torch = torch_or_skip()
    fields, b, capacity, sk, iters = CONFIGS[index]
    config = small_config(**fields)
    n = sk - config.init_offset
    key = make_key(torch, config, b, capacity, seed=10 + index)
    out = Outputs(torch, config, b, n)
    assert indexers(config).build(key.cuda(), out.centroids, out.codebook, out.phi,
                                  seq_len=sk, kmeans_iter=iters, seed=12345,
                                  iterations=out.iterations) == n
    torch.cuda.synchronize()
    _, ref_build = reference_of(config, key, sk, iters, seed=12345)
    compare_build(config, to_numpy(key), sk, ref_build, out.host(), allow_divergence=iters >= 1)
    # T = 0 keeps the initial points as centroids: the draw itself, exactly
    # (the key's values; ip's extra column is computed, so within 1e-5).
    out0 = Outputs(torch, config, b, n)
    indexers(config).build(key.cuda(), out0.centroids, out0.codebook, out0.phi, seq_len=sk,
                           kmeans_iter=0, seed=12345)
    torch.cuda.synchronize()
    _, ref0 = reference_of(config, key, sk, 0, seed=12345)
    got = to_float(to_numpy(out0.centroids), config.centroid_type)
    want = to_float(ref0.centroids, config.centroid_type)
    ds = config.head_dim // config.subspaces
    assert np.array_equal(got[..., :ds], want[..., :ds]), "the seeded draws differ"
    if config.metric == "ip":
        tol = value_tolerance(config.centroid_type == "bf16", want[..., ds])
        assert (np.abs(got[..., ds] - want[..., ds]) <= tol).all()


@pytest.mark.parametrize("metric", ["euclidean", "ip"])
def test_clustered_keys_give_the_reference_centroids(indexers, metric):
    """One initial point per well-separated cluster: no near-ties, so the
    codes are equal and the centroids are compared (1e-5)."""
    torch = torch_or_skip()
    config = small_config(metric=metric, kv_heads=2, heads=4, head_dim=32, subspaces=2, bits=4)
    b, sk = 2, 500
    n = sk - config.init_offset
    key = make_key(torch, config, b, sk, seed=3, clustered=True)
    initial = np.tile(np.random.default_rng(3).permutation(config.centroids),
                      (b * config.kv_heads * config.subspaces, 1)).astype(np.int64)
    out = Outputs(torch, config, b, n)
    indexers(config).build(key.cuda(), out.centroids, out.codebook, out.phi, kmeans_iter=10,
                           initial_indices=torch.from_numpy(initial).cuda(),
                           iterations=out.iterations)
    torch.cuda.synchronize()
    ref, ref_build = reference_of(config, key, sk, 10, initial=initial)
    summary = compare_build(config, to_numpy(key), sk, ref_build, out.host(),
                            allow_divergence=False)
    assert summary.centroids_checked and summary.near_ties == 0, summary
    assert out.host().iterations == ref.iterations


def test_build_is_deterministic(indexers):
    """Bitwise equal outputs over several runs, outputs refilled each time,
    two runs on side streams."""
    torch = torch_or_skip()
    fields, b, capacity, sk, iters = CONFIGS[1]
    config = small_config(**fields)
    n = sk - config.init_offset
    key = make_key(torch, config, b, capacity, seed=21).cuda()
    initial = torch.from_numpy(random_initial(config, b, n, seed=21)).cuda()
    ix = indexers(config)
    out = Outputs(torch, config, b, n)
    runs = []
    for run, byte in enumerate((0x00, 0xA5, 0xFF, 0x3C, 0x81)):
        out.fill(byte)
        args = (key, out.centroids, out.codebook, out.phi)
        kw = dict(seq_len=sk, kmeans_iter=iters, initial_indices=initial,
                  iterations=out.iterations)
        if run in (2, 3):  # torch's current stream, then stream= given
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            if run == 2:
                with torch.cuda.stream(side):
                    ix.build(*args, **kw)
            else:
                ix.build(*args, **kw, stream=side)
            side.synchronize()
        else:
            ix.build(*args, **kw)
            torch.cuda.synchronize()
        runs.append(out.snapshot(n))
        spare_rows_untouched(config, out, n)
    for run, other in enumerate(runs[1:], 1):
        for name, a, b_ in zip(("centroids", "codebook", "phi", "iterations"), runs[0], other):
            assert np.array_equal(a, b_), f"run {run}: {name} differs from run 0's"


@pytest.mark.parametrize("index", [0, 1])
def test_steps_continue_from_a_gpu_built_index(indexers, index):
    """Build over the first keys, then three steps on the GPU, each checked
    against the CPU reference from the same (GPU-built) index."""
    torch = torch_or_skip()
    from test_gpu import check_against_reference
    fields, b, _, sk0, iters = CONFIGS[index]
    config = small_config(**fields)
    capacity = sk0 + 3
    n0 = sk0 - config.init_offset
    key = make_key(torch, config, b, capacity, seed=30 + index)
    ix = indexers(config)
    dev_key = key.cuda()
    width = config.head_dim // config.subspaces + (1 if config.metric == "ip" else 0)
    out = Outputs(torch, config, b, capacity - config.init_offset - 8)  # rows = capacity - off
    n = ix.build(dev_key, out.centroids, out.codebook, out.phi, seq_len=sk0,
                 kmeans_iter=iters, seed=5)
    assert n == n0 and out.centroids.shape[-1] == width
    g = torch.Generator().manual_seed(40 + index)
    for sk in range(sk0 + 1, capacity + 1):
        query = torch.randn(b, config.heads, 1, config.head_dim, generator=g).to(
            tdtype(torch, config.query_type))
        torch.cuda.synchronize()
        host = dict(query=query, key=key, centroids=out.centroids.cpu(),
                    codebook=out.codebook.cpu(),
                    phi=None if out.phi is None else out.phi.cpu())
        step = ix.step(query.cuda(), dev_key, out.centroids, out.codebook, n, out.phi,
                       seq_len=sk)
        torch.cuda.synchronize()
        assert step.num_cached == sk - config.init_offset
        check_against_reference(config, host, n, sk, step[:3], out.codebook)
        n = step.num_cached


def test_cuda_graph_capture_and_replay(indexers):
    """A captured build replays on new keys as an eager build does, bit for bit."""
    torch = torch_or_skip()
    fields, b, capacity, sk, iters = CONFIGS[0]
    config = small_config(**fields)
    n = sk - config.init_offset
    ix = indexers(config)
    key = make_key(torch, config, b, capacity, seed=50).cuda()
    initial = torch.from_numpy(random_initial(config, b, n, seed=50)).cuda()
    out = Outputs(torch, config, b, n)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm up off the default stream
        ix.build(key, out.centroids, out.codebook, out.phi, kmeans_iter=iters,
                 initial_indices=initial, iterations=out.iterations)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        ix.build(key, out.centroids, out.codebook, out.phi, kmeans_iter=iters,
                 initial_indices=initial, iterations=out.iterations)
    eager = Outputs(torch, config, b, n)
    for seed in (51, 52):
        key.copy_(make_key(torch, config, b, capacity, seed=seed).cuda())
        out.fill(0xC3)
        graph.replay()
        ix.build(key, eager.centroids, eager.codebook, eager.phi, kmeans_iter=iters,
                 initial_indices=initial, iterations=eager.iterations)
        torch.cuda.synchronize()
        for a, e in zip(out.snapshot(n), eager.snapshot(n)):
            assert np.array_equal(a, e), "the replayed build differs from the eager one"
        spare_rows_untouched(config, out, n)


def test_torch_op(indexers):
    """torch.ops.pq.indexer_build: on the GPU as Indexer.build, bitwise; on
    CPU tensors the reference."""
    torch = torch_or_skip()
    import pq.torch as pqt
    fields, b, capacity, sk, iters = CONFIGS[1]
    config = small_config(**fields)
    n = sk - config.init_offset
    key = make_key(torch, config, b, capacity, seed=60)
    initial = torch.from_numpy(random_initial(config, b, n, seed=60))
    ix = indexers(config)
    direct, via_op = Outputs(torch, config, b, n), Outputs(torch, config, b, n)
    ix.build(key.cuda(), direct.centroids, direct.codebook, direct.phi, seq_len=sk,
             kmeans_iter=iters, initial_indices=initial.cuda(), iterations=direct.iterations)
    assert pqt.build(ix, key.cuda(), via_op.centroids, via_op.codebook, via_op.phi, seq_len=sk,
                     kmeans_iter=iters, initial_indices=initial.cuda(),
                     iterations=via_op.iterations) == n
    torch.cuda.synchronize()
    for a, e in zip(direct.snapshot(), via_op.snapshot()):
        assert np.array_equal(a, e), "the op's build differs from Indexer.build's"
    # CPU tensors: the reference build.
    cpu = Outputs(torch, config, b, n, device="cpu")
    assert pqt.build(config, key, cpu.centroids, cpu.codebook, cpu.phi, seq_len=sk,
                     kmeans_iter=iters, initial_indices=initial,
                     iterations=cpu.iterations) == n
    ref, _ = reference_of(config, key, sk, iters, initial=initial.numpy())
    assert np.array_equal(to_numpy(cpu.centroids), ref.centroids)
    assert int(cpu.iterations.item()) == ref.iterations


def test_rejected_builds_write_nothing(indexers):
    torch = torch_or_skip()
    fields, b, capacity, sk, iters = CONFIGS[0]
    config = small_config(**fields)
    n = sk - config.init_offset
    key = make_key(torch, config, b, capacity, seed=70)
    ix = indexers(config)
    out = Outputs(torch, config, b, n)
    before = out.snapshot()
    dev = key.cuda()
    with pytest.raises(ValueError, match="key: expected memory of cuda:0 .*got host memory"):
        ix.build(key, out.centroids, out.codebook)
    with pytest.raises(ValueError, match="centroids: must be contiguous"):
        ix.build(dev, out.centroids.transpose(3, 4).contiguous().transpose(3, 4), out.codebook)
    with pytest.raises(ValueError, match="codebook: expected dtype int64, got uint8"):
        ix.build(dev, out.centroids, out.codebook.to(torch.uint8))
    with pytest.raises(ValueError, match="initial_indices: expected dtype int64, got int32"):
        ix.build(dev, out.centroids, out.codebook,
                 initial_indices=torch.zeros(b * config.kv_heads * config.subspaces,
                                             config.centroids, dtype=torch.int32,
                                             device="cuda"))
    with pytest.raises(ValueError, match="iterations: expected memory of cuda:0"):
        ix.build(dev, out.centroids, out.codebook, iterations=torch.zeros(1, dtype=torch.int64))
    with pytest.raises(ValueError, match="PQRT_INVALID_ARGUMENT: kmeans_iter"):
        ix.build(dev, out.centroids, out.codebook, kmeans_iter=-1)
    with pytest.raises(ValueError, match="max_seq_len"):
        ix.build(make_key(torch, config, b, 2100, seed=1).cuda(), out.centroids, out.codebook)
    big = make_key(torch, config, pq.DEFAULT_MAX_BATCH + 1, capacity, seed=2)
    big_out = Outputs(torch, config, pq.DEFAULT_MAX_BATCH + 1, n)
    with pytest.raises(ValueError, match="max_batch"):
        ix.build(big.cuda(), big_out.centroids, big_out.codebook)
    with pytest.raises(ValueError, match="stream"):
        ix.build(dev, out.centroids, out.codebook, stream=-1)
    torch.cuda.synchronize()
    for a, e in zip(out.snapshot(), before):
        assert np.array_equal(a, e), "a rejected build wrote"


def test_a_bundle_without_build(indexers):
    torch = torch_or_skip()
    config = small_config()
    ix = pq.Indexer(pq.compile(config, max_seq_len=1024), device=0)
    assert not ix.has_build
    out = Outputs(torch, config, 1, 100)
    before = out.snapshot()
    with pytest.raises(RuntimeError, match=r"PQRT_UNSUPPORTED: .*pq.compile\(config, "
                                           r"build=True\)"):
        ix.build(make_key(torch, config, 1, 104, seed=1).cuda(), out.centroids, out.codebook)
    torch.cuda.synchronize()
    for a, e in zip(out.snapshot(), before):
        assert np.array_equal(a, e), "a build on a bundle without one wrote"
