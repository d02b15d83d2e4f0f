#!/usr/bin/env python3
"""Where a step kernel's time goes, phase by phase, from a bundle compiled
with `pq-compile --phase-timers` (docs/BUNDLE.md, Phase timers): launches
it on random inputs (bench/bundle_smoke.py's), reads every CTA's
%globaltimer marks back from the workspace and prints, per mark, when the
CTAs reached it after the first CTA started (median and slowest CTA) and
how long the phase before it took (median and slowest CTA).

  python3 bench/phase_timers.py B.pqmod --seq-len SK [--batch N]
                                [--new-keys K] [--reps R] [--json FILE]

Medians over R launches (each synchronised, so nothing overlaps it).
Needs CuPy and PyTorch (the device machine has both).
"""
import argparse
import json
import os
import statistics
import sys

# CuPy, PyTorch and bundle_smoke (which needs both) are imported in main():
# the region and phase arithmetic below is tested without a GPU.


def timer_region(manifest, kernel, batch):
    """(first i64 index, CTAs, names) of the kernel's phase timestamps."""
    names = kernel["phase_timers"]
    ctas_x = kernel["grid"][0]
    timer_bytes = 8 * ctas_x * len(names)
    data_bytes = batch * (manifest["workspace_bytes_per_batch"] - timer_bytes)
    return data_bytes // 8, batch * ctas_x, names


def phases(stamps):
    """stamps[mark][cta] (ns; 0 where a CTA never reached the mark) ->
    per mark: reached (ns after the first CTA's start) and took (ns since
    the CTA's previous mark), each a list over the CTAs that reached it."""
    started = [t for t in stamps[0] if t > 0]
    if not started:
        raise ValueError("no CTA recorded its start mark")
    start = min(started)
    rows = []
    for p, marks in enumerate(stamps):
        at = [t - start for t in marks if t > 0]
        took = [] if p == 0 else \
            [t - before for t, before in zip(marks, stamps[p - 1]) if t > 0 and before > 0]
        rows.append((at, took))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--seq-len", type=int, required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--new-keys", type=int, default=0,
                    help="keys the step quantizes (0: all cached)")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the medians here")
    a = ap.parse_args()

    import cupy as cp
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bundle_smoke import launch, load_module, make_inputs, prepare, read_bundle

    def one_launch(mod, manifest, kernel, batch, args, workspace):
        workspace.zero_()
        launch(mod, manifest, batch, args)
        cp.cuda.runtime.deviceSynchronize()
        first, ctas, names = timer_region(manifest, kernel, batch)
        stamps = workspace.view(torch.int64)[first:first + ctas * len(names)]
        return stamps.reshape(len(names), ctas).tolist()

    manifest, images = read_bundle(a.bundle)
    timed = [k for k in manifest["kernels"] if "phase_timers" in k]
    if len(timed) != 1 or len(manifest["kernels"]) != 1:
        sys.exit(f"{a.bundle}: not a one-kernel bundle compiled with --phase-timers")
    kernel = timed[0]
    major, minor = torch.cuda.get_device_capability()
    mod, _ = load_module(manifest, images, f"sm_{major}{minor}")
    st = manifest["step"]
    n_cached = a.seq_len - st["init_offset"] - a.new_keys
    gen = torch.Generator().manual_seed(a.seed)
    inp = make_inputs(st, a.batch, a.seq_len, n_cached, False, gen)
    bufs, args = prepare(manifest, a.batch, a.seq_len, inp)
    workspace = bufs["workspace"]

    for _ in range(3):  # warm-up: module load, caches, clocks
        one_launch(mod, manifest, kernel, a.batch, args, workspace)
    runs = [phases(one_launch(mod, manifest, kernel, a.batch, args, workspace))
            for _ in range(a.reps)]

    def med(values):
        return statistics.median(values) / 1000.0 if values else float("nan")

    names = kernel["phase_timers"]
    print(f"{manifest['entry']}: {kernel['name']} grid {kernel['grid']} cluster "
          f"{kernel['cluster']} block {kernel['block']}; b {a.batch}, sk {a.seq_len}, "
          f"{a.new_keys} new keys; us, medians of {a.reps} launches")
    print(f"{'mark':20} {'reached: median CTA':>20} {'last CTA':>9} "
          f"{'phase: median CTA':>18} {'slowest':>8}")
    result = []
    for p, name in enumerate(names):
        at_med = statistics.median(med(r[p][0]) for r in runs)
        at_max = statistics.median(max(r[p][0]) / 1000.0 if r[p][0] else float("nan")
                                   for r in runs)
        took_med = statistics.median(med(r[p][1]) for r in runs) if p else 0.0
        took_max = statistics.median(max(r[p][1]) / 1000.0 if r[p][1] else float("nan")
                                     for r in runs) if p else 0.0
        print(f"{name:20} {at_med:20.2f} {at_max:9.2f} {took_med:18.2f} {took_max:8.2f}")
        result.append(dict(mark=name, reached_median_us=at_med, reached_last_us=at_max,
                           phase_median_us=took_med, phase_slowest_us=took_max))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(bundle=a.bundle, kernel=kernel["name"], batch=a.batch,
                           seq_len=a.seq_len, new_keys=a.new_keys, marks=result), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
