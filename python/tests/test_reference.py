"""pq.reference against the C side (pq-run's CPU reference, bit for bit)
and against cases whose answer is known without it."""
import subprocess

import numpy as np
import pytest

import pq
from conftest import random_step, small_config

# pq-run flags of each configuration, and pq.StepConfig's fields.
CASES = {
    "seed_f32": (["--heads", "8", "--kv-heads", "2", "--head-dim", "64", "--subspaces", "4",
                  "--bits", "4", "--sink", "4", "--window", "8", "--heavy", "32",
                  "--init-offset", "4", "--metric", "euclidean", "--layout", "seed",
                  "--query-type", "f32", "--weight-type", "f32", "--index-type", "i64"],
                 dict()),
    "compact_bf16_ties": (["--heads", "8", "--kv-heads", "2", "--head-dim", "64",
                           "--subspaces", "2", "--bits", "6", "--sink", "16", "--window", "16",
                           "--heavy", "64", "--init-offset", "16", "--metric", "euclidean",
                           "--layout", "compact", "--query-type", "bf16",
                           "--weight-type", "bf16", "--index-type", "i64", "--ties"],
                          dict(subspaces=2, bits=6, sink=16, window=16, heavy=64,
                               init_offset=16, layout="compact", query_type="bf16",
                               weight_type="bf16")),
    "ip_f16_i32": (["--heads", "4", "--kv-heads", "4", "--head-dim", "32", "--subspaces", "2",
                    "--bits", "3", "--sink", "2", "--window", "4", "--heavy", "16",
                    "--init-offset", "2", "--metric", "ip", "--layout", "compact",
                    "--query-type", "f16", "--weight-type", "f16", "--index-type", "i32"],
                   dict(heads=4, kv_heads=4, head_dim=32, subspaces=2, bits=3, sink=2,
                        window=4, heavy=16, init_offset=2, metric="ip", layout="compact",
                        query_type="f16", weight_type="f16", index_type="i32")),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("new_keys", [1, 40])
def test_same_bits_as_pq_run(pq_run, tmp_path, name, new_keys):
    flags, fields = CASES[name]
    config = small_config(**fields)
    b, sk = 2, 300
    n = sk - config.init_offset
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    cmd = [str(pq_run), *flags, "--batch", str(b), "--seq-len", str(sk),
           "--num-cached", str(n - new_keys), "--device", "cpu", "--seed", "7",
           "--save-inputs", str(inputs), "--outputs", str(outputs)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    saved = np.load(inputs / "codes.npy")
    rows_axis = 1 if config.layout == "seed" else 2
    assert saved.shape[rows_axis] == n - new_keys
    pad = [(0, 0)] * 4
    pad[rows_axis] = (0, new_keys)
    codes = np.ascontiguousarray(np.pad(saved, pad))
    phi = np.load(inputs / "phi.npy") if config.metric == "ip" else None
    out = pq.reference(config, np.load(inputs / "query.npy"), np.load(inputs / "key.npy"),
                       np.load(inputs / "centroids.npy"), codes, n - new_keys, phi)
    assert out.num_cached == n
    for got, file in ((out.sparse_list, "sparse_list"), (out.sparse_len, "sparse_len"),
                      (out.weight_list, "weight_list"), (codes, "codes")):
        want = np.load(outputs / f"{file}.npy")
        assert got.shape == want.shape, file
        assert np.array_equal(got.view(np.uint8), np.ascontiguousarray(want).view(np.uint8)), file


def test_full_attention_path_attends_to_everything():
    c = small_config()
    sk = c.heavy + c.init_offset + 1 + c.centroids  # the largest full-attention sk
    assert pq.output_total(c, sk) == (sk, True)
    step = random_step(c, 2, sk, num_cached=0)
    before = step["codebook"].copy()
    out = pq.reference(c, **step)
    assert np.array_equal(out.sparse_list, np.broadcast_to(np.arange(sk), (2, c.heads, sk)))
    assert (out.sparse_len == sk).all()
    assert (out.weight_list == 1).all()
    assert out.num_cached == 0  # left alone on the full-attention path
    assert np.array_equal(step["codebook"], before)


def _numpy_step(c, step, sk):
    """SEMANTICS.md in NumPy (float64 distances and scores; fine on random
    data without near-ties), for a seed-layout f32 configuration."""
    q, k, cent, codes = step["query"], step["key"], step["centroids"], step["codebook"].copy()
    b, n, n0 = q.shape[0], sk - c.init_offset, step["num_cached"]
    ds, grp = c.head_dim // c.subspaces, c.heads // c.kv_heads
    for p in range(c.init_offset + n0, sk):
        for s in range(c.subspaces):
            x = k[:, :, p, s * ds:(s + 1) * ds].astype(np.float64)          # [b, kv, ds]
            d = ((x[:, :, None, :] - cent[:, :, s].astype(np.float64)) ** 2).sum(-1)
            codes[:, p - c.init_offset, :, s] = d.argmin(-1)
    kv = np.arange(c.heads) // grp
    scores = np.zeros((b, c.heads, n))
    for s in range(c.subspaces):
        qs = q[:, :, 0, s * ds:(s + 1) * ds].astype(np.float64)              # [b, h, ds]
        table = np.einsum("bhd,bhcd->bhc", qs, cent[:, kv, s].astype(np.float64))
        idx = codes[:, :n, :, s][:, :, kv].transpose(0, 2, 1)                # [b, h, n]
        scores += np.take_along_axis(table, idx, -1)
    ws = max(0, sk - c.window - c.init_offset)
    scores[..., ws:] = -np.inf
    kk = min(c.heavy, n)
    heavy = np.sort(np.argsort(-scores, axis=-1, kind="stable")[..., :kk], -1) + c.init_offset
    sink = np.broadcast_to(np.arange(min(c.sink, sk)), (b, c.heads, min(c.sink, sk)))
    win = np.broadcast_to(np.arange(sk - c.window, sk), (b, c.heads, c.window))
    return np.concatenate([sink, heavy, win], -1), codes


def test_sparse_path_matches_a_numpy_transcription():
    c = small_config()
    b, sk = 2, 300
    step = random_step(c, b, sk, num_cached=250, seed=3)
    want_list, want_codes = _numpy_step(c, step, sk)
    out = pq.reference(c, **step)
    total = c.sink + c.heavy + c.window
    assert out.sparse_list.shape == (b, c.heads, total)
    assert np.array_equal(step["codebook"], want_codes)
    assert np.array_equal(out.sparse_list, want_list)
    assert (out.sparse_len == total).all()
    assert np.array_equal(out.weight_list.sum(-1), np.full((b, c.heads), total, np.float32))
    rows = np.take_along_axis(out.weight_list, out.sparse_list, -1)
    assert (rows == 1).all()


def test_preallocated_outputs_and_scores_and_compare():
    c = small_config()
    b, sk = 1, 200
    step = random_step(c, b, sk, num_cached=0, seed=5)
    total, full = pq.output_total(c, sk)
    assert not full
    sl = np.full((b, c.heads, total), -7, np.int64)
    sn = np.zeros((b, c.heads), np.int64)
    wl = np.zeros((b, c.heads, sk), np.float32)
    out = pq.reference(c, **step, sparse_list=sl, sparse_len=sn, weight_list=wl)
    assert out.sparse_list is sl and out.num_cached == sk - c.init_offset
    assert (sl >= 0).all()
    scores = pq.reference_scores(c, step["query"], step["centroids"], step["codebook"], sk)
    assert scores.shape == (b, c.heads, sk - c.init_offset)
    pq.compare(c, out, (sl, sn, wl), scores)
    pq.compare_identical(c, (sl, sn, wl), (sl.copy(), sn.copy(), wl.copy()))
    # A different heavy token is a mismatch: swap the lowest-scoring heavy
    # pick for the best token that was not picked.
    bad = sl.copy()
    h0 = bad[0, 0, c.sink:c.sink + c.heavy] - c.init_offset
    others = np.setdiff1d(np.arange(sk - c.window - c.init_offset), h0)
    worst = h0[np.argmin(scores[0, 0, h0])]
    best_other = others[np.argmax(scores[0, 0, others])]
    if scores[0, 0, best_other] != scores[0, 0, worst]:
        picks = np.sort(np.where(h0 == worst, best_other, h0)) + c.init_offset
        bad[0, 0, c.sink:c.sink + c.heavy] = picks
        badw = wl.copy()
        badw[0, 0] = 0
        badw[0, 0, bad[0, 0]] = 1
        with pytest.raises(ValueError, match="PQRT_MISMATCH"):
            pq.compare(c, out, (bad, sn, badw), scores)
    with pytest.raises(ValueError, match="PQRT_MISMATCH"):
        pq.compare_identical(c, (sl, sn, wl), (bad if (bad != sl).any() else sl + 1, sn, wl))


def test_no_key_when_nothing_is_left_to_quantize():
    c = small_config()
    b, sk = 1, 200
    step = random_step(c, b, sk, num_cached=sk - c.init_offset, seed=2)
    step["key"] = None
    with pytest.raises(ValueError, match="seq_len"):
        pq.reference(c, **step)
    out = pq.reference(c, **step, seq_len=sk)
    assert out.num_cached == sk - c.init_offset


def test_deterministic():
    c = small_config(layout="compact")
    step = random_step(c, 2, 300, num_cached=100, seed=11)
    codes = step["codebook"].copy()
    first = pq.reference(c, **step)
    step["codebook"] = codes
    second = pq.reference(c, **step)
    pq.compare_identical(c, first[:3], second[:3])
