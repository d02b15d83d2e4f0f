#!/usr/bin/env python3
"""pq's step inside a torch.distributed tensor-parallel job: heads split
across ranks, one process per GPU (NCCL).

    NCCL_NVLS_ENABLE=0 torchrun --standalone --nproc-per-node=2 \\
        examples/python/tensor_parallel.py [--shape gqa] [--seed 0]

Every rank builds the full step's inputs from the seed (the same on every
rank), keeps its contiguous shard of heads/world query heads and
kv_heads/world kv heads (query head i reads kv head i // (heads/kv_heads),
so a shard is self-contained), runs pq's step on its GPU through
torch.ops.pq.indexer_step, and all-gathers sparse_list, sparse_len,
weight_list and the codebook. Rank 0 checks the gathered step against a
single-process run of the full-head step on its GPU (heads are independent:
expected bitwise equal, row by row) and, tie-aware, against the CPU
reference (SEMANTICS.md). Prints one 'tensor_parallel: PASS' or 'FAIL' line
on rank 0; every rank exits non-zero on failure. Without torchrun it runs as
a job of one process.
"""
import argparse
import os
import sys
import time

# NVLink multicast (NVLS) can take a shared host's GPUs out of service; this
# job's all-gathers do not need it.
os.environ.setdefault("NCCL_NVLS_ENABLE", "0")

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

import pq  # noqa: E402
import pq.torch as pqt  # noqa: E402

# b, heads, kv_heads, head_dim, seq_len, subspaces, bits, heavy; sink = window
# = init_offset = 128, 3 keys still to quantize.
SHAPES = {
    "seed": (1, 32, 32, 128, 4096, 2, 6, 256),
    "gqa": (2, 32, 8, 128, 16384, 2, 6, 1024),
    "small": (2, 8, 4, 64, 2000, 4, 4, 64),
}
NEW_KEYS = 3


def step_config(shape, heads, kv_heads):
    _, _, _, d, _, s, bits, heavy = SHAPES[shape]
    return pq.StepConfig(heads=heads, kv_heads=kv_heads, head_dim=d, subspaces=s, bits=bits,
                         sink=128, window=128, heavy=heavy, init_offset=128, layout="compact",
                         query_type="bf16", weight_type="bf16")


def full_inputs(shape, seed):
    """The full-head step's inputs on the CPU, a function of (shape, seed)."""
    b, h, hk, d, sk, s, bits, _ = SHAPES[shape]
    g = torch.Generator().manual_seed(seed)
    n = sk - 128
    cached = n - NEW_KEYS
    query = torch.randn(b, h, 1, d, generator=g).bfloat16()
    key = torch.randn(b, hk, sk, d, generator=g).bfloat16()
    centroids = torch.randn(b, hk, s, 1 << bits, d // s, generator=g)
    codebook = torch.zeros(b, hk, n, s, dtype=torch.uint8)
    codebook[:, :, :cached] = torch.randint(0, 1 << bits, (b, hk, cached, s), generator=g,
                                            dtype=torch.uint8)
    return dict(query=query, key=key, centroids=centroids, codebook=codebook), cached


def shard(inputs, rank, world, heads, kv_heads):
    """This rank's heads: query heads on dim 1 of query, kv heads on dim 1
    of key, centroids and the (compact) codebook."""
    hq, hkv = heads // world, kv_heads // world
    out = {}
    for name, t in inputs.items():
        per = hq if name == "query" else hkv
        out[name] = t[:, rank * per:(rank + 1) * per].contiguous()
    return out


def run_step(config, device, inputs, cached, seq_len):
    """One step of `config` on cuda:`device` through the torch op; returns
    (sparse_list, sparse_len, weight_list, codebook) on the device."""
    ix = pq.Indexer(pq.compile(config, max_seq_len=seq_len, device=device), device=device)
    dev = {k: v.to(f"cuda:{device}") for k, v in inputs.items()}
    b = dev["query"].shape[0]
    total, _ = pq.output_total(config, seq_len)
    sl = torch.empty(b, config.heads, total, dtype=torch.int64, device=dev["query"].device)
    sn = torch.empty(b, config.heads, dtype=torch.int64, device=sl.device)
    wl = torch.empty(b, config.heads, seq_len, dtype=torch.bfloat16, device=sl.device)
    torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    n = pqt.step(ix, dev["query"], dev["key"], dev["centroids"], dev["codebook"], cached, None,
                 sl, sn, wl)
    torch.cuda.synchronize(device)
    ms = (time.perf_counter() - t0) * 1e3
    assert n == seq_len - config.init_offset, n
    return (sl, sn, wl, dev["codebook"]), ix.bundle.info.strategy, ms


def all_gather_heads(t, world):
    parts = [torch.empty_like(t) for _ in range(world)]
    dist.all_gather(parts, t.contiguous())
    return torch.cat(parts, dim=1)


def check(shape, config, inputs, cached, gathered, device):
    """Rank 0's verdict: (ok, text)."""
    sk = SHAPES[shape][4]
    single, strategy, ms = run_step(config, device, inputs, cached, sk)
    names = ("sparse_list", "sparse_len", "weight_list", "codebook")
    differ = [n for n, a, s in zip(names, gathered, single) if not torch.equal(a, s)]
    host = [t.cpu() for t in gathered]
    ref_codes = inputs["codebook"].clone()
    ref = pq.reference(config, inputs["query"], inputs["key"], inputs["centroids"], ref_codes,
                       cached, seq_len=sk)
    _, full = pq.output_total(config, sk)
    scores = None if full else pq.reference_scores(config, inputs["query"],
                                                    inputs["centroids"], ref_codes, sk)
    problems = []
    try:
        pq.compare(config, ref, tuple(host[:3]), scores)
    except ValueError as e:
        problems.append(f"gathered vs CPU reference: {e}")
    if not torch.equal(host[3], ref_codes):
        problems.append("gathered codebook differs from the reference's codes")
    if differ:
        rows = (gathered[2] == single[2]).all(-1) & (gathered[1] == single[1])
        problems_single = []
        try:
            pq.compare(config, ref, tuple(t.cpu() for t in single[:3]), scores)
        except ValueError as e:
            problems_single.append(str(e))
        note = (f"differs from the single-process run in {', '.join(differ)} "
                f"({int((~rows).sum())} of {rows.numel()} (b, head) rows)")
        if problems_single:
            problems.append(note + f"; the single-process run vs reference: "
                            f"{problems_single[0]}")
        else:
            note += ": ties only (both match the CPU reference, tie-aware)"
        verdict = note
    else:
        verdict = "bitwise equal to the single-process run"
    text = (f"{verdict}; single-process {strategy} {ms:.2f} ms; tie-aware check against the "
            f"CPU reference {'failed' if problems else 'ok'}")
    if problems:
        text += ": " + " | ".join(problems)
    return not problems, text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", default="gqa", choices=sorted(SHAPES))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if "RANK" not in os.environ:  # plain python: a job of one process
        os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                          MASTER_PORT=os.environ.get("MASTER_PORT", "29517"))
    local = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local)
    try:
        dist.init_process_group("nccl", device_id=torch.device("cuda", local))
    except TypeError:  # torch < 2.3
        dist.init_process_group("nccl")
    rank, world = dist.get_rank(), dist.get_world_size()
    b, h, hk = SHAPES[a.shape][:3]
    if h % world or hk % world:
        raise SystemExit(f"tensor_parallel: heads {h} and kv_heads {hk} must divide by the "
                         f"world size {world}")
    inputs, cached = full_inputs(a.shape, a.seed)
    mine = shard(inputs, rank, world, h, hk)
    config = step_config(a.shape, h // world, hk // world)
    outs, strategy, ms = run_step(config, local, mine, cached, SHAPES[a.shape][4])
    print(f"rank {rank}/{world}: query heads [{rank * h // world}, {(rank + 1) * h // world}), "
          f"kv heads [{rank * hk // world}, {(rank + 1) * hk // world}) on cuda:{local}, "
          f"{strategy}, step {ms:.2f} ms", flush=True)
    gathered = [all_gather_heads(t, world) for t in outs]
    ok = True
    if rank == 0:
        try:
            ok, text = check(a.shape, step_config(a.shape, h, hk), inputs, cached, gathered,
                             local)
        except Exception as e:  # still tell the other ranks
            ok, text = False, f"{type(e).__name__}: {e}"
        print(f"tensor_parallel: {'PASS' if ok else 'FAIL'} shape={a.shape} world={world} "
              f"b={b} heads={h} kv_heads={hk}: {text}", flush=True)
    verdict = torch.tensor([1 if ok else 0], device=f"cuda:{local}")
    dist.broadcast(verdict, 0)
    dist.destroy_process_group()
    sys.exit(0 if int(verdict.item()) == 1 else 1)


if __name__ == "__main__":
    main()
