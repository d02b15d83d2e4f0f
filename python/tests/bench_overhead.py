"""Per-call cost of pq's Python path on the GPU (not collected by pytest).

    python python/tests/bench_overhead.py [--shape seed] [--iters 2000]

Prints, for one preallocated step on torch tensors: the host time of one
enqueue (Indexer.__call__, and torch.ops.pq.indexer_step), the wall time of
call + torch.cuda.synchronize(), and a CUDA graph replay's wall time. Compare
the wall times with pq-bench's 'wall' and 'graph' columns of the same bundle
(issue 10: at most 3 us above the C API)."""
import argparse
import statistics
import time

import torch

import pq
import pq.torch as pqt

SHAPES = {  # b, h, h_kv, d, sk, S, bits, heavy (sink = window = init_offset = 128)
    "seed": (1, 32, 32, 128, 4096, 2, 6, 256),
    "gqa16k": (8, 32, 8, 128, 16384, 2, 6, 1024),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="seed", choices=sorted(SHAPES))
    ap.add_argument("--layout", default="compact")
    ap.add_argument("--iters", type=int, default=2000)
    a = ap.parse_args()
    b, h, hk, d, sk, S, bits, heavy = SHAPES[a.shape]
    config = pq.StepConfig(heads=h, kv_heads=hk, head_dim=d, subspaces=S, bits=bits, sink=128,
                           window=128, heavy=heavy, init_offset=128, layout=a.layout)
    ix = pq.Indexer(pq.compile(config, max_seq_len=sk), device=0, max_batch=b)
    n = sk - 128
    dev = "cuda"
    q = torch.randn(b, h, 1, d, device=dev).bfloat16()
    cent = torch.randn(b, hk, S, 1 << bits, d // S, device=dev)
    if a.layout == "compact":
        codes = torch.randint(0, 1 << bits, (b, hk, n, S), device=dev, dtype=torch.uint8)
    else:
        codes = torch.randint(0, 1 << bits, (b, n, hk, S), device=dev, dtype=torch.int64)
    total, _ = pq.output_total(config, sk)
    sl = torch.empty(b, h, total, dtype=torch.int64, device=dev)
    sn = torch.empty(b, h, dtype=torch.int64, device=dev)
    wl = torch.empty(b, h, sk, dtype=torch.bfloat16, device=dev)
    args = (q, None, cent, codes, n, None, sl, sn, wl)
    hnd = pqt.handle(ix)

    def enqueue_us(fn):
        for _ in range(50):
            fn()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(a.iters):
            fn()
        t1 = time.perf_counter()
        torch.cuda.synchronize()
        return (t1 - t0) / a.iters * 1e6

    def wall_us(fn):
        ts = []
        for _ in range(a.iters // 4):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            torch.cuda.synchronize()
            ts.append((time.perf_counter() - t0) * 1e6)
        return statistics.median(ts)

    call = lambda: ix(*args)
    op = lambda: torch.ops.pq.indexer_step(hnd, q, None, cent, codes, n, None, sl, sn, wl)
    graph = torch.cuda.CUDAGraph()
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        call()
    torch.cuda.current_stream().wait_stream(s)
    with torch.cuda.graph(graph):
        call()
    print(f"{a.shape} ({a.layout}, {ix.bundle.info.strategy}):")
    print(f"  enqueue Indexer.__call__       {enqueue_us(call):8.2f} us/call (host, back to back)")
    print(f"  enqueue torch.ops.pq (eager)   {enqueue_us(op):8.2f} us/call")
    print(f"  wall Indexer.__call__ + sync   {wall_us(call):8.2f} us (median)")
    print(f"  wall graph replay + sync       {wall_us(graph.replay):8.2f} us (median)")


if __name__ == "__main__":
    main()
