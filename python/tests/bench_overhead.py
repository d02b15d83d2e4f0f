"""Per-call cost of pq's Python path on the GPU (not collected by pytest).

    python python/tests/bench_overhead.py [--shape seed [--shape gqa16k]] [--iters 2000]

Prints, for one preallocated step on torch tensors of each shape: the host
time of one enqueue (Indexer.__call__, and torch.ops.pq.indexer_step), the
wall time of call + torch.cuda.synchronize(), and a CUDA graph replay's
wall time. Compare
the wall times with pq-bench's 'wall' and 'graph' columns of the same bundle
(issue 10: at most 3 us above the C API). The last lines are one compact
'summary' line per shape."""
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


def measure(shape, layout, iters):
    """Prints the details of one shape; returns its summary line."""
    b, h, hk, d, sk, S, bits, heavy = SHAPES[shape]
    config = pq.StepConfig(heads=h, kv_heads=hk, head_dim=d, subspaces=S, bits=bits, sink=128,
                           window=128, heavy=heavy, init_offset=128, layout=layout)
    ix = pq.Indexer(pq.compile(config, max_seq_len=sk), device=0, max_batch=b)
    n = sk - 128
    dev = "cuda"
    q = torch.randn(b, h, 1, d, device=dev).bfloat16()
    cent = torch.randn(b, hk, S, 1 << bits, d // S, device=dev)
    if layout == "compact":
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
        for _ in range(iters):
            fn()
        t1 = time.perf_counter()
        torch.cuda.synchronize()
        return (t1 - t0) / iters * 1e6

    def wall_us(fn):
        ts = []
        for _ in range(iters // 4):
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
    strategy = ix.bundle.info.strategy
    e_call, e_op = enqueue_us(call), enqueue_us(op)
    w_call, w_graph = wall_us(call), wall_us(graph.replay)
    print(f"{shape} ({layout}, {strategy}):")
    print(f"  enqueue Indexer.__call__       {e_call:8.2f} us/call (host, back to back)")
    print(f"  enqueue torch.ops.pq (eager)   {e_op:8.2f} us/call")
    print(f"  wall Indexer.__call__ + sync   {w_call:8.2f} us (median)")
    print(f"  wall graph replay + sync       {w_graph:8.2f} us (median)", flush=True)
    return (f"summary {shape} {layout} {strategy}: enqueue call {e_call:.2f} us, op "
            f"{e_op:.2f} us; wall call+sync {w_call:.2f} us, graph replay+sync "
            f"{w_graph:.2f} us (pq-bench wall/graph of the same bundle: the C API)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", action="append", choices=sorted(SHAPES),
                    help="repeatable; default: seed")
    ap.add_argument("--layout", default="compact")
    ap.add_argument("--iters", type=int, default=2000)
    a = ap.parse_args()
    summaries = [measure(shape, a.layout, a.iters) for shape in (a.shape or ["seed"])]
    print("\n".join(summaries))


if __name__ == "__main__":
    main()
