#!/usr/bin/env python3
"""pq's GPU index build beside its PyTorch anchors, in one process (issue 11).

For every shape of build.json (scripts/make-bench-bundles.py): one random
key cache (bf16, seeded), one set of initial indices, then

  pq         pqrt_indexer_build of the shape's bundle (libpqrt through
             ctypes, on torch's current stream), T = --iters;
  matmul     bench/kmeans_anchor.py's best PyTorch formulation;
  broadcast  the research code's formulation, where it fits in memory;

each timed with CUDA events (median of --reps), with its FLOP/s (2 n C ds'
per group and assignment pass, T + 1 passes), the mean squared
reconstruction error of its codes, and pq's codes against the matmul
anchor's (same start: they differ only where near-ties flip an
assignment). --data picks the keys: random (normal) and/or clustered
(C centers per group, noise 0.05); pq's error must be within 1% of the
matmul anchor's (the issue's quality check): "quality ok" or "QUALITY FAIL",
and the exit status.
pq stops early when every group settles (docs/BUILD.md); the anchors never
do, so pq's iterations are printed.

    python3 bench/kmeans_bench.py build-dev/bench-bundles/build.json \\
        --libpqrt build-gpu/libpqrt.so [--iters 10] [--json F]
"""
import argparse
import ctypes
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmeans_anchor import build as anchor_build  # noqa: E402
from kmeans_anchor import groups_of, mse, time_ms  # noqa: E402


class Build(ctypes.Structure):
    """pqrt_build (runtime/include/pqrt/pqrt.h)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("batch", ctypes.c_int64),
                ("seq_len", ctypes.c_int64), ("key_capacity", ctypes.c_int64),
                ("code_capacity", ctypes.c_int64), ("kmeans_iter", ctypes.c_int64),
                ("seed", ctypes.c_uint64), ("initial_indices", ctypes.c_void_p),
                ("key", ctypes.c_void_p), ("centroids", ctypes.c_void_p),
                ("phi", ctypes.c_void_p), ("codebook", ctypes.c_void_p),
                ("num_cached", ctypes.POINTER(ctypes.c_int64)),
                ("iterations", ctypes.c_void_p)]


class Pqrt:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.pqrt_last_error.restype = ctypes.c_char_p

    def check(self, status, what):
        if status != 0:
            raise RuntimeError(f"{what}: {self.lib.pqrt_last_error().decode()}")

    def indexer(self, bundle_path, max_batch):
        bundle, indexer = ctypes.c_void_p(), ctypes.c_void_p()
        self.check(self.lib.pqrt_bundle_load_file(bundle_path.encode(), ctypes.byref(bundle)),
                   bundle_path)
        self.check(self.lib.pqrt_indexer_create(bundle, 0, ctypes.c_int64(max_batch),
                                                ctypes.byref(indexer)), "indexer")
        self.lib.pqrt_bundle_destroy(bundle)
        return indexer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index")
    ap.add_argument("--libpqrt", required=True)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-broadcast", action="store_true")
    ap.add_argument("--data", default="random,clustered")
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    pqrt = Pqrt(a.libpqrt)
    directory = os.path.dirname(os.path.abspath(a.index))
    rows = []
    failed = 0
    print(f"device: {torch.cuda.get_device_name()}; T = {a.iters}, fp32 (TF32 off)")
    runs = [(entry, data) for entry in json.load(open(a.index))
            for data in a.data.split(",")]
    for entry, data in runs:
        if a.only and entry["shape"] not in a.only.split(","):
            continue
        b, hk, d, S = (entry["bench_batch"], entry["kv_heads"], entry["head_dim"],
                       entry["subspaces"])
        n, K, ds = entry["bench_seq_len"] - entry["init_offset"], 1 << entry["bits"], d // S
        g = torch.Generator(device=dev).manual_seed(0)
        key = torch.randn(b, hk, n, d, device=dev, generator=g)
        if data == "clustered":
            # Point j near center j mod C of its head's C random centers.
            centers = torch.randn(b, hk, K, d, device=dev, generator=g)
            key = centers[:, :, torch.arange(n, device=dev) % K] + 0.05 * key
        key = key.bfloat16()
        x = groups_of(key.float(), S).contiguous()
        G = x.shape[0]
        init = torch.stack([torch.randperm(n, device=dev, generator=g)[:K] for _ in range(G)])
        init = init.to(torch.int64).contiguous()
        passes = 2.0 * G * n * K * ds * (a.iters + 1)
        row = dict(shape=entry["shape"], data=data, groups=G, n=n, C=K, ds=ds, iters=a.iters,
                   gflop_per_pass=2.0 * G * n * K * ds / 1e9)

        indexer = pqrt.indexer(os.path.join(directory, entry["name"] + ".pqmod"), b)
        centroids = torch.empty(b, hk, S, K, ds, device=dev, dtype=torch.float32)
        codes = torch.empty(b, hk, n, S, device=dev, dtype=torch.uint8)
        ran = torch.zeros(1, device=dev, dtype=torch.int64)
        cached = ctypes.c_int64(0)
        build = Build(struct_size=ctypes.sizeof(Build), batch=b, seq_len=n, key_capacity=n,
                      code_capacity=n, kmeans_iter=a.iters, seed=0,
                      initial_indices=init.data_ptr(), key=key.data_ptr(),
                      centroids=centroids.data_ptr(), codebook=codes.data_ptr(),
                      num_cached=ctypes.pointer(cached), iterations=ran.data_ptr())
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)

        def pq_build():
            pqrt.check(pqrt.lib.pqrt_indexer_build(indexer, ctypes.byref(build), stream),
                       "pqrt_indexer_build")
        ms = time_ms(pq_build, a.reps)
        pq_centroids = centroids.view(G, K, ds)
        pq_codes = codes.permute(0, 1, 3, 2).reshape(G, n).to(torch.int64)
        row.update(pq_ms=ms, pq_tflops=passes / (ms * 1e-3) / 1e12,
                   pq_mse=mse(x, pq_centroids, pq_codes), pq_iterations=int(ran.item()))
        pqrt.lib.pqrt_indexer_destroy(indexer)

        free = torch.cuda.mem_get_info()[0]
        for how in ("matmul", "broadcast"):
            if how == "broadcast" and (a.no_broadcast or 8.0 * G * n * K * ds > 0.8 * free):
                row[how + "_ms"] = None
                continue
            ms = time_ms(lambda: anchor_build(x, init, a.iters, how), a.reps)
            c, anchor_codes = anchor_build(x, init, a.iters, how)
            row[how + "_ms"] = ms
            row[how + "_tflops"] = passes / (ms * 1e-3) / 1e12
            row[how + "_mse"] = mse(x, c, anchor_codes)
            if how == "matmul":
                row["codes_equal_matmul"] = float((anchor_codes == pq_codes).float().mean())
            torch.cuda.empty_cache()
        row["quality_ok"] = row["pq_mse"] <= 1.01 * row["matmul_mse"]
        failed += not row["quality_ok"]
        rows.append(row)
        fmt = lambda v, f: "-" if v is None else f.format(v)  # noqa: E731
        speedup = lambda how: fmt(row[how + "_ms"] and row[how + "_ms"] / row["pq_ms"],  # noqa: E731
                                  "{:.1f}x")
        print(f"{row['shape']:10s} {data:9s} G {G:3d} n {n:6d} C {K:3d} ds {ds:2d}: "
              f"pq {row['pq_ms']:8.2f} ms ({row['pq_tflops']:5.1f} TFLOP/s, "
              f"{row['pq_iterations']} it, mse {row['pq_mse']:.4f}) | matmul "
              f"{fmt(row['matmul_ms'], '{:8.2f}')} ms (mse {fmt(row.get('matmul_mse'), '{:.4f}')},"
              f" codes equal {row['codes_equal_matmul']:.4f}) {speedup('matmul')} | broadcast "
              f"{fmt(row['broadcast_ms'], '{:8.2f}')} ms {speedup('broadcast')} | "
              f"{'quality ok' if row['quality_ok'] else 'QUALITY FAIL'}", flush=True)
    if a.json:
        json.dump(dict(device=torch.cuda.get_device_name(), iters=a.iters, rows=rows),
                  open(a.json, "w"), indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
