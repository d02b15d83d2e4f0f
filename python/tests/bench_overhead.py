"""Per-call cost of pq's Python path on the GPU (not collected by pytest).

    python python/tests/bench_overhead.py [--shape seed [--shape gqa16k]] [--iters 2000]

Prints, for one preallocated step on torch tensors of each shape: the host
time of one call while a GPU sleep holds the stream (Indexer.__call__, the
binding alone, torch.ops.pq.indexer_step, and one torch kernel launch for
scale), the wall time of call + sync of the stream it ran on (what
pq-bench's wall does through the C API: launch + cuStreamSynchronize) on
torch's default stream and on a side stream, the same with
torch.cuda.synchronize(), and a CUDA graph replay's wall time. Compare
the wall times with pq-bench's 'wall' and 'graph' columns of the same bundle
(issue 10: at most 3 us above the C API). With --pq-bench-json (pq-bench's
JSON from the same device call) it also compares eager wall above graph
replay wall, Python against C: each harness syncs its own way, a graph
replay costs both the same otherwise. The last lines are one compact
'summary' line per shape."""
import argparse
import json
import statistics
import time

import torch

import pq
import pq.torch as pqt

SHAPES = {  # b, h, h_kv, d, sk, S, bits, heavy (sink = window = init_offset = 128)
    "seed": (1, 32, 32, 128, 4096, 2, 6, 256),
    "gqa16k": (8, 32, 8, 128, 16384, 2, 6, 1024),
}


def c_api_times(path, shape, layout):
    """pq-bench's (host enqueue, wall, graph wall) of the shape's 0-key
    column in its JSON (bench/run.sh's pq_bench.json), or None."""
    if not path:
        return None
    for row in json.load(open(path))["rows"]:
        if row.get("shape") == shape and row.get("layout") == layout:
            c = row.get("new0") or {}
            return c.get("host_us"), c.get("wall_us"), c.get("graph_wall_us")
    return None


def measure(shape, layout, iters, c_api=None):
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

    def host_us(fn, calls=100, reps=7):
        """Host time of one call, the stream held by a GPU sleep meanwhile
        (nothing waits for the device: the binding's and the driver's own
        cost, comparable with pq-bench's 'host enqueue')."""
        for _ in range(20):
            fn()
        times = []
        for _ in range(reps):
            torch.cuda.synchronize()
            torch.cuda._sleep(40_000_000)  # ~20 ms of GPU time
            t0 = time.perf_counter()
            for _ in range(calls):
                fn()
            times.append((time.perf_counter() - t0) / calls * 1e6)
            torch.cuda.synchronize()
        return statistics.median(times)

    def wall_us(fn, sync):
        ts = []
        for _ in range(iters // 4):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            sync()
            ts.append((time.perf_counter() - t0) * 1e6)
        return statistics.median(ts)

    stream = torch.cuda.current_stream()
    raw = torch.cuda.current_stream().cuda_stream
    call = lambda: ix(*args)  # noqa: E731
    direct = lambda: ix._run(*args, raw)  # noqa: E731  (binding, int stream)
    op = lambda: torch.ops.pq.indexer_step(hnd, q, None, cent, codes, n, None,  # noqa: E731
                                           sl, sn, wl)
    launch = lambda: sn.zero_()  # noqa: E731  (one torch kernel launch)
    graph = torch.cuda.CUDAGraph()
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        call()
    torch.cuda.current_stream().wait_stream(s)
    with torch.cuda.graph(graph):
        call()
    strategy = ix.bundle.info.strategy
    h_call, h_direct, h_op, h_launch = (host_us(f) for f in (call, direct, op, launch))
    w_call = wall_us(call, stream.synchronize)
    w_device = wall_us(call, torch.cuda.synchronize)
    # torch's C entry point itself: no Python frame, no device switch.
    raw_sync = getattr(torch._C, "_cuda_synchronize", None)
    w_raw = wall_us(call, raw_sync) if raw_sync else float("nan")
    g_raw = wall_us(graph.replay, raw_sync) if raw_sync else float("nan")
    w_graph = wall_us(graph.replay, stream.synchronize)
    side = torch.cuda.Stream()  # non-blocking, like pq-bench's stream
    with torch.cuda.stream(side):
        w_side = wall_us(call, side.synchronize)
    print(f"{shape} ({layout}, {strategy}):")
    print(f"  host Indexer.__call__              {h_call:8.2f} us/call (stream held)")
    print(f"  host _pqrt.Indexer.run, int stream {h_direct:8.2f} us/call")
    print(f"  host torch.ops.pq.indexer_step     {h_op:8.2f} us/call")
    print(f"  host torch zero_ (one launch)      {h_launch:8.2f} us/call")
    print(f"  wall call + stream sync            {w_call:8.2f} us (median; default stream)")
    print(f"  wall call + side-stream sync       {w_side:8.2f} us (non-blocking stream)")
    print(f"  wall call + torch.cuda.synchronize {w_device:8.2f} us")
    print(f"  wall call + torch._C._cuda_synchronize {w_raw:8.2f} us (the cheapest sync)")
    print(f"  wall graph replay + sync           {w_graph:8.2f} us", flush=True)
    print(f"  wall graph replay + torch._C._cuda_synchronize {g_raw:8.2f} us", flush=True)
    verdict = ""
    if c_api and None not in c_api:
        c_host, c_wall, c_graph = c_api
        # Each harness syncs its own way (torch's Python stream.synchronize,
        # pq-bench's cuStreamSynchronize); a graph replay costs both the same
        # apart from that, so eager wall above graph wall compares the calls.
        eager_py, eager_c = w_call - w_graph, c_wall - c_graph
        verdict = (f"; eager above graph replay: Python {eager_py:.2f} us, C API "
                   f"{eager_c:.2f} us: +{eager_py - eager_c:.2f} us (issue 10: <= 3); "
                   f"host: Python call {h_call:.2f} us, pqrt_indexer_run {c_host:.2f} us: "
                   f"+{h_call - c_host:.2f} us")
        verdict += (f"; raw wall with torch's cheapest sync: Python {w_raw:.2f} us, C API "
                    f"{c_wall:.2f} us: +{w_raw - c_wall:.2f} us; graph replay "
                    f"+{g_raw - c_graph:.2f} us")
        print(f"  C API (pq-bench): host {c_host:.2f}, wall {c_wall:.2f}, graph wall "
              f"{c_graph:.2f} us{verdict}")
    return (f"summary {shape} {layout} {strategy}: host call {h_call:.2f} us (binding "
            f"{h_direct:.2f}, op {h_op:.2f}, torch launch {h_launch:.2f}); wall call+sync "
            f"{w_call:.2f} us (side stream {w_side:.2f}, torch.cuda.synchronize "
            f"{w_device:.2f}), graph replay+sync {w_graph:.2f} us (compare with pq-bench's "
            f"host enqueue and wall of the same bundle: the C API){verdict}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", action="append", choices=sorted(SHAPES),
                    help="repeatable; default: seed")
    ap.add_argument("--layout", default="compact")
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--pq-bench-json", help="pq-bench's JSON of the same device call "
                    "(bench/run.sh: pq_bench.json) for the C API's numbers")
    a = ap.parse_args()
    summaries = [measure(shape, a.layout, a.iters,
                         c_api_times(a.pq_bench_json, shape, a.layout))
                 for shape in (a.shape or ["seed"])]
    print("\n".join(summaries))


if __name__ == "__main__":
    main()
