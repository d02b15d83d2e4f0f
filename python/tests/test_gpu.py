"""GPU tests: libpqrt through pq on torch, CuPy and JAX arrays against the
CPU reference (tie-aware, SEMANTICS.md), CUDA graphs, torch.compile, the
drop-in against the seed's imperative(). Skipped without a GPU.

On the device: `python -m pytest python/tests -m gpu` (docs/PYTHON.md)."""
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import pq
from conftest import REPO, small_config

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(pq.device_count() == 0, reason="no CUDA GPU"),
              pytest.mark.usefixtures("has_compiler")]

# Random configurations: (StepConfig fields, b, sk, new keys).
CONFIGS = [
    (dict(), 2, 300, 1),
    (dict(layout="compact", query_type="bf16", weight_type="bf16", subspaces=2, bits=6,
          heavy=64, sink=16, window=16, init_offset=16), 3, 1000, 64),
    (dict(metric="ip", layout="compact", query_type="f16", weight_type="f16",
          index_type="i32", heads=16, kv_heads=4, head_dim=128, subspaces=4, bits=8,
          heavy=128), 1, 3000, 5),
    (dict(heads=32, kv_heads=8, head_dim=128, subspaces=2, bits=6, sink=128, window=128,
          heavy=1024, init_offset=128, layout="compact", query_type="bf16",
          weight_type="bf16"), 2, 16384, 1),
    (dict(heads=4, kv_heads=4, head_dim=32, subspaces=1, bits=2, heavy=8), 2, 20, 0),
]


def torch_or_skip():
    return pytest.importorskip("torch")


def make_inputs(torch, config, b, sk, new_keys, seed, device="cuda"):
    g = torch.Generator(device="cpu").manual_seed(seed)
    c = config
    tdt = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
    n = sk - c.init_offset
    ds = c.head_dim // c.subspaces + (1 if c.metric == "ip" else 0)
    q = torch.randn(b, c.heads, 1, c.head_dim, generator=g).to(tdt[c.query_type])
    k = torch.randn(b, c.kv_heads, sk, c.head_dim, generator=g).to(tdt[c.query_type])
    cent = torch.randn(b, c.kv_heads, c.subspaces, c.centroids, ds, generator=g)
    num_cached = max(n - new_keys, 0) if n > 0 else 0
    cap = max(n, 1)
    if c.layout == "seed":
        codes = torch.zeros(b, cap, c.kv_heads, c.subspaces, dtype=torch.int64)
        codes[:, :num_cached] = torch.randint(0, c.centroids, (b, num_cached, c.kv_heads,
                                                               c.subspaces), generator=g)
    else:
        codes = torch.zeros(b, c.kv_heads, cap, c.subspaces, dtype=torch.uint8)
        codes[:, :, :num_cached] = torch.randint(0, c.centroids, (b, c.kv_heads, num_cached,
                                                                  c.subspaces), generator=g)
    phi = torch.full((b * c.kv_heads * c.subspaces,), 200.0) if c.metric == "ip" else None
    host = dict(query=q, key=k, centroids=cent, codebook=codes, phi=phi)
    dev = {name: (t.to(device) if t is not None else None) for name, t in host.items()}
    return host, dev, num_cached


def check_against_reference(config, host, num_cached, sk, outs, codes_after):
    """Tie-aware comparison with pq.reference on the host copies, codes bit
    for bit."""
    ref_codes = host["codebook"].clone()
    ref = pq.reference(config, host["query"], host["key"], host["centroids"], ref_codes,
                       num_cached, host["phi"], seq_len=sk)
    _, full = pq.output_total(config, sk)
    scores = None if full else pq.reference_scores(config, host["query"], host["centroids"],
                                                    ref_codes, sk)
    actual = tuple(o.cpu() if hasattr(o, "cpu") else o for o in outs)
    pq.compare(config, ref, actual, scores)
    got = codes_after.cpu() if hasattr(codes_after, "cpu") else codes_after
    assert np.array_equal(np.asarray(got.numpy() if hasattr(got, "numpy") else got),
                          ref_codes.numpy()), "codes differ from the reference's"
    return ref


@pytest.mark.parametrize("index", range(len(CONFIGS)))
def test_torch_matches_the_reference(index):
    torch = torch_or_skip()
    fields, b, sk, new_keys = CONFIGS[index]
    config = small_config(**fields)
    host, dev, num_cached = make_inputs(torch, config, b, sk, new_keys, seed=index)
    ix = pq.Indexer(pq.compile(config, max_seq_len=max(sk, 1024)), device=0)
    assert "Indexer(device=cuda:0" in repr(ix)
    out = ix.step(dev["query"], dev["key"], dev["centroids"], dev["codebook"], num_cached,
                  dev["phi"])
    torch.cuda.synchronize()
    _, full = pq.output_total(config, sk)
    assert out.num_cached == (num_cached if full else sk - config.init_offset)
    check_against_reference(config, host, num_cached, sk, out[:3], dev["codebook"])
    # Determinism: the same step again gives the same bits.
    again = ix.step(dev["query"], dev["key"], dev["centroids"], dev["codebook"],
                    out.num_cached, dev["phi"])
    torch.cuda.synchronize()
    pq.compare_identical(config, tuple(t.cpu() for t in out[:3]),
                         tuple(t.cpu() for t in again[:3]))


def test_gpu_errors_do_not_launch():
    torch = torch_or_skip()
    config = small_config()
    host, dev, n = make_inputs(torch, config, 2, 300, 1, seed=1)
    ix = pq.Indexer(pq.compile(config, max_seq_len=1024), device=0)
    total, _ = pq.output_total(config, 300)
    sl = torch.full((2, 8, total), -3, dtype=torch.int64, device="cuda")
    sn = torch.zeros(2, 8, dtype=torch.int64, device="cuda")
    wl = torch.zeros(2, 8, 300, device="cuda")
    with pytest.raises(ValueError, match="query: expected memory of cuda:0 .*got host memory"):
        ix(host["query"], dev["key"], dev["centroids"], dev["codebook"], n, None, sl, sn, wl)
    with pytest.raises(ValueError, match="key: must be contiguous"):
        ix(dev["query"], dev["key"].transpose(2, 3).contiguous().transpose(2, 3),
           dev["centroids"], dev["codebook"], n, None, sl, sn, wl)
    with pytest.raises(ValueError, match="PQRT_INVALID_ARGUMENT: num_cached"):
        ix(dev["query"], dev["key"], dev["centroids"], dev["codebook"], 10**6, None, sl, sn, wl)
    _, big, _ = make_inputs(torch, config, pq.DEFAULT_MAX_BATCH + 1, 300, 1, seed=1)
    with pytest.raises(ValueError, match="max_batch"):
        ix.step(big["query"], big["key"], big["centroids"], big["codebook"], n)
    torch.cuda.synchronize()
    assert (sl == -3).all(), "sparse_list was written by a rejected call"


def test_cupy_arrays():
    cupy = pytest.importorskip("cupy")
    torch = torch_or_skip()
    config = small_config(layout="compact")
    host, _, n = make_inputs(torch, config, 2, 500, 3, seed=4)
    arrays = {k: cupy.asarray(v.numpy()) for k, v in host.items() if v is not None}
    ix = pq.Indexer(pq.compile(config, max_seq_len=1024), device=0)
    stream = cupy.cuda.Stream(non_blocking=True)
    with stream:
        out = ix.step(arrays["query"], arrays["key"], arrays["centroids"], arrays["codebook"], n)
    stream.synchronize()
    assert isinstance(out.sparse_list, cupy.ndarray)
    check_against_reference(config, host, n, 500, tuple(cupy.asnumpy(o) for o in out[:3]),
                            cupy.asnumpy(arrays["codebook"]))


def test_jax_inputs():
    jax = pytest.importorskip("jax")
    torch = torch_or_skip()
    config = small_config()
    host, dev, n = make_inputs(torch, config, 2, 400, 2, seed=5)
    gpu = jax.devices("gpu")[0]
    jq, jk, jc = (jax.device_put(host[k].numpy(), gpu).block_until_ready()
                  for k in ("query", "key", "centroids"))
    ix = pq.Indexer(pq.compile(config, max_seq_len=1024), device=0)
    total, _ = pq.output_total(config, 400)
    sl = torch.empty(2, 8, total, dtype=torch.int64, device="cuda")
    sn = torch.empty(2, 8, dtype=torch.int64, device="cuda")
    wl = torch.empty(2, 8, 400, device="cuda")
    torch.cuda.synchronize()
    n_after = ix(jq, jk, jc, dev["codebook"], n, None, sl, sn, wl,
                 stream=torch.cuda.current_stream())
    torch.cuda.synchronize()
    assert n_after == 400 - config.init_offset
    check_against_reference(config, host, n, 400, (sl, sn, wl), dev["codebook"])


def test_cuda_graph_capture_and_replay():
    torch = torch_or_skip()
    import pq.torch as pqt
    config = small_config(layout="compact", query_type="bf16", weight_type="bf16")
    sk = 2000
    host, dev, _ = make_inputs(torch, config, 2, sk, 0, seed=6)  # every key cached
    n = sk - config.init_offset
    ix = pq.Indexer(pq.compile(config, max_seq_len=4096), device=0)
    total, _ = pq.output_total(config, sk)
    outs = [torch.empty(2, 8, total, dtype=torch.int64, device="cuda"),
            torch.empty(2, 8, dtype=torch.int64, device="cuda"),
            torch.empty(2, 8, sk, dtype=torch.bfloat16, device="cuda")]
    outs2 = [torch.empty_like(t) for t in outs]
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm up off the default stream
        ix(dev["query"], None, dev["centroids"], dev["codebook"], n, None, *outs)
        pqt.step(ix, dev["query"], None, dev["centroids"], dev["codebook"], n, None, *outs2)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        ix(dev["query"], None, dev["centroids"], dev["codebook"], n, None, *outs)
        pqt.step(ix, dev["query"], None, dev["centroids"], dev["codebook"], n, None, *outs2)
    for seed in (7, 8):
        fresh, _, _ = make_inputs(torch, config, 2, sk, 0, seed=seed)
        dev["query"].copy_(fresh["query"].cuda())
        host["query"] = fresh["query"]
        for t in outs + outs2:
            t.fill_(0)
        graph.replay()
        torch.cuda.synchronize()
        check_against_reference(config, host, n, sk, outs, dev["codebook"])
        check_against_reference(config, host, n, sk, outs2, dev["codebook"])


def test_torch_compile():
    torch = torch_or_skip()
    import pq.torch as pqt
    config = small_config(query_type="bf16", weight_type="bf16")
    sk = 600
    host, dev, n = make_inputs(torch, config, 2, sk, 4, seed=9)
    ix = pq.Indexer(pq.compile(config, max_seq_len=1024), device=0)
    h = pqt.handle(ix)
    total, _ = pq.output_total(config, sk)

    def f(q, k, cent, codes, sl, sn, wl):
        n_after = pqt.step(h, q, k, cent, codes, n, None, sl, sn, wl)
        return wl.float().sum(-1), n_after

    compiled = torch.compile(f, fullgraph=True)
    sl = torch.empty(2, 8, total, dtype=torch.int64, device="cuda")
    sn = torch.empty(2, 8, dtype=torch.int64, device="cuda")
    wl = torch.empty(2, 8, sk, dtype=torch.bfloat16, device="cuda")
    sums, n_after = compiled(dev["query"], dev["key"], dev["centroids"], dev["codebook"],
                             sl, sn, wl)
    torch.cuda.synchronize()
    assert n_after == sk - config.init_offset
    assert (sums == total).all()
    check_against_reference(config, host, n, sk, (sl, sn, wl), dev["codebook"])


def test_torch_op_on_cpu_tensors_runs_the_reference():
    torch = torch_or_skip()
    import pq.torch as pqt
    config = small_config()
    host, _, n = make_inputs(torch, config, 1, 300, 2, seed=10)
    total, _ = pq.output_total(config, 300)
    outs = (torch.empty(1, 8, total, dtype=torch.int64), torch.empty(1, 8, dtype=torch.int64),
            torch.empty(1, 8, 300))
    codes = host["codebook"].clone()
    assert pqt.step(config, host["query"], host["key"], host["centroids"], codes, n, None,
                    *outs) == 300 - config.init_offset
    check_against_reference(config, host, n, 300, outs, codes)


def _seed_module():
    candidates = [os.environ.get("PQ_SEED_INDEXER"),
                  REPO / "build-dev" / "anchors" / "seed_indexer.py",
                  REPO.parent / "shared" / "anchors" / "seed_indexer.py"]
    for path in candidates:
        if path and Path(path).is_file():
            spec = importlib.util.spec_from_file_location("seed_indexer", path)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except ImportError as e:  # triton missing
                pytest.skip(f"seed_indexer.py does not import: {e}")
            return module
    pytest.skip("seed_indexer.py not found (set PQ_SEED_INDEXER)")


@pytest.mark.parametrize("shape", ["seed", "gqa16k"])
def test_drop_in_matches_the_seeds_imperative(shape):
    torch = torch_or_skip()
    seed = _seed_module()
    cfg = seed.SHAPES[shape]
    q, k, cent, codes = seed.make_inputs(cfg, seed=0)
    args = (cfg["sink"], cfg["window"], cfg["heavy"], cfg["sink"], torch.bfloat16)
    ref = seed.imperative(q, k, cent, codes, *args)
    sl, slen, wl, cent_out, codes_out, phi = pq.indexer_next(
        q, k, torch.bfloat16, cfg["sink"], cfg["window"], cfg["heavy"], cfg["S"], cfg["bits"],
        3, cfg["sink"], "euclidean", cent, codes, None)
    torch.cuda.synchronize()
    assert cent_out is cent and phi is None
    assert codes_out.shape == codes.shape and torch.equal(codes_out, codes)
    assert sl.dtype == torch.int64 and wl.dtype == torch.bfloat16
    assert torch.equal(slen, ref[1])
    assert seed.check_same_selection(ref, (sl, slen, wl, None), cfg["sink"], cfg["window"],
                                     cfg["sink"], cfg["sk"])
    # With init_offset = sink and k <= ws the list is sorted, as the seed's.
    assert torch.equal(sl, torch.sort(sl, -1).values)


def test_drop_in_grows_the_codebook():
    torch = torch_or_skip()
    config = small_config(layout="seed", query_type="bf16", weight_type="bf16")
    sk, new_keys = 700, 9
    host, dev, n = make_inputs(torch, config, 2, sk, new_keys, seed=12)
    given = dev["codebook"][:, :n].clone()  # the seed passes exactly n_cached rows
    sl, slen, wl, _, grown, _ = pq.indexer_next(
        dev["query"], dev["key"], torch.bfloat16, config.sink, config.window, config.heavy,
        config.subspaces, config.bits, 0, config.init_offset, "euclidean", dev["centroids"],
        given, None)
    torch.cuda.synchronize()
    assert grown.shape == (2, sk - config.init_offset, config.kv_heads, config.subspaces)
    assert torch.equal(grown[:, :n], given)
    check_against_reference(config, host, n, sk, (sl, slen, wl), grown)


def _two_device_work(torch, config, bundle, sk):
    """One indexer and its inputs per device, all kept alive by the caller."""
    work = []
    for d in (0, 1):
        host, dev, n = make_inputs(torch, config, 2, sk, 2, seed=20 + d, device=f"cuda:{d}")
        work.append((pq.Indexer(bundle, device=d), host, dev, n))
    return work


def test_two_devices_run_concurrently():
    """Two indexers on two GPUs in one process: steps of both devices are
    enqueued before either is synchronized, then two threads (one per
    device, each on its own stream) run steps at the same time; every result
    is checked."""
    torch = torch_or_skip()
    if pq.device_count() < 2 or torch.cuda.device_count() < 2:
        pytest.skip("needs two GPUs")
    import threading

    config = small_config(layout="compact")
    sk = 3000
    work = _two_device_work(torch, config, pq.compile(config, max_seq_len=4096), sk)
    assert [ix.device for ix, *_ in work] == [0, 1]
    first = []
    for ix, host, dev, n in work:  # one thread, both devices in flight
        with torch.cuda.device(ix.device):
            first.append(ix.step(dev["query"], dev["key"], dev["centroids"], dev["codebook"],
                                 n))
    for d in (0, 1):
        torch.cuda.synchronize(d)
    for (ix, host, dev, n), out in zip(work, first):
        assert out.sparse_list.device == torch.device("cuda", ix.device)
        check_against_reference(config, host, n, sk, out[:3], dev["codebook"])

    barrier = threading.Barrier(2, timeout=120)
    results, errors = [None, None], []

    def worker(i):
        ix, _, dev, n = work[i]
        try:
            with torch.cuda.device(ix.device):
                stream = torch.cuda.Stream()
                with torch.cuda.stream(stream):
                    outs = [torch.empty_like(t) for t in first[i][:3]]
                    barrier.wait()
                    for _ in range(100):
                        assert ix(dev["query"], dev["key"], dev["centroids"], dev["codebook"],
                                  n, None, *outs) == sk - config.init_offset
                stream.synchronize()
                results[i] = [t.cpu() for t in outs]
        except BaseException as e:  # reported below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a device's thread did not finish"
    assert not errors, errors
    for i in (0, 1):
        pq.compare_identical(config, tuple(t.cpu() for t in first[i][:3]), tuple(results[i]))
