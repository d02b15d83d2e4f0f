#!/usr/bin/env python3
"""torch.topk alone on the anchor's shapes: what selecting the heavy tokens
costs a library top-k once the scores are already in memory, a lower bound
for any design that materialises scores and calls it (issue 8's extra
column).

For each shape of seed_indexer.py (SHAPES, make_inputs), the scores are the
anchor's own: the fp32 [b, h, n] tensor its Triton path hands to torch.topk
(window already masked to -inf), so ties and value spread are those of real
PQ scores. Timed like pq gpu: CUDA events around back-to-back calls of
torch.topk(scores, k = min(heavy, n), dim=-1, sorted=False) -- the anchor's
call -- per call, median over repetitions; sorted=True is reported too.

  python3 bench/topk_baseline.py build-dev/anchors/seed_indexer.py \\
      [--shapes seed,gqa16k] [--iters 200] [--reps 7] [--json FILE]
"""
import argparse
import importlib.util
import json
import statistics
import sys


def load_anchor(path):
    spec = importlib.util.spec_from_file_location("seed_indexer", path)
    if spec is None:
        raise SystemExit(f"topk_baseline: {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def events_us(torch, fn, iters, reps):
    """Per-call device time of back-to-back calls, median of `reps`."""
    for _ in range(10):
        fn()
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(reps):
        torch.cuda.synchronize()
        start.record()
        for _ in range(iters):
            fn()
        stop.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(stop) * 1e3 / iters)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("anchor", help="seed_indexer.py (build-dev/anchors/)")
    ap.add_argument("--shapes", help="comma-separated (default: all of the anchor's)")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--json")
    a = ap.parse_args()
    anchor = load_anchor(a.anchor)
    torch = anchor.torch
    if not torch.cuda.is_available():
        print("topk_baseline: needs a CUDA device", file=sys.stderr)
        return 1
    names = a.shapes.split(",") if a.shapes else list(anchor.SHAPES)
    unknown = [n for n in names if n not in anchor.SHAPES]
    if unknown:
        print(f"topk_baseline: unknown shape(s) {unknown}; the anchor has "
              f"{list(anchor.SHAPES)}", file=sys.stderr)
        return 2
    device = torch.cuda.get_device_name()
    print(f"device: {device}; torch {torch.__version__}")
    rows = []
    for name in names:
        cfg = anchor.SHAPES[name]
        q, k, cent, codes = anchor.make_inputs(cfg)
        off = cfg["sink"]  # the anchor's init_offset
        # The anchor's Triton path returns the masked scores it gave to topk.
        scores = anchor.triton_indexer(q, k, cent, codes, cfg["sink"], cfg["window"],
                                       cfg["heavy"], off, torch.bfloat16)[3]
        del q, k, cent, codes
        b, h, n = scores.shape
        kk = min(cfg["heavy"], n)
        row = dict(shape=name, b=b, h=h, n=n, k=kk, iters=a.iters, reps=a.reps)
        for key, ordered in (("topk_us", False), ("topk_sorted_us", True)):
            row[key] = events_us(
                torch, lambda: torch.topk(scores, kk, dim=-1, largest=True, sorted=ordered),
                a.iters, a.reps)
        rows.append(row)
        print(f"{name:10} b {b:2} h {h} n {n:6} k {kk:4}: topk {row['topk_us']:8.1f} us, "
              f"sorted {row['topk_sorted_us']:8.1f} us", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(tool="topk_baseline", device=device, torch=torch.__version__,
                           rows=rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
