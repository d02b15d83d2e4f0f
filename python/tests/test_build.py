"""pq.reference_build: the index build's CPU reference through Python,
against an independent NumPy transcription of SEMANTICS.md "Building the
index" (same initial indices), and its argument checks."""
import numpy as np
import pytest

import pq
from conftest import small_config, to_dtype


def numpy_kmeans(groups, initials, iters):
    """Lloyd over all groups together: float32 distances, float64 means, ties
    to the lowest c, empty clusters kept; stop after an update when every
    group's (sum_c ||shift||)^2 < 1e-4. Returns centroids, codes, updates."""
    cents = [x[i].copy() for x, i in zip(groups, initials)]

    def assign(x, cent):
        return ((x[:, None, :] - cent[None, :, :]) ** 2).sum(-1, dtype=np.float32).argmin(1)

    ran = 0
    while ran < iters:
        done = True
        for g, x in enumerate(groups):
            a, new = assign(x, cents[g]), cents[g].copy()
            for c in range(len(new)):
                if (a == c).any():
                    new[c] = (x[a == c].astype(np.float64).sum(0) / (a == c).sum()).astype(
                        np.float32)
            shift = np.sqrt(((new.astype(np.float64) - cents[g]) ** 2).sum(1)).sum()
            done = done and shift * shift < 1e-4
            cents[g] = new
        ran += 1
        if done:
            break
    return cents, [assign(x, c) for x, c in zip(groups, cents)], ran


@pytest.mark.parametrize("metric", ["euclidean", "ip"])
@pytest.mark.parametrize("layout", ["compact", "seed"])
def test_matches_a_numpy_transcription(metric, layout):
    c = small_config(kv_heads=1, heads=2, head_dim=8, subspaces=2, bits=3, init_offset=3,
                     metric=metric, layout=layout)
    rng = np.random.default_rng(3)
    # Two well separated blobs per subspace: assignments are far from ties.
    key = rng.standard_normal((1, 1, 67, 8)).astype(np.float32)
    key[:, :, ::2] += 6.0
    n = 64
    initial = np.stack([rng.choice(n, 8, replace=False) for _ in range(2)]).astype(np.int64)
    out = pq.reference_build(c, key, kmeans_iter=7, initial=initial)
    assert out.num_cached == n and 1 <= out.iterations <= 7
    groups = []
    for s in range(2):
        x = key[0, 0, 3:, s * 4:(s + 1) * 4].astype(np.float32)
        if metric == "ip":
            norms = (x * x).sum(1, dtype=np.float32)
            phi = norms.max()
            assert out.phi[s] == phi
            x = np.concatenate([x, np.sqrt(np.maximum(phi - norms, 0))[:, None]], 1)
        groups.append(x)
    cents, codes, ran = numpy_kmeans(groups, initial, 7)
    assert ran == out.iterations
    for s in range(2):
        np.testing.assert_allclose(out.centroids[0, 0, s], cents[s], rtol=1e-5, atol=1e-6)
        got = out.codebook[0, 0, :, s] if layout == "compact" else out.codebook[0, :, 0, s]
        np.testing.assert_array_equal(got, codes[s])


def test_seeded_rule_is_deterministic_and_the_codes_feed_a_step():
    c = small_config(heads=4, kv_heads=2, head_dim=16, subspaces=2, bits=4, init_offset=4,
                     query_type="f32", sink=4, window=8, heavy=16)
    rng = np.random.default_rng(5)
    key = to_dtype(rng.standard_normal((2, 2, 200, 16), dtype=np.float32), c.query_type)
    a = pq.reference_build(c, key, kmeans_iter=5, seed=11)
    b = pq.reference_build(c, key, kmeans_iter=5, seed=11)
    other = pq.reference_build(c, key, kmeans_iter=5, seed=12)
    assert np.array_equal(a.centroids, b.centroids) and np.array_equal(a.codebook, b.codebook)
    assert not np.array_equal(a.centroids, other.centroids)
    # The next decode step continues from num_cached = n with the built index.
    q = to_dtype(rng.standard_normal((2, 4, 1, 16), dtype=np.float32), c.query_type)
    step = pq.reference(c, q, key, a.centroids, a.codebook.copy(), a.num_cached, seq_len=200)
    assert step.num_cached == a.num_cached


def test_bad_arguments_are_value_errors():
    c = small_config(kv_heads=1, heads=1, head_dim=8, subspaces=2, bits=3, init_offset=0,
                     query_type="f32")
    key = np.zeros((1, 1, 6, 8), np.float32)
    with pytest.raises(ValueError, match="n = sk - init_offset = 6 keys to cluster are fewer "
                                         "than C = 2\\^bits = 8 centroids"):
        pq.reference_build(c, key)
    key = np.zeros((1, 1, 20, 8), np.float32)
    with pytest.raises(ValueError, match="kmeans_iter"):
        pq.reference_build(c, key, kmeans_iter=-1)
    with pytest.raises(ValueError, match="initial: group 0 repeats point index 1"):
        pq.reference_build(c, key, initial=np.array([[1, 1, 2, 3, 4, 5, 6, 7]] * 2, np.int64))
    with pytest.raises(ValueError, match="initial: expected shape"):
        pq.reference_build(c, key, initial=np.zeros((1, 8), np.int64))
    with pytest.raises(ValueError, match="key: expected dtype float32"):
        pq.reference_build(c, key.astype(np.float16))
    with pytest.raises(ValueError, match="seed"):
        pq.reference_build(c, key, seed=-1)
