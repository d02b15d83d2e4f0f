"""Model of the cluster kernel's selection (lib/Conversion/PQToGPU/
ClusterKernel.cpp): histogram, threshold bin, the bin sweep (counts above
the bin per warp, candidates with positions in arbitrary order), the exact
threshold from the candidates, kept-before offsets per CTA and warp from
the candidate counts and the bin-sweep totals, and the write sweep. Checks
the logic (not the generated code) against a plain top-k with lowest-index
ties, on random rows with ties, all-equal rows, NaN scores, windows and
rows with fewer real keys than k. Run it after changing that algorithm:
  python3 scripts/models/cluster_select.py   (needs NumPy)"""
import numpy as np, random

BINS = 2048
MASKED = 0x007FFFFF

def order_key(s):
    s = np.float32(max(s, np.float32(-np.inf))) if not np.isnan(s) else np.float32(-np.inf)
    s = np.float32(s + np.float32(0.0))
    b = int(np.array(s, dtype=np.float32).view(np.uint32))
    if b & 0x80000000:
        return (~b) & 0xFFFFFFFF
    return b | 0x80000000

def score_of_key(k):
    b = (k ^ 0x80000000) if k & 0x80000000 else (~k) & 0xFFFFFFFF
    return np.array(b, dtype=np.uint32).view(np.float32).item()

def bin_of(score, scale, bias):
    x = np.float32(np.float64(score) * np.float64(scale) + np.float64(bias))
    x = max(x, np.float32(0)) if not np.isnan(x) else np.float32(0)
    x = min(x, np.float32(BINS - 1))
    return int(x)

def warp_chunk(count, warps, w, step=128):
    size = -(-(-(-count // warps)) // step) * step
    b = min(w * size, count)
    return b, min(b + size, count), size

def select(keys, k, Q, warps):
    """keys: list of u32 keys of one row (window already masked). Returns
    the kept positions in ascending order, as the kernel writes them."""
    n = len(keys)
    real = [x for x in keys if x != MASKED]
    lo = min(score_of_key(x) for x in real) if real else 0.0
    hi = max(score_of_key(x) for x in real) if real else 0.0
    scale = np.float32(BINS) / np.float32(hi - lo) if hi > lo else np.float32(np.inf)
    bias = np.float32(0) - np.float32(np.float32(lo) * scale)
    hist = [0] * BINS
    for x in real:
        hist[bin_of(score_of_key(x), scale, bias)] += 1
    # Threshold bin (from the top).
    above, B = 0, -1
    if len(real) >= k:
        for b in range(BINS - 1, -1, -1):
            if above + hist[b] >= k:
                B = b; break
            above += hist[b]
    else:
        above = len(real)
    per = -(-(-(-n // Q)) // 16) * 16
    chunks = [(min(q * per, n), min(q * per + per, n)) for q in range(Q)]
    # Bin sweep per CTA.
    ex_g, ex_e, warp_tot, cands = [0] * Q, [0] * Q, {}, []
    for q, (cb, ce) in enumerate(chunks):
        cnt = ce - cb
        for w in range(warps):
            wb, we, size = warp_chunk(cnt, warps, w)
            g = e = 0
            for j in range(wb, we):
                x = keys[cb + j]
                if B >= 0:
                    if x == MASKED: continue
                    bb = bin_of(score_of_key(x), scale, bias)
                    if bb > B: g += 1
                    elif bb == B: cands.append((x, cb + j))
                else:
                    if x > MASKED: g += 1
                    elif x == MASKED: e += 1
            warp_tot[(q, w)] = [g, e]
            ex_g[q] += g; ex_e[q] += e
    random.shuffle(cands)
    assert B < 0 or len(cands) == hist[B]
    if B >= 0:
        rem = k - above
        ck = sorted((x for x, _ in cands), reverse=True)
        T = ck[rem - 1]
        keep_equal = rem - sum(1 for x in ck if x > T)
    else:
        T, keep_equal = MASKED, k - above
    kept = []
    for q, (cb, ce) in enumerate(chunks):
        cg, ceq = [0] * Q, [0] * Q
        wg, we_ = [0] * warps, [0] * warps
        size = warp_chunk(ce - cb, warps, 0)[2]
        if B >= 0:
            for x, p in cands:
                o = p // per
                if x > T: cg[o] += 1
                if x == T: ceq[o] += 1
                if o == q:
                    w = (p - cb) // size
                    if x > T: wg[w] += 1
                    if x == T: we_[w] += 1
        # Kept before this CTA (emitKeptBefore).
        kb_, eb = 0, 0
        for c in range(q):
            g, e = ex_g[c] + cg[c], ex_e[c] + ceq[c]
            budget = max(keep_equal - eb, 0)
            kb_ += g + min(e, budget); eb += e
        # Warps: kept-before from the totals (emitWriteKept's emitKeptBefore).
        totals = [(warp_tot[(q, w)][0] + wg[w], warp_tot[(q, w)][1] + we_[w])
                  for w in range(warps)]
        for w in range(warps):
            wk, weq = kb_, eb
            for v in range(w):
                g, e = totals[v]
                budget = max(keep_equal - weq, 0)
                wk += g + min(e, budget); weq += e
            wb, wend, _ = warp_chunk(ce - cb, warps, w)
            for j in range(wb, wend):
                x = keys[cb + j]
                if x > T or (x == T and weq < keep_equal):
                    kept.append((wk, cb + j)); wk += 1
                if x == T: weq += 1
    kept.sort()
    slots = [s for s, _ in kept]
    assert slots == list(range(k)), "slots not 0..k-1"
    pos = [p for _, p in kept]
    assert pos == sorted(pos), "heavy list not ascending"
    return pos, (ex_g, ex_e, warp_tot)

def reference(keys, k):
    order = sorted(range(len(keys)), key=lambda j: (-keys[j], j))
    return sorted(order[:k])

rng = np.random.default_rng(1)
for trial in range(400):
    n = int(rng.integers(1, 3000))
    k = int(rng.integers(1, n + 1))
    window = int(rng.integers(0, n + 1))
    kind = trial % 4
    if kind == 0: s = rng.normal(size=n).astype(np.float32)
    elif kind == 1: s = rng.integers(0, 5, size=n).astype(np.float32)      # heavy ties
    elif kind == 2: s = np.full(n, 1.5, np.float32)                         # all equal
    else:
        s = rng.normal(size=n).astype(np.float32); s[rng.random(n) < 0.2] = np.nan
    keys = [order_key(v) for v in s]
    for j in range(n - window, n): keys[j] = MASKED
    Q = int(rng.choice([1, 2, 4, 16])); warps = int(rng.choice([8, 16]))
    got, _ = select(keys, k, Q, warps)
    want = reference(keys, k)
    assert got == want, (trial, n, k, window, kind, Q, warps)
print("ok")
