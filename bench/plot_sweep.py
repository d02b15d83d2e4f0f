#!/usr/bin/env python3
"""The scaling sweep (pq-bench build-dev/bench-bundles/sweep.json --sweep):
GPU time per step against the bandwidth floor, over sk at b = 1 (series
"sk") and over b at sk = 16K (series "b").

  python3 bench/plot_sweep.py SWEEP.json [--png bench/sweep.png]

Prints a markdown table per series: GPU time, floor, their ratio, and the
log-log slope of each from the previous point (a step that follows the
floor has the floor's slope, about 1 once the weight row dominates). With
--png, draws both series log-log with the floor and the floor scaled
through the largest point (the slope to follow); needs matplotlib.
"""
import argparse
import json
import math
import sys

SERIES = ("sk", "b")  # the x axis of each series; the other one is fixed


def label(doc, series):
    """'sk (b = 1)' or 'b (sk = 16384)', from the rows of the series."""
    other = "b" if series == "sk" else "sk"
    fixed = sorted({r[other] for r in doc["rows"] if r.get("series") == series})
    return f"{series} ({other} = {', '.join(map(str, fixed)) or '-'})"


def step_name(doc):
    names = sorted({f"{r.get('shape', '?')}, {r.get('layout', '?')}" for r in doc["rows"]})
    return "; ".join(names)


def slope(x0, y0, x1, y1):
    if None in (x0, y0, x1, y1) or min(x0, y0, x1, y1) <= 0 or x0 == x1:
        return None
    return math.log(y1 / y0) / math.log(x1 / x0)


def points(doc, series):
    """(x, gpu us, floor us, row) of one series, in x order."""
    out = []
    for r in doc["rows"]:
        if r.get("series") == series:
            gpu = r.get("new0", {}).get("gpu_us")
            out.append((r[series], gpu, r.get("floor_us"), r))
    return sorted(out, key=lambda p: p[0])


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def table(doc, series):
    head = ["b", "sk", "strategy", "check", "gpu us", "floor us", "x floor",
            "gpu slope", "floor slope"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    prev = None
    for x, gpu, floor, r in points(doc, series):
        s_gpu = slope(prev[0], prev[1], x, gpu) if prev else None
        s_floor = slope(prev[0], prev[2], x, floor) if prev else None
        cells = [str(r["b"]), str(r["sk"]), r.get("strategy", ""), r.get("check", "-"),
                 fmt(gpu), fmt(floor, 2),
                 fmt(gpu / floor if gpu is not None and floor else None),
                 fmt(s_gpu, 2), fmt(s_floor, 2)]
        lines.append("| " + " | ".join(cells) + " |")
        prev = (x, gpu, floor)
    return "\n".join(lines)


def plot(doc, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        print(f"plot_sweep: no plot ({e}); pip install matplotlib", file=sys.stderr)
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, series in zip(axes, SERIES):
        pts = [p for p in points(doc, series) if p[1] is not None and p[2]]
        if not pts:
            ax.set_title(f"{label(doc, series)}: no measurements")
            continue
        xs = [p[0] for p in pts]
        gpu = [p[1] for p in pts]
        floor = [p[2] for p in pts]
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.plot(xs, gpu, "o-", label="pq gpu")
        ax.plot(xs, floor, "s--", label="bandwidth floor")
        # The floor through the largest point: where the step should be
        # bandwidth-bound, the measured curve runs along this line.
        scale = gpu[-1] / floor[-1]
        ax.plot(xs, [f * scale for f in floor], ":", color="gray",
                label=f"floor x {scale:.1f} (its slope)")
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{x // 1024}K" if x >= 1024 and x % 1024 == 0 else str(x)
                            for x in xs])
        ax.minorticks_off()
        ax.set_xlabel(label(doc, series))
        ax.set_ylabel("us per step")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"pq step ({step_name(doc)}) on {doc['device']}, "
                 f"copy bandwidth {doc['copy_bw_tbps']:.2f} TB/s")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sweep", help="pq-bench --sweep's JSON")
    ap.add_argument("--png", help="write the plot here")
    a = ap.parse_args(argv[1:])
    try:
        with open(a.sweep) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"plot_sweep: {a.sweep}: {e}", file=sys.stderr)
        return 1
    print(f"Scaling of the step ({step_name(doc)}) on {doc['device']} (sm_{doc['sm']}); copy bandwidth "
          f"{doc['copy_bw_tbps']:.2f} TB/s; gpu: events around {doc['iters']} "
          f"launches, median of {doc['reps']}; slopes are log-log from the "
          f"previous point.")
    for series in SERIES:
        print(f"\n{label(doc, series)}:\n")
        print(table(doc, series))
    failed = [r["name"] for r in doc["rows"] if r.get("check") != "PASS"]
    if failed:
        print(f"\nnot PASS: {', '.join(failed)}")
    if a.png:
        if not plot(doc, a.png):
            return 1
        print(f"\nplot: {a.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
