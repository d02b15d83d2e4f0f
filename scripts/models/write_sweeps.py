"""Model of emitWriteKept (lib/Conversion/PQToGPU/SelectEmitter.cpp): the
warps' offsets, sweep 2a (weights; vectors where the element index is
aligned, elements at the ends and near the sink/window) and sweep 2b (the
heavy list by lane-blocked prefix sums; kept equal keys' weights). Checks
the logic (not the generated code) against the plain definition over
random thresholds, ties, alignments and sink/window positions:
  python3 scripts/models/write_sweeps.py"""
import random

def warp_chunk(count, warps, w, step=128):
    size = -(-(-(-count // warps)) // step) * step
    b = min(w * size, count)
    return b, min(b + size, count), size

def kept_before(totals, upto, keep_equal, kept, eq):
    for g, e in totals[:upto]:
        budget = max(keep_equal - eq, 0)
        kept += g + min(e, budget); eq += e
    return kept, eq

def emit(keys, T, keep_equal, first_index, init_offset, weight_base, aligned,
         sink_count, window_start, warps, per_vector, kept0, eq0, weights, lst):
    n = len(keys)
    offset = first_index + init_offset
    totals = []
    for w in range(warps):
        b, e, _ = warp_chunk(n, warps, w)
        totals.append((sum(1 for j in range(b, e) if keys[j] > T),
                       sum(1 for j in range(b, e) if keys[j] == T)))
    listed = lambda p: p < sink_count or p >= window_start
    for w in range(warps):
        kept, eq = kept_before(totals, w, keep_equal, kept0, eq0)
        b, e, _ = warp_chunk(n, warps, w)
        first, end = offset + b, offset + e
        above = lambda p: keys[p - offset] > T
        def by_elements(lo, hi):
            for p in range(lo, hi):
                weights[weight_base + p] = 1 if (above(p) or listed(p)) else 0
        if aligned:
            mis = (weight_base + first) % per_vector
            head = min(end, first + (per_vector - mis) % per_vector)
            vectors = (end - head) // per_vector
            body_end = head + vectors * per_vector
            by_elements(first, head)
            for v in range(vectors):
                p0 = head + v * per_vector
                assert (weight_base + p0) % per_vector == 0
                plain = p0 >= sink_count and p0 + per_vector <= window_start
                for i in range(per_vector):
                    p = p0 + i
                    weights[weight_base + p] = 1 if (above(p) or (not plain and listed(p))) else 0
            by_elements(body_end, end)
        else:
            by_elements(first, end)
        # 2b, lane-blocked steps of 128.
        for s in range(b, e, 128):
            lanes = []
            for l in range(32):
                j0 = s + 4 * l
                g = [j0 + u < e and keys[j0 + u] > T for u in range(4)]
                q = [j0 + u < e and keys[j0 + u] == T for u in range(4)]
                lanes.append((j0, g, q))
            equals = [sum(q) for _, _, q in lanes]
            keep = []
            if any(equals):
                incl = 0
                for l, (j0, g, q) in enumerate(lanes):
                    rank = eq + incl
                    incl += equals[l]
                    flags = []
                    for u in range(4):
                        ke = q[u] and rank < keep_equal
                        if ke: weights[weight_base + offset + j0 + u] = 1
                        flags.append(g[u] or ke)
                        rank += q[u]
                    keep.append(flags)
                eq += sum(equals)
            else:
                keep = [g for _, g, _ in lanes]
            counts = [sum(f) for f in keep]
            if any(counts):
                incl = 0
                for l, (j0, _, _) in enumerate(lanes):
                    slot = kept + incl; incl += counts[l]
                    for u in range(4):
                        if keep[l][u]:
                            lst[slot] = offset + j0 + u; slot += 1
                kept += sum(counts)

rng = random.Random(3)
for trial in range(3000):
    n = rng.randint(0, 1500)
    vals = rng.randint(1, 6) if trial % 3 == 0 else 1000
    keys = [rng.randint(0, vals) for _ in range(n)]
    if n and trial % 2:
        T = rng.choice(keys)
    else:
        T = rng.randint(-1, vals + 1)
    nT = sum(1 for x in keys if x == T)
    keep_equal = rng.randint(0, nT)
    first_index = rng.randint(0, 50); init_offset = rng.randint(0, 9)
    weight_base = rng.randint(0, 40); aligned = rng.random() < 0.8
    sink_count = rng.randint(0, 60); window_start = rng.randint(0, first_index + init_offset + n + 5)
    warps = rng.choice([1, 4, 8, 16]); per_vector = rng.choice([4, 8])
    kept0 = rng.randint(0, 5); eq0 = rng.randint(0, 3)
    size = weight_base + first_index + init_offset + n + 16
    weights = [None] * size; lst = {}
    emit(keys, T, keep_equal, first_index, init_offset, weight_base, aligned,
         sink_count, window_start, warps, per_vector, kept0, eq0, weights, lst)
    offset = first_index + init_offset
    # Plain definition: greater keys, then equal keys while (keep_equal - eq0) lasts.
    budget = max(keep_equal - eq0, 0)
    want = []
    for j, x in enumerate(keys):
        if x > T: want.append(offset + j)
        elif x == T:
            if budget > 0: want.append(offset + j)
            budget -= 1
    got = [lst[k] for k in sorted(lst)]
    assert sorted(lst) == list(range(kept0, kept0 + len(want))), trial
    assert got == want, trial
    ws = set(want)
    for j in range(n):
        p = offset + j
        w = 1 if (p in ws or p < sink_count or p >= window_start) else 0
        assert weights[weight_base + p] == w, (trial, j)
    assert all(weights[i] is None for i in range(weight_base + offset)), trial
    assert all(weights[i] is None for i in range(weight_base + offset + n, size)), trial
print("ok")
