"""The GPU index build's Python side without a GPU: pq.compile(build=True),
has_build, every check of Indexer.build through Bundle.validate_build
(pqrt_bundle_validate_build) on arrays that claim to be CUDA memory (the
DLPack exchange producer of test_exchange.py; their memory is never read),
and the rule the GPU tests judge a build by (build_check.py, a transcription
of pqhost::compareBuild) on hand-made builds."""
import numpy as np
import pytest

import pq
from build_check import Build, Mismatch, compare_build
from conftest import small_config, to_dtype
from test_exchange import ExchangeArray, ManagedArray

CUDA0, CUDA1 = (2, 0), (2, 1)  # (kDLCUDA, ordinal)
C = small_config(heads=4, kv_heads=2, head_dim=16, subspaces=2, bits=4, init_offset=4,
                 sink=4, window=8, heavy=16)
B, SK = 2, 100


@pytest.fixture(scope="module")
def bundle(has_compiler):
    return pq.compile(C, target="sm_80", max_seq_len=1024, build=True)


def build_arrays(config=C, b=B, capacity=SK, code_rows=None):
    """Host arrays of one build, shaped for `config`."""
    c = config
    n = capacity - c.init_offset
    width = c.head_dim // c.subspaces + (1 if c.metric == "ip" else 0)
    rows = n if code_rows is None else code_rows
    key = to_dtype(np.random.default_rng(1).standard_normal(
        (b, c.kv_heads, capacity, c.head_dim), dtype=np.float32), c.query_type)
    cent_dtype = np.uint16 if c.centroid_type == "bf16" else np.float32
    arrays = dict(
        key=key,
        centroids=np.zeros((b, c.kv_heads, c.subspaces, c.centroids, width), cent_dtype),
        codebook=(np.zeros((b, rows, c.kv_heads, c.subspaces), np.int64) if c.layout == "seed"
                  else np.zeros((b, c.kv_heads, rows, c.subspaces), np.uint8)),
        phi=np.zeros(b * c.kv_heads * c.subspaces, np.float32) if c.metric == "ip" else None,
        initial_indices=np.tile(np.arange(c.centroids, dtype=np.int64),
                                (b * c.kv_heads * c.subspaces, 1)),
        iterations=np.zeros(1, np.int64))
    return arrays


def on_gpu(arrays, device=CUDA0):
    return {k: (ExchangeArray(v, device) if isinstance(v, np.ndarray) else v)
            for k, v in arrays.items()}


def validate(bundle, arrays, **kw):
    """Bundle.validate_build on fake CUDA arrays; asserts nothing was
    written to any of them, whatever the outcome."""
    before = {k: v.array.copy() for k, v in arrays.items() if isinstance(v, ExchangeArray)}
    args = dict(arrays)
    key, centroids, codebook = args.pop("key"), args.pop("centroids"), args.pop("codebook")
    try:
        return bundle.validate_build(key, centroids, codebook, **args, **kw)
    finally:
        for k, v in before.items():
            assert np.array_equal(arrays[k].array, v), f"{k} was written"


# ---------------------------------------------------------------- pq.compile


def test_compile_with_build(bundle):
    assert bundle.info.has_build and bundle.info.entry == "pq_step"
    assert bundle.config == C
    assert ", build" in repr(bundle)
    plain = pq.compile(C, target="sm_80", max_seq_len=1024)
    assert not plain.info.has_build
    assert plain.path != bundle.path  # the cache key covers build
    import json
    assert json.loads(bundle.path.with_suffix(".json").read_text())["build"] is True
    again = pq.compile(C, target="sm_80", max_seq_len=1024, build=True)
    assert again.path == bundle.path and again.info.has_build


def test_compile_build_argument(has_compiler):
    with pytest.raises(ValueError, match="build: expected True or False"):
        pq.compile(C, target="sm_80", build=1)
    text = pq._program.program(C, name="t")
    with pytest.raises(ValueError, match="build: applies to a StepConfig"):
        pq.compile(text, target="sm_80", build=True)
    # A .mlir text carries its build as a pq.kmeans function.
    with_build = pq._program.program(C, name="t", build=True)
    assert pq.compile(with_build, target="sm_80", max_seq_len=1024).info.has_build


# ---------------------------------------------------- Indexer.build's checks


def test_a_valid_build_passes(bundle):
    arrays = on_gpu(build_arrays())
    assert validate(bundle, arrays) == SK - C.init_offset
    assert validate(bundle, arrays, seq_len=60, kmeans_iter=0, seed=2**64 - 1) == 56
    assert validate(bundle, dict(arrays, initial_indices=None, iterations=None)) == 96
    # Read-only inputs are fine (the initial indices are read, not written).
    ro = dict(arrays, initial_indices=ManagedArray(arrays["initial_indices"].array,
                                                   read_only=True, device=CUDA0))
    assert validate(bundle, ro) == 96


def test_a_bundle_without_build_names_the_fix(has_compiler):
    plain = pq.compile(C, target="sm_80", max_seq_len=1024)
    with pytest.raises(RuntimeError, match=r"PQRT_UNSUPPORTED: build: bundle 'pq_step' has no "
                                           r"index build; compile it with pq.compile\(config, "
                                           r"build=True\)"):
        validate(plain, on_gpu(build_arrays()))


@pytest.mark.parametrize("name,value,match", [
    ("key", np.zeros((B, C.kv_heads, SK, 8), np.float32), r"key: expected shape \[2, 2, 100, 16\]"),
    ("key", np.zeros((B, SK, 16), np.float32), "key: expected 4 dimensions"),
    ("key", np.zeros((B, C.kv_heads, SK, 16), np.float16), "key: expected dtype float32, got float16"),
    ("centroids", np.zeros((B, 2, 2, 8, 8), np.float32), r"centroids: expected shape .*2\^bits"),
    ("centroids", np.zeros((B, 2, 2, 16, 8), np.float64), "centroids: expected dtype float32"),
    ("codebook", np.zeros((B, 2, 96, 2), np.uint8), "codebook: expected shape .*seed layout"),
    ("codebook", np.zeros((B, 96, 2, 2), np.int32), "codebook: expected dtype int64, got int32"),
    ("initial_indices", np.zeros((4, 16), np.int64),
     r"initial_indices: expected shape \[8, 16\] \(b \* kv_heads \* subspaces, 2\^bits\)"),
    ("initial_indices", np.zeros((8, 16), np.int32), "initial_indices: expected dtype int64"),
    ("iterations", np.zeros(2, np.int64), r"iterations: expected shape \[1\]"),
    ("iterations", np.zeros(1, np.int32), "iterations: expected dtype int64, got int32"),
    ("phi", np.zeros(B * 4, np.float32), "phi: the configuration's metric is euclidean"),
])
def test_wrong_arrays(bundle, name, value, match):
    arrays = on_gpu(build_arrays())
    with pytest.raises(ValueError, match=match):
        validate(bundle, dict(arrays, **{name: ExchangeArray(value, CUDA0)}))


@pytest.mark.parametrize("name", ["key", "centroids", "codebook", "initial_indices",
                                  "iterations"])
def test_arrays_must_be_on_the_indexers_device(bundle, name):
    arrays = on_gpu(build_arrays())
    host = dict(arrays, **{name: arrays[name].array})
    with pytest.raises(ValueError, match=f"{name}: expected memory of cuda:0 \\(the indexer's "
                                         "device\\), got host memory"):
        validate(bundle, host)
    other = dict(arrays, **{name: ExchangeArray(arrays[name].array, CUDA1)})
    with pytest.raises(ValueError, match=f"{name}: expected memory of cuda:0 .*got cuda:1"):
        validate(bundle, other)
    assert validate(bundle, on_gpu(build_arrays(), CUDA1), device=1) == 96


@pytest.mark.parametrize("name", ["centroids", "codebook", "iterations"])
def test_read_only_outputs_are_refused(bundle, name):
    arrays = on_gpu(build_arrays())
    arrays[name] = ManagedArray(arrays[name].array, read_only=True, device=CUDA0)
    with pytest.raises(ValueError, match=f"{name}: is read-only, but it is an output"):
        validate(bundle, arrays)


def test_non_contiguous_arrays_are_refused(bundle):
    arrays = on_gpu(build_arrays())
    wide = np.zeros((B, C.kv_heads, SK, 32), np.float32)
    with pytest.raises(ValueError, match="key: must be contiguous"):
        validate(bundle, dict(arrays, key=ExchangeArray(wide[..., ::2], CUDA0)))


def test_ip_needs_phi(has_compiler):
    c = C.replace(metric="ip", layout="compact", centroid_type="bf16")
    ip = pq.compile(c, target="sm_80", max_seq_len=1024, build=True)
    arrays = on_gpu(build_arrays(c))
    assert validate(ip, arrays) == 96
    with pytest.raises(ValueError, match=r"phi: required for metric ip"):
        validate(ip, dict(arrays, phi=None))
    with pytest.raises(ValueError, match=r"phi: expected shape \[8\]"):
        validate(ip, dict(arrays, phi=ExchangeArray(np.zeros(4, np.float32), CUDA0)))
    with pytest.raises(ValueError, match="codebook: expected shape .*compact layout"):
        validate(ip, dict(arrays, codebook=ExchangeArray(np.zeros((B, 96, 2, 2), np.int64),
                                                         CUDA0)))


@pytest.mark.parametrize("kw,match", [
    (dict(kmeans_iter=-1), "PQRT_INVALID_ARGUMENT: kmeans_iter: -1 is not in"),
    (dict(kmeans_iter=10**6), "PQRT_INVALID_ARGUMENT: kmeans_iter"),
    (dict(kmeans_iter=2.0), "kmeans_iter: expected an int"),
    (dict(kmeans_iter=True), "kmeans_iter: expected an int"),
    (dict(seed=-1), r"seed: -1 is not in \[0, "),
    (dict(seed=2**64), "seed"),
    (dict(seq_len=-5), "seq_len: -5 is not in"),
    (dict(seq_len=SK + 1), "PQRT_INVALID_ARGUMENT: key: key_capacity 100 is less than sk 101"),
    (dict(seq_len=C.init_offset + 15), "fewer than C = 2\\^bits = 16 centroids"),
    (dict(max_batch=1), "PQRT_INVALID_ARGUMENT: .*max_batch"),
])
def test_values_libpqrt_rejects(bundle, kw, match):
    with pytest.raises(ValueError, match=match):
        validate(bundle, on_gpu(build_arrays()), **kw)


def test_module_limits(bundle):
    big = on_gpu(build_arrays(capacity=1100))
    with pytest.raises(ValueError, match="PQRT_INVALID_ARGUMENT: .*max_seq_len"):
        validate(bundle, big)
    assert validate(bundle, big, seq_len=1024) == 1020
    short = on_gpu(build_arrays(code_rows=50))
    with pytest.raises(ValueError, match="codebook: code_capacity 50 is less than n = 96"):
        validate(bundle, short)
    assert validate(bundle, short, seq_len=54) == 50


# ------------------------------------------------ the rule of compareBuild


def tiny(metric="euclidean"):
    """1 group, d = 2, C = 2: points on the x axis."""
    return small_config(heads=1, kv_heads=1, head_dim=2, subspaces=1, bits=1, init_offset=0,
                        sink=0, window=0, heavy=1, metric=metric)


def points(*xs):
    key = np.zeros((1, 1, len(xs), 2), np.float32)
    key[0, 0, :, 0] = xs
    return key


def index(centers, codes, phi=None, iterations=None):
    cent = np.zeros((1, 1, 1, len(centers), 2), np.float32)
    cent[0, 0, 0, :, 0] = centers
    return Build(cent, np.array(codes, np.int64).reshape(1, -1, 1, 1), phi, iterations)


def test_a_reference_build_equals_itself():
    c = C.replace(metric="ip", layout="compact")
    key = to_dtype(np.random.default_rng(2).standard_normal((2, 2, 100, 16), dtype=np.float32),
                   "f32")
    ref = pq.reference_build(c, key, kmeans_iter=5, seed=3)
    mine = Build(ref.centroids, ref.codebook, ref.phi, ref.iterations)
    same = compare_build(c, key, 100, mine, Build(ref.centroids.copy(), ref.codebook.copy(),
                                                  ref.phi.copy(), ref.iterations))
    assert (same.codes, same.near_ties, same.diverged) == (2 * 2 * 2 * 96, 0, 0)
    assert same.centroids_checked and same.max_centroid_error == 0
    moved = ref.centroids.copy()
    moved[1, 0, 1, 3, 2] += 1e-3
    with pytest.raises(Mismatch, match="centroids: b 1, kv 0, s 1, centroid 3, column 2"):
        compare_build(c, key, 100, mine, Build(moved, ref.codebook, ref.phi, ref.iterations))
    moved[1, 0, 1, 3, 2] = ref.centroids[1, 0, 1, 3, 2] + 5e-6  # within 1e-5
    compare_build(c, key, 100, mine, Build(moved, ref.codebook, ref.phi, ref.iterations))
    phi = ref.phi.copy()
    phi[5] = np.nextafter(phi[5], np.float32(np.inf))
    with pytest.raises(Mismatch, match="phi: b 1, kv 0, s 1"):
        compare_build(c, key, 100, mine, Build(ref.centroids, ref.codebook, phi, ref.iterations))
    with pytest.raises(Mismatch, match="iterations: got 9"):
        compare_build(c, key, 100, mine, Build(ref.centroids, ref.codebook, ref.phi, 9))


def test_bf16_centroids_one_step_apart():
    c = C.replace(centroid_type="bf16")
    key = np.random.default_rng(4).standard_normal((2, 2, 100, 16), dtype=np.float32)
    ref = pq.reference_build(c, key, kmeans_iter=3, seed=1)
    values = (ref.centroids.astype(np.uint32) << 16).view(np.float32)
    at = np.unravel_index(np.abs(values).argmax(), values.shape)  # 1e-5 < one step there
    stepped = ref.centroids.copy()
    stepped[at] += 1  # one bf16 step (raw bits)
    compare_build(c, key, 100, Build(ref.centroids, ref.codebook),
                  Build(stepped, ref.codebook))
    stepped[at] += 1
    b, kv, s, k, i = at
    with pytest.raises(Mismatch, match=f"centroids: b {b}, kv {kv}, s {s}, centroid {k}, "
                                       f"column {i}"):
        compare_build(c, key, 100, Build(ref.centroids, ref.codebook),
                      Build(stepped, ref.codebook))


def test_near_ties_diverged_runs_and_wrong_codes():
    c = tiny()
    # x = 0 is equidistant from -1 and 1: either code is right.
    key = points(0, -1, 1)
    tie = compare_build(c, key, 3, index([-1, 1], [0, 0, 1]), index([-1, 1], [1, 0, 1]))
    assert tie.near_ties == 1 and not tie.centroids_checked
    with pytest.raises(Mismatch, match="codes: b 0, kv 0, s 0, key 1: got 1, the reference 0;"
                                       ".*not the nearest built centroid"):
        compare_build(c, key, 3, index([-1, 1], [0, 0, 1]), index([-1, 1], [0, 1, 1]))
    with pytest.raises(Mismatch, match=r"code 2 is outside \[0, 2\)"):
        compare_build(c, key, 3, index([-1, 1], [0, 0, 1]), index([-1, 1], [0, 2, 1]))
    # The same clusters under swapped labels: a diverged run, judged on its own.
    key = points(0, 0.1, 5, 5.1)
    ref = index([0.05, 5.05], [0, 0, 1, 1], iterations=2)
    swapped = index([5.05, 0.05], [1, 1, 0, 0], iterations=3)
    out = compare_build(c, key, 4, ref, swapped)
    assert out.diverged == 4 and out.reconstruction_error < 1e-6
    with pytest.raises(Mismatch, match="not a near-tie .*differ from the reference's"):
        compare_build(c, key, 4, ref, swapped, allow_divergence=False)  # T = 0
    # Swapped centroids but the reference's codes: codes equal, centroids not.
    with pytest.raises(Mismatch, match="centroids: "):
        compare_build(c, key, 4, ref, index([5.05, 0.05], [0, 0, 1, 1]))
    # Another local optimum, much worse than the reference's: rejected.
    key = points(0, 3.9, 6)
    ref = index([1.95, 6], [0, 0, 1])
    other = index([0, 4.95], [0, 1, 1])
    with pytest.raises(Mismatch, match="the runs diverged .*reconstruction error"):
        compare_build(c, key, 3, ref, other)
    # A diverged run whose code is not the nearest of its own centroids.
    key = points(0, 0.1, 5, 5.1, 2.4)
    ref = index([0.05, 5.05], [0, 0, 1, 1, 0])
    bad = index([5.05, 0.05], [1, 1, 0, 0, 0])  # 2.4 is nearer 0.05 (code 1)
    with pytest.raises(Mismatch, match="key 4: got 0, but built centroid 1 is nearer"):
        compare_build(c, key, 5, ref, bad)


def test_torch_op_on_cpu_tensors_runs_the_reference_build():
    torch = pytest.importorskip("torch")
    import pq.torch as pqt
    c = C.replace(metric="ip", layout="compact")
    key = torch.randn(B, c.kv_heads, SK, c.head_dim, generator=torch.Generator().manual_seed(5))
    width = c.head_dim // c.subspaces + 1
    cent = torch.zeros(B, c.kv_heads, c.subspaces, c.centroids, width)
    codes = torch.zeros(B, c.kv_heads, 96, c.subspaces, dtype=torch.uint8)
    phi = torch.zeros(B * c.kv_heads * c.subspaces)
    iterations = torch.full((1,), -1, dtype=torch.int64)
    seed = 2**64 - 3  # above int64: the op takes the same 64 bits signed
    assert pqt.build(c, key, cent, codes, phi, kmeans_iter=4, seed=seed,
                     iterations=iterations) == 96
    ref = pq.reference_build(c, key.numpy(), kmeans_iter=4, seed=seed)
    assert np.array_equal(cent.numpy(), ref.centroids) and np.array_equal(codes.numpy(),
                                                                          ref.codebook)
    assert np.array_equal(phi.numpy(), ref.phi) and int(iterations) == ref.iterations
    with pytest.raises(ValueError, match="iterations: expected a CPU int64 tensor of shape"):
        pqt.build(c, key, cent.zero_(), codes, phi, iterations=torch.zeros(2, dtype=torch.int64))
    assert not cent.any(), "a rejected build wrote the centroids"
