#!/usr/bin/env python3
"""The index build's anchors on the GPU (issue 11): k-means per (b, kv head,
subspace) written in PyTorch two ways, with the rules of SEMANTICS.md
"Building the index" (fp32, ties to the lowest c, an empty cluster keeps its
centroid, the codes assigned after the last update; no early stop, so every
run does T updates):

  matmul     distances as ||x||^2 - 2 x.c + ||c||^2 through an fp32 batched
             matmul (TF32 off), argmin, means by index_add_: the best plain
             PyTorch formulation;
  broadcast  the research code's (x - c)^2 over [groups, n, C, ds] (only
             where it fits in memory).

    python3 bench/kmeans_anchor.py [--shapes NAME,...] [--iters 10] [--json F]

Prints per shape: ms per build (CUDA events, median of --reps), the work of
one assignment pass (2 n C ds' per group) and the FLOP/s achieved, and the
mean squared reconstruction error of the codes (both formulations start
from the same initial indices, so they should agree)."""
import argparse
import json
import statistics

import torch

# name: b, h_kv, d, S, bits, n (keys clustered)
SHAPES = {
    "s2b6_4k": (1, 8, 128, 2, 6, 4096),
    "s2b6_32k": (1, 8, 128, 2, 6, 32768),
    "s4b8_32k": (1, 8, 128, 4, 8, 32768),
    "s4b8_128k": (1, 8, 128, 4, 8, 131072),
}


def groups_of(key, S):
    """[b, h_kv, n, d] -> [b * h_kv * S, n, ds] (group g = (b*h_kv + kv)*S + s)."""
    b, hk, n, d = key.shape
    return key.view(b, hk, n, S, d // S).permute(0, 1, 3, 2, 4).reshape(b * hk * S, n, d // S)


def assign_matmul(x, c, x2):
    d = torch.baddbmm((c * c).sum(-1).unsqueeze(1), x, c.transpose(1, 2), alpha=-2.0)
    d += x2.unsqueeze(-1)
    return d.argmin(-1)  # first minimum: ties to the lowest c


def assign_broadcast(x, c):
    return ((x.unsqueeze(2) - c.unsqueeze(1)) ** 2).sum(-1).argmin(-1)


def update(x, a, c):
    G, n, w = x.shape
    K = c.shape[1]
    sums = torch.zeros(G * K, w, device=x.device, dtype=torch.float32)
    flat = (a + torch.arange(G, device=x.device).unsqueeze(1) * K).reshape(-1)
    sums.index_add_(0, flat, x.reshape(-1, w))
    counts = torch.bincount(flat, minlength=G * K).to(torch.float32).unsqueeze(1)
    mean = sums / counts.clamp(min=1)
    return torch.where(counts > 0, mean, c.reshape(-1, w)).view(G, K, w)


def build(x, init, iters, how):
    c = torch.gather(x, 1, init.unsqueeze(-1).expand(-1, -1, x.shape[2])).clone()
    x2 = (x * x).sum(-1)
    assign = (lambda c: assign_matmul(x, c, x2)) if how == "matmul" else \
        (lambda c: assign_broadcast(x, c))
    for _ in range(iters):
        c = update(x, assign(c), c)
    return c, assign(c)


def time_ms(fn, reps):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    fn()
    times = []
    for _ in range(reps):
        torch.cuda.synchronize()
        start.record()
        fn()
        stop.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def mse(x, centroids, codes):
    """Mean squared reconstruction error of `codes` against `centroids`."""
    ds = x.shape[2]
    return ((x - torch.gather(centroids, 1, codes.unsqueeze(-1).expand(-1, -1, ds))) ** 2
            ).sum(-1).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    free = torch.cuda.mem_get_info()[0]
    rows = []
    print(f"device: {torch.cuda.get_device_name()}; T = {a.iters}, fp32, TF32 off")
    for name in a.shapes.split(","):
        b, hk, d, S, bits, n = SHAPES[name]
        K, ds = 1 << bits, d // S
        g = torch.Generator(device=dev).manual_seed(0)
        key = torch.randn(b, hk, n, d, device=dev, generator=g).bfloat16().float()
        x = groups_of(key, S).contiguous()
        G = x.shape[0]
        init = torch.stack([torch.randperm(n, device=dev, generator=g)[:K] for _ in range(G)])
        flop = 2.0 * G * n * K * ds * (a.iters + 1)  # assignment passes
        row = dict(shape=name, groups=G, n=n, C=K, ds=ds, iters=a.iters,
                   gflop_per_pass=2.0 * G * n * K * ds / 1e9)
        results = {}
        for how in ("matmul", "broadcast"):
            need = 4.0 * G * n * K * ds * 2
            if how == "broadcast" and need > 0.8 * free:
                row[how + "_ms"] = None
                continue
            ms = time_ms(lambda: build(x, init, a.iters, how), a.reps)
            c, codes = build(x, init, a.iters, how)
            err = mse(x, c, codes)
            results[how] = codes
            row[how + "_ms"] = ms
            row[how + "_tflops"] = flop / (ms * 1e-3) / 1e12
            row[how + "_mse"] = err
            torch.cuda.empty_cache()
        if len(results) == 2:
            row["codes_agree"] = float((results["matmul"] == results["broadcast"]).float()
                                       .mean().item())
        rows.append(row)
        fmt = lambda v, f: "-" if v is None else f.format(v)  # noqa: E731
        print(f"{name:10s} groups {G:3d} n {n:6d} C {K:3d} ds {ds:2d}: "
              f"matmul {fmt(row.get('matmul_ms'), '{:9.2f}')} ms "
              f"({fmt(row.get('matmul_tflops'), '{:5.2f}')} TFLOP/s, mse "
              f"{fmt(row.get('matmul_mse'), '{:.4f}')}); broadcast "
              f"{fmt(row.get('broadcast_ms'), '{:9.2f}')} ms; "
              f"{row['gflop_per_pass']:.1f} GFLOP per assignment pass", flush=True)
    if a.json:
        json.dump(dict(device=torch.cuda.get_device_name(), iters=a.iters, rows=rows),
                  open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
