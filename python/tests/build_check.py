"""How the tests judge a GPU-built index against pq.reference_build's: a
NumPy transcription of pqhost::compareBuild (tools/host/BuildCheck.cpp,
docs/BUILD.md), the rule of pq-run --check and pq-gpu-tests.

- phi equal bitwise (metric ip); iterations equal when both are given;
- codes equal, except at a near-tie: with the actual (GPU) centroids,
  |d(x, c_actual) - d(x, c_reference)| <= 1e-5 * (||x||^2 + max ||c||^2)
  plus what the centroid tolerance can move either distance;
- centroids within 1e-5 * max(1, |reference|) (bf16: or one bf16 step),
  compared only when no code differed;
- a code that differs beyond a near-tie while the GPU's is the nearer of the
  two on the GPU's centroids means the runs diverged (only with T >= 1):
  then every GPU code must be the nearest of the GPU's centroids (up to the
  near-tie tolerance) and the GPU's reconstruction error within 1% of the
  reference's; iterations and centroids are not compared.

Host arrays only (NumPy; bf16 as uint16 bits, as pq.reference_build gives).
"""
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

TOLERANCE = 1e-5


@dataclass
class Build:
    """One build's outputs in host memory."""

    centroids: np.ndarray             #: [b, h_kv, S, C, ds'] centroid_type
    codebook: np.ndarray              #: layout per config, rows [0, n) compared
    phi: Optional[np.ndarray] = None  #: [b * h_kv * S] float32, metric ip
    iterations: Optional[int] = None


@dataclass
class Comparison:
    codes: int = 0
    near_ties: int = 0
    diverged: int = 0
    centroids_checked: bool = False
    max_centroid_error: float = 0.0
    reconstruction_error: float = 0.0

    def __str__(self):
        text = f"{self.codes} codes"
        if not self.near_ties and not self.diverged:
            text += " equal"
        if self.near_ties:
            text += f", {self.near_ties} differ at near-ties"
        if self.diverged:
            text += (f", {self.diverged} differ after the runs diverged (reconstruction "
                     f"error {self.reconstruction_error * 100:.3g}% off the reference's)")
        if self.centroids_checked:
            text += f", centroids within {self.max_centroid_error:.3g}"
        else:
            text += " (centroids not compared)"
        return text


class Mismatch(AssertionError):
    pass


def to_float(a: Any, dtype: str) -> np.ndarray:
    """float32 values of an f32/f16 array, or of bf16 as uint16/int16 bits."""
    a = np.asarray(a)
    if dtype == "bf16":
        return (a.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float32)


def value_tolerance(bf16: bool, reference: np.ndarray) -> np.ndarray:
    """How far stored centroid values may lie from `reference` (float64)."""
    ref = np.asarray(reference, np.float64)
    tol = TOLERANCE * np.maximum(1.0, np.abs(ref))
    if bf16:
        finite = np.isfinite(ref) & (ref != 0)
        _, exponent = np.frexp(np.where(finite, ref, 1.0))  # |v| in [2^(e-1), 2^e)
        tol = np.where(finite, np.maximum(tol, np.ldexp(1.0, exponent - 8)), tol)
    return tol


def _slack(bf16, x, c):
    """sum_i 2 |x_i - c_i| u_i + u_i^2 per row (u: c's value tolerance)."""
    u = value_tolerance(bf16, c)
    return (2.0 * np.abs(x - c) * u + u * u).sum(-1)


def _tie_tolerance(bf16, x, ca, cb, widen):
    sq = lambda v: (v * v).sum(-1)  # noqa: E731
    tol = TOLERANCE * (sq(x) + np.maximum(sq(ca), sq(cb)))
    if widen:
        tol = tol + _slack(bf16, x, ca) + _slack(bf16, x, cb)
    return tol


def _distances(x, c):
    """d(x_j, c_k) for all j, k in float64 ([n, C])."""
    return ((x * x).sum(1)[:, None] - 2.0 * x @ c.T + (c * c).sum(1)[None, :]).clip(0)


def compare_build(config, key: np.ndarray, seq_len: int, reference: Build, actual: Build, *,
                  allow_divergence: bool = True,
                  reconstruction_tolerance: float = 0.01) -> Comparison:
    """Returns the comparison's counts; raises Mismatch naming the first
    difference. `key` [b, h_kv, capacity, d] of config.query_type (host);
    allow_divergence: only a build of kmeans_iter >= 1 can diverge."""
    c = config
    bf16 = c.centroid_type == "bf16"
    ip = c.metric == "ip"
    n = seq_len - c.init_offset
    ds = c.head_dim // c.subspaces
    b_count, hk, S = key.shape[0], c.kv_heads, c.subspaces
    keys = to_float(key, c.query_type)
    ref_cent = to_float(reference.centroids, c.centroid_type).astype(np.float64)
    act_cent = to_float(actual.centroids, c.centroid_type).astype(np.float64)

    def codes_of(build, b, kv, s):
        cb = np.asarray(build.codebook)
        rows = cb[b, :n, kv, s] if c.layout == "seed" else cb[b, kv, :n, s]
        return rows.astype(np.int64)

    out = Comparison()
    groups = []
    for b in range(b_count):
        for kv in range(hk):
            for s in range(S):
                where = f"b {b}, kv {kv}, s {s}"
                x = keys[b, kv, c.init_offset:seq_len, s * ds:(s + 1) * ds]
                if ip:
                    at = (b * hk + kv) * S + s
                    rp = np.float32(reference.phi[at])
                    ap = np.float32(actual.phi[at])
                    same = (np.isnan(rp) and np.isnan(ap)) or \
                        rp.view(np.uint32) == ap.view(np.uint32)
                    if not same:
                        raise Mismatch(f"phi: {where}: got {ap!r}, the reference {rp!r}")
                    norm = np.zeros(len(x), np.float32)
                    for i in range(ds):  # in order, as the C++ check sums
                        norm += x[:, i] * x[:, i]
                    gap = rp - norm
                    aug = np.where(gap > 0, np.sqrt(np.maximum(gap, 0)), 0).astype(np.float32)
                    x = np.concatenate([x, aug[:, None]], 1)
                x = x.astype(np.float64)
                r_codes, a_codes = codes_of(reference, b, kv, s), codes_of(actual, b, kv, s)
                ref_c, act_c = ref_cent[b, kv, s], act_cent[b, kv, s]
                out.codes += n
                for j in np.nonzero(r_codes != a_codes)[0]:
                    r, a = int(r_codes[j]), int(a_codes[j])
                    name = f"codes: {where}, key {j}"
                    if not 0 <= a < c.centroids:
                        raise Mismatch(f"{name}: code {a} is outside [0, {c.centroids})")
                    ca, cr = act_c[a], act_c[r]
                    da, dr = ((x[j] - ca) ** 2).sum(), ((x[j] - cr) ** 2).sum()
                    tol = _tie_tolerance(bf16, x[j], ca, cr, True)
                    if np.isnan(da) or np.isnan(dr) or abs(da - dr) <= tol:
                        out.near_ties += 1
                        continue
                    if da < dr and allow_divergence:
                        out.diverged += 1
                        continue
                    raise Mismatch(
                        f"{name}: got {a}, the reference {r}; with the built centroids "
                        f"d(x, c_{a}) = {da:.9g} and d(x, c_{r}) = {dr:.9g}, not a near-tie "
                        f"(tolerance {tol:.9g})" +
                        ("; the built centroids differ from the reference's" if da < dr
                         else "; the built code is not the nearest built centroid"))
                groups.append((where, x, r_codes, a_codes, ref_c, act_c))

    if out.diverged:
        error_ref = error_got = 0.0
        for where, x, r_codes, a_codes, ref_c, act_c in groups:
            d = _distances(x, act_c)
            rows = np.arange(len(x))
            da = d[rows, a_codes]
            best = d.argmin(1)
            tol = _tie_tolerance(bf16, x, act_c[a_codes], act_c[best], False)
            bad = np.nonzero(da - d[rows, best] > tol)[0]
            if len(bad):
                j = bad[0]
                raise Mismatch(f"codes: {where}, key {j}: got {a_codes[j]}, but built centroid "
                               f"{best[j]} is nearer ({d[j, best[j]]:.9g} against {da[j]:.9g}, "
                               f"tolerance {tol[j]:.9g})")
            ok = ~np.isnan(da)
            error_got += da[ok].sum()
            error_ref += ((x[ok] - ref_c[r_codes[ok]]) ** 2).sum()
        out.reconstruction_error = abs(error_got - error_ref) / error_ref if error_ref > 0 \
            else error_got
        if not out.reconstruction_error <= reconstruction_tolerance:
            raise Mismatch(f"the runs diverged ({out.diverged} codes differ beyond near-ties) "
                           f"and the built index's reconstruction error {error_got:.9g} is "
                           f"{out.reconstruction_error * 100:.3g}% off the reference's "
                           f"{error_ref:.9g} (at most {reconstruction_tolerance * 100:g}%)")
        return out
    if reference.iterations is not None and actual.iterations is not None and \
            int(reference.iterations) != int(actual.iterations):
        raise Mismatch(f"iterations: got {actual.iterations}, the reference "
                       f"{reference.iterations}")
    if out.near_ties:
        return out
    out.centroids_checked = True
    for where, _, _, _, ref_c, act_c in groups:
        both_nan = np.isnan(ref_c) & np.isnan(act_c)
        error = np.abs(act_c - ref_c)
        rel = np.where(both_nan, 0, error / np.maximum(1.0, np.abs(ref_c)))
        out.max_centroid_error = max(out.max_centroid_error, float(np.nanmax(rel, initial=0)))
        bad = np.argwhere(~both_nan & ~(error <= value_tolerance(bf16, ref_c)))
        if len(bad):
            k, i = bad[0]
            raise Mismatch(f"centroids: {where}, centroid {k}, column {i}: got "
                           f"{act_c[k, i]:.9g}, the reference {ref_c[k, i]:.9g} (tolerance "
                           f"{value_tolerance(bf16, ref_c[k, i]):.9g})")
    return out
