#!/usr/bin/env python3
"""Times compiled bundles with CUDA events (CuPy launches, no libpqrt): for
each bundle in DIR/index.json made by scripts/make-bench-bundles.py, the
median per-call device time of back-to-back steps at the anchor's shape.

  python3 bench/bundle_time.py build/bench-bundles [--iters 200]
"""
import argparse, json, os, statistics, sys

import cupy as cp
import torch

sys.path.insert(0, os.path.dirname(__file__))
from bundle_smoke import launch, load_module, make_inputs, prepare, read_bundle  # noqa: E402


def time_us(fn, iters):
    """Median of per-call event timings, after a warm-up."""
    for _ in range(5):
        fn()
    cp.cuda.runtime.deviceSynchronize()
    starts = [cp.cuda.Event() for _ in range(iters)]
    stops = [cp.cuda.Event() for _ in range(iters)]
    for a, b in zip(starts, stops):
        a.record()
        fn()
        b.record()
    cp.cuda.runtime.deviceSynchronize()
    return statistics.median(cp.cuda.get_elapsed_time(a, b) * 1e3 for a, b in zip(starts, stops))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--only", help="time just this bundle (e.g. under ncu)")
    a = ap.parse_args()
    arch = "sm_%d%d" % torch.cuda.get_device_capability()
    gen = torch.Generator().manual_seed(0)
    rows = []
    for cfg in json.load(open(os.path.join(a.dir, "index.json"))):
        if a.only and cfg["name"] != a.only:
            continue
        manifest, images = read_bundle(os.path.join(a.dir, cfg["name"] + ".pqmod"))
        mod, _ = load_module(manifest, images, arch)
        b, sk = cfg["bench_batch"], cfg["bench_seq_len"]
        n = sk - cfg["init_offset"]
        row = dict(name=cfg["name"], strategy=manifest["strategy"], launches=len(manifest["kernels"]))
        for new_keys in (0, 1):
            inp = make_inputs(manifest["step"], b, sk, n - new_keys, False, gen)
            bufs, args = prepare(manifest, b, sk, inp)  # keep the buffers alive
            row[f"us_new{new_keys}"] = time_us(lambda: launch(mod, manifest, b, args), a.iters)
            if new_keys == 0 and len(manifest["kernels"]) > 1:
                for k in manifest["kernels"]:
                    one = dict(manifest, kernels=[k])
                    row[k["name"]] = time_us(lambda: launch(mod, one, b, args), a.iters)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n{'bundle':18} {'strategy':8} {'launches':8} {'us (0 new)':>10} {'us (1 new)':>10}")
    for r in rows:
        print(f"{r['name']:18} {r['strategy']:8} {r['launches']:8} {r['us_new0']:10.1f} {r['us_new1']:10.1f}")


if __name__ == "__main__":
    main()
