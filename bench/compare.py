#!/usr/bin/env python3
"""Side-by-side markdown tables of pq-bench's JSON, the anchor's
(../shared/anchors/seed_indexer.py --json) and torch.topk's
(bench/topk_baseline.py --json), one row per bundle:

  python3 bench/compare.py PQ_BENCH.json [ANCHOR.json] [--topk TOPK.json]

Table 1 (us per step, n_cached = n unless marked):
  pq gpu      CUDA events around back-to-back launches    (anchor: triton stream)
  pq wall     one launch + stream sync, host clock         (anchor: triton wall)
  pq graph    CUDA-graph replays back to back, events      (anchor: triton graph stream)
  +1 key      pq gpu with one new key to quantize
  +64 keys    pq gpu with 64 new keys (a chunk of a prefill)
  launch ratio  (pq wall - pq gpu) / the same for the minimal launch (the
              bundle at sk = 1, full-attention path): the host's share of a
              step over the least a launch costs
  topk        torch.topk alone on the anchor's fp32 scores [b, h, n], k = heavy
  floor       bytes the step must move / measured copy bandwidth (pq-bench's)
  x floor     pq gpu / floor
  vs triton   triton graph stream / pq graph: both replay graphs back to back
Table 2: gpu / wall / graph with 0, 1 and 64 new keys, the cost of the new
keys (issue 8's targets in the header), and the launch overheads.
A missing or unreadable anchor or topk JSON leaves its columns as '-'.
"""
import argparse
import datetime
import json
import math
import sys

# Issue 8: one new key costs at most 1 us more than none, 64 at most 3 us;
# a step's wall - gpu at most a minimal launch's (ratio <= 1).
TARGET_1_KEY_US = 1.0
TARGET_64_KEYS_US = 3.0
TARGET_LAUNCH_RATIO = 1.0


def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def minus(a, b):
    return None if a is None or b is None else a - b


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


def markdown(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def side_by_side(pq, by_shape, topk_by_shape):
    head = ["shape", "layout", "strategy", "check", "pq gpu", "pq wall", "pq graph",
            "+1 key", "+64 keys", "launch ratio", "topk", "triton wall",
            "triton graph stream", "imperative", "floor", "x floor", "vs triton"]
    rows = []
    for r in pq["rows"]:
        a = by_shape.get(r["shape"], {})
        c0, c1, c64 = (r.get(f"new{k}", {}) for k in (0, 1, 64))
        gpu, graph = c0.get("gpu_us"), c0.get("graph_gpu_us")
        floor = r.get("floor_us")
        rows.append([
            r["shape"], r.get("layout", ""), r.get("strategy", ""), r.get("check", "-"),
            fmt(gpu), fmt(c0.get("wall_us")), fmt(graph), fmt(c1.get("gpu_us")),
            fmt(c64.get("gpu_us")), fmt(r.get("launch_ratio"), 2),
            fmt(topk_by_shape.get(r["shape"], {}).get("topk_us")),
            fmt(a.get("triton_wall_us")), fmt(a.get("triton_graph_stream_us")),
            fmt(a.get("imperative_wall_us")), fmt(floor, 2), fmt(ratio(gpu, floor)),
            speedup(a.get("triton_graph_stream_us"), graph),
        ])
    return markdown(head, rows)


def new_keys_and_launch(pq):
    head = ["shape", "layout", "gpu 0 / 1 / 64", "wall 0 / 1 / 64", "graph 0 / 1 / 64",
            f"+1 key (<= {TARGET_1_KEY_US:g})", f"+64 keys (<= {TARGET_64_KEYS_US:g})",
            "host enqueue", "overhead",
            f"minimal gpu / wall (sk {pq.get('minimal_sk') or '-'})",
            "minimal overhead", f"ratio (<= {TARGET_LAUNCH_RATIO:g})"]
    rows = []
    for r in pq["rows"]:
        cols = [r.get(f"new{k}", {}) for k in (0, 1, 64)]
        m = r.get("minimal", {})
        triple = lambda key: " / ".join(fmt(c.get(key)) for c in cols)  # noqa: E731
        g0, g1, g64 = (c.get("gpu_us") for c in cols)
        rows.append([
            r["shape"], r.get("layout", ""), triple("gpu_us"), triple("wall_us"),
            triple("graph_gpu_us"), fmt(minus(g1, g0)), fmt(minus(g64, g0)),
            fmt(cols[0].get("host_us"), 2), fmt(cols[0].get("overhead_us")),
            f"{fmt(m.get('gpu_us'))} / {fmt(m.get('wall_us'))}",
            fmt(m.get("overhead_us")), fmt(r.get("launch_ratio"), 2),
        ])
    return markdown(head, rows)


def notes_of(pq, by_shape):
    notes = []
    for r in pq["rows"]:
        parts = [(f"{k} new key{'s' if k != 1 else ''}", r[f"new{k}"])
                 for k in pq.get("new_keys", [0, 1]) if f"new{k}" in r]
        if "minimal" in r:
            parts.append(("minimal launch", r["minimal"]))
        for key, col in parts:
            for field in ("check_message", "graph_error"):
                if col.get(field):
                    notes.append(f"- {r['name']} ({key}): {field}: {col[field]}")
        if r.get("error"):
            notes.append(f"- {r['name']}: error: {r['error']}")
        a = by_shape.get(r["shape"], {})
        if a and a.get("triton_matches_imperative") is False:
            notes.append(f"- anchor {r['shape']}: triton does not match imperative")
    return list(dict.fromkeys(notes))  # an anchor note comes once per layout


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pq_bench")
    ap.add_argument("anchor", nargs="?")
    ap.add_argument("--topk", help="bench/topk_baseline.py's JSON")
    a = ap.parse_args(argv[1:])
    pq = load(a.pq_bench)
    if pq is None:
        return 1
    anchor = load(a.anchor) if a.anchor else None
    topk = load(a.topk) if a.topk else None
    by_shape = {r["shape"]: r for r in (anchor or {}).get("rows", [])}
    topk_by_shape = {r["shape"]: r for r in (topk or {}).get("rows", [])}

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    print(f"Measured {date} on {pq['device']} (sm_{pq['sm']}); copy bandwidth "
          f"{pq['copy_bw_tbps']:.2f} TB/s ({pq['copy_bw_source']}).")
    for name, other in (("Anchor: seed_indexer.py", anchor), ("topk: topk_baseline.py", topk)):
        if other:
            same = "same device" if other.get("device") == pq["device"] else \
                f"device {other.get('device')}"
            bw = other.get("copy_bw_tbps")
            print(f"{name} on the {same}" +
                  (f", copy bandwidth {bw:.2f} TB/s." if bw is not None else "."))
        else:
            print(f"{name.split(':')[0]}: not available (see the run's output).")
    gated = pq.get("gpu_timing", "not gated (older pq-bench)")
    print(f"pq gpu: events around {pq['iters']} back-to-back launches ({gated}), median "
          f"of {pq['reps']} ({pq.get('new_key_reps', pq['reps'])} with new keys); "
          f"pq wall: median of {pq['wall_iters']} launch + sync; pq graph: one "
          f"captured step, replayed. Times in us.\n")
    print(side_by_side(pq, by_shape, topk_by_shape))
    print("\nNew keys and launch overhead (us; overhead = wall - gpu, 0 new keys):\n")
    print(new_keys_and_launch(pq))
    notes = notes_of(pq, by_shape)
    if notes:
        print("\n" + "\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
