#!/usr/bin/env python3
"""Side-by-side markdown table of pq-bench's JSON and the anchor's
(../shared/anchors/seed_indexer.py --json), one row per bundle:

  python3 bench/compare.py PQ_BENCH.json [ANCHOR.json]

Columns (us per step, n_cached = n unless marked):
  pq gpu      CUDA events around back-to-back launches    (anchor: triton stream)
  pq wall     one launch + stream sync, host clock         (anchor: triton wall)
  pq graph    CUDA-graph replays back to back, events      (anchor: triton graph stream)
  +1 key      pq gpu with one new key to quantize
  floor       bytes the step must move / measured copy bandwidth (pq-bench's)
  x floor     pq gpu / floor
  vs triton   triton graph stream / pq graph: both replay graphs back to back
A missing or unreadable anchor JSON leaves its columns as '-'.
"""
import datetime
import json
import math
import sys


def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def speedup(anchor_us, pq_us):
    r = ratio(anchor_us, pq_us)
    return "-" if r is None else f"{r:.1f}x"


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"compare: {path}: {e}", file=sys.stderr)
        return None


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    pq = load(argv[1])
    if pq is None:
        return 1
    anchor = load(argv[2]) if len(argv) == 3 else None
    by_shape = {r["shape"]: r for r in (anchor or {}).get("rows", [])}

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    print(f"Measured {date} on {pq['device']} (sm_{pq['sm']}); copy bandwidth "
          f"{pq['copy_bw_tbps']:.2f} TB/s ({pq['copy_bw_source']}).")
    if anchor:
        same = "same device" if anchor.get("device") == pq["device"] else \
            f"device {anchor.get('device')}"
        print(f"Anchor: seed_indexer.py on the {same}, copy bandwidth "
              f"{anchor.get('copy_bw_tbps', float('nan')):.2f} TB/s.")
    else:
        print("Anchor: not available (see the run's anchor output).")
    print(f"pq gpu: events around {pq['iters']} back-to-back launches, median "
          f"of {pq['reps']}; pq wall: median of {pq['wall_iters']} launch + "
          f"sync; pq graph: one captured step, replayed. Times in us.\n")

    head = ["shape", "layout", "check", "pq gpu", "pq wall", "pq graph",
            "+1 key", "triton wall", "triton graph stream", "imperative",
            "floor", "x floor", "vs triton"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(" --- " for _ in head) + "|")
    notes = []
    for r in pq["rows"]:
        a = by_shape.get(r["shape"], {})
        c0, c1 = r.get("new0", {}), r.get("new1", {})
        gpu, graph = c0.get("gpu_us"), c0.get("graph_gpu_us")
        floor = r.get("floor_us")
        cells = [
            r["shape"], r.get("layout", ""), r.get("check", "-"),
            fmt(gpu), fmt(c0.get("wall_us")), fmt(graph), fmt(c1.get("gpu_us")),
            fmt(a.get("triton_wall_us")), fmt(a.get("triton_graph_stream_us")),
            fmt(a.get("imperative_wall_us")), fmt(floor, 2),
            fmt(ratio(gpu, floor)),
            speedup(a.get("triton_graph_stream_us"), graph),
        ]
        print("| " + " | ".join(cells) + " |")
        for key, col in (("0 new keys", c0), ("1 new key", c1)):
            for field in ("check_message", "graph_error"):
                if col.get(field):
                    notes.append(f"- {r['name']} ({key}): {field}: {col[field]}")
        if r.get("error"):
            notes.append(f"- {r['name']}: error: {r['error']}")
        if a and a.get("triton_matches_imperative") is False:
            notes.append(f"- anchor {r['shape']}: triton does not match imperative")
    if notes:
        print("\n" + "\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
