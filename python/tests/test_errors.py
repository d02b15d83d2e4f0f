"""Every way a call can be wrong ends in a Python exception naming the
argument, and nothing is written."""
import numpy as np
import pytest

import pq
from conftest import random_step, small_config

C = small_config()
B, SK = 2, 300


def call(**overrides):
    step = random_step(C, B, SK, num_cached=250, seed=1)
    total, _ = pq.output_total(C, SK)
    outs = dict(sparse_list=np.full((B, C.heads, total), -5, np.int64),
                sparse_len=np.full((B, C.heads), -5, np.int64),
                weight_list=np.full((B, C.heads, SK), -5, np.float32))
    args = {**step, **outs}
    args.update(overrides)
    config = args.pop("config", C)
    before = {k: v.copy() for k, v in args.items() if isinstance(v, np.ndarray)}
    try:
        pq.reference(config, **args)
    finally:
        for name in ("codebook", "sparse_list", "sparse_len", "weight_list"):
            if isinstance(args[name], np.ndarray) and name in before and \
                    args[name].shape == before[name].shape:
                assert np.array_equal(args[name], before[name]), f"{name} was written"


def test_the_baseline_call_works():
    step = random_step(C, B, SK, num_cached=250, seed=1)
    assert pq.reference(C, **step).num_cached == SK - C.init_offset


@pytest.mark.parametrize("name,shape,match", [
    ("query", (B, C.heads, 2, C.head_dim), r"query: expected shape \[2, 8, 1, 64\]"),
    ("query", (B, C.heads, C.head_dim), r"query: expected 4 dimensions"),
    ("key", (B, C.kv_heads + 1, SK, C.head_dim), r"key: expected shape"),
    ("centroids", (B, C.kv_heads, C.subspaces, 8, 16), r"centroids: expected shape .*2\^bits"),
    ("codebook", (B, SK - C.init_offset, C.kv_heads, 3), r"codebook: expected shape .*seed layout"),
    ("weight_list", (B, C.heads), r"weight_list: expected 3 dimensions"),
    ("sparse_len", (B, C.heads + 1), r"sparse_len: expected shape \[2, 8\]"),
    ("sparse_list", (B, C.heads, 5), r"sparse_list: expected shape \[2, 8, 44\]"),
])
def test_wrong_shape(name, shape, match):
    dtype = {"codebook": np.int64, "sparse_len": np.int64, "sparse_list": np.int64}.get(
        name, np.float32)
    with pytest.raises(ValueError, match=match):
        call(**{name: np.zeros(shape, dtype)})


def test_batch_must_agree():
    step = random_step(C, B + 1, SK, seed=1)
    with pytest.raises(ValueError, match=r"key: expected shape \[2, "):
        call(key=step["key"])


@pytest.mark.parametrize("name,dtype,match", [
    ("query", np.float16, "query: expected dtype float32, got float16"),
    ("key", np.float64, "key: expected dtype float32, got DLPack type code 2, 64 bits"),
    ("centroids", np.int32, "centroids: expected dtype float32, got int32"),
    ("codebook", np.int32, "codebook: expected dtype int64, got int32"),
    ("sparse_list", np.int32, "sparse_list: expected dtype int64, got int32"),
    ("weight_list", np.float16, "weight_list: expected dtype float32, got float16"),
])
def test_wrong_dtype(name, dtype, match):
    step = random_step(C, B, SK, num_cached=250, seed=1)
    total, _ = pq.output_total(C, SK)
    like = {"sparse_list": np.zeros((B, C.heads, total)),
            "weight_list": np.zeros((B, C.heads, SK))}.get(name, step.get(name))
    with pytest.raises(ValueError, match=match):
        call(**{name: np.ascontiguousarray(like).astype(dtype)})


def test_non_contiguous_is_rejected():
    step = random_step(C, B, SK, num_cached=250, seed=1)
    wide = np.zeros((B, C.kv_heads, SK, 2 * C.head_dim), np.float32)
    with pytest.raises(ValueError, match="key: must be contiguous"):
        call(key=wide[..., ::2])
    with pytest.raises(ValueError, match="query: must be contiguous"):
        call(query=np.asfortranarray(step["query"]))


def test_outputs_must_be_writable():
    total, _ = pq.output_total(C, SK)
    sl = np.zeros((B, C.heads, total), np.int64)
    sl.flags.writeable = False
    with pytest.raises(ValueError, match="sparse_list: expected a writable array"):
        call(sparse_list=sl)


def test_read_only_inputs_are_fine():
    step = random_step(C, B, SK, num_cached=250, seed=1)
    for name in ("query", "key", "centroids"):
        step[name].flags.writeable = False
    assert pq.reference(C, **step).num_cached == SK - C.init_offset


def test_not_an_array():
    with pytest.raises(ValueError, match="query: expected an array"):
        call(query=[1, 2, 3])
    with pytest.raises(ValueError, match="codebook: expected a writable array"):
        call(codebook="codes")


def test_pqrt_rules_surface_with_pqrt_messages():
    with pytest.raises(ValueError, match="PQRT_INVALID_ARGUMENT: num_cached"):
        call(num_cached=SK)  # more codes than keys
    with pytest.raises(ValueError, match="PQRT_INVALID_ARGUMENT: kv_heads"):
        call(config=C.replace(kv_heads=3))
    big = random_step(C, B, SK, num_cached=250, seed=1)["codebook"]
    big[0, 0, 0, 0] = C.centroids  # a code out of [0, C)
    with pytest.raises(ValueError, match="PQRT_INVALID_ARGUMENT"):
        call(codebook=big)


def test_key_capacity_below_seq_len():
    short = random_step(C, B, SK - 10, seed=1)["key"]
    with pytest.raises(ValueError, match="key_capacity|seq_len"):
        call(key=short)


def test_outputs_all_or_none():
    with pytest.raises(ValueError, match="give all three or none"):
        step = random_step(C, B, SK, seed=1)
        pq.reference(C, **step, sparse_list=np.zeros((B, C.heads, 44), np.int64))


@pytest.mark.parametrize("fields,match", [
    (dict(metric="cosine"), "metric: expected 'euclidean' or 'ip'"),
    (dict(layout="paged"), "layout: expected 'seed' or 'compact'"),
    (dict(query_type="float64"), "query_type: unsupported dtype"),
    (dict(heads=8.0), "heads: expected an int"),
    (dict(bits=True), "bits: expected an int"),
])
def test_bad_config_fields(fields, match):
    with pytest.raises(ValueError, match=match):
        small_config(**fields)


def test_output_total_checks_the_config():
    with pytest.raises(ValueError, match="PQRT_INVALID_ARGUMENT: head_dim"):
        pq.output_total(C.replace(head_dim=63), 300)
    with pytest.raises(ValueError, match="seq_len"):
        pq.output_total(C, -1)


def test_no_gpu_is_a_runtime_error(tmp_path):
    if pq.device_count() > 0:
        pytest.skip("a GPU is present")
    bundle = tmp_path / "x.pqmod"
    bundle.write_bytes(b"not a bundle")
    with pytest.raises(ValueError, match="PQRT_BAD_MODULE: bundle"):
        pq.Indexer(bundle)
    with pytest.raises(RuntimeError, match="PQRT_NO_(DRIVER|DEVICE)"):
        pq._pqrt.device_count()
    assert pq.device_count() == 0
    assert pq.auto_target() == "sm_80"


@pytest.mark.parametrize("sm, expected", [(80, "sm_80"), (86, "sm_86"), (89, "sm_89"),
                                          (90, "sm_90a"), (100, "sm_90"), (120, "sm_90")])
def test_auto_target_picks_what_runs(monkeypatch, sm, expected):
    # sm_90a (the build's wgmma) runs on sm_90 GPUs only; newer GPUs take
    # the portable sm_90 PTX.
    from pq import _compile
    monkeypatch.setattr(_compile._pqrt, "device_sm", lambda device: sm)
    assert pq.auto_target() == expected


def test_bad_bundles():
    with pytest.raises(ValueError, match="PQRT_BAD_MODULE"):
        pq.Bundle.from_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match="cannot open '/nonexistent/x.pqmod'"):
        pq.Bundle.load("/nonexistent/x.pqmod")


def test_streams():
    from pq._indexer import stream_handle

    class TorchLike:
        cuda_stream = 1234

    class Protocol:
        def __cuda_stream__(self):
            return (0, 77)

    assert stream_handle(5, None, 0) == 5
    assert stream_handle(TorchLike(), None, 0) == 1234
    assert stream_handle(Protocol(), None, 0) == 77
    assert stream_handle(None, np.zeros(1), 0) == 0
    with pytest.raises(ValueError, match="stream"):
        stream_handle(-1, None, 0)
    with pytest.raises(ValueError, match="stream"):
        stream_handle("default", None, 0)
    with pytest.raises(ValueError, match="stream"):
        stream_handle(True, None, 0)


def test_devices():
    from pq._indexer import _resolve_device
    assert _resolve_device(1) == 1
    assert _resolve_device("cuda:3") == 3
    assert _resolve_device("cuda") == 0
    with pytest.raises(ValueError, match="device"):
        _resolve_device("cpu")
