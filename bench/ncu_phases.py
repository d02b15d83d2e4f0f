#!/usr/bin/env python3
"""Where a pq kernel's time goes, from Nsight Compute's per-instruction
warp-stall samples: the SASS is cut at every CTA barrier (BAR.SYNC) and
cluster barrier wait (UCGABAR_WAIT), and each segment's share of the samples
is printed with the memory and synchronisation instructions it holds. A
segment's samples include the warps waiting at its closing barrier, so the
share approximates the wall time spent reaching that barrier.

  ncu --set full -k regex:NAME -c 1 -o rep pq-run BUNDLE ...
  ncu -i rep.ncu-rep --page source --csv --print-source sass > rep.csv
  bench/ncu_phases.py rep.csv [--min-share 1.0]
"""
import argparse
import csv
import sys

# Instructions worth naming in a segment's summary.
NOTABLE = ("LDG", "STG", "LDS", "STS", "ATOMS", "ATOMG", "RED", "LD.", "ST.",
           "SHFL", "VOTE", "MATCH", "UCGABAR", "MEMBAR", "BAR.SYNC")


def segments(rows, samples_col, executed_col):
    current, start = [], 0
    for k, row in enumerate(rows):
        current.append(row)
        op = row[1].strip()
        if "BAR.SYNC" in op or "UCGABAR_WAIT" in op or op.startswith("EXIT"):
            yield start, k, current
            current, start = [], k + 1
    if current:
        yield start, len(rows) - 1, current


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--min-share", type=float, default=1.0,
                    help="hide segments below this share of samples (%%)")
    ap.add_argument("--top", type=int, default=0,
                    help="also list the N instructions with the most samples")
    a = ap.parse_args()
    table = list(csv.reader(open(a.csv)))
    header_at = next(i for i, r in enumerate(table) if r and r[0] == "Address")
    header, rows = table[header_at], table[header_at + 1:]
    samples = header.index("Warp Stall Sampling (All Samples)")
    executed = header.index("Instructions Executed")
    rows = [r for r in rows if len(r) > samples and r[samples].isdigit()]
    total = sum(int(r[samples]) for r in rows) or 1
    print(f"{a.csv}: {total} samples over {len(rows)} instructions")
    print("first-last  share  closing barrier (executions)  notable instructions")
    for first, last, seg in segments(rows, samples, executed):
        share = 100.0 * sum(int(r[samples]) for r in seg) / total
        if share < a.min_share:
            continue
        ops = sorted({r[1].strip().split()[0].lstrip("@!P0123456789 ")
                      for r in seg if any(n in r[1] for n in NOTABLE)})
        closing = seg[-1][1].strip().split()[0]
        print(f"{first:5d}-{last:5d} {share:5.1f}%  {closing} ({seg[-1][executed]})"
              f"  {' '.join(ops)[:100]}")
    if a.top:
        print(f"hottest {a.top} instructions: index, share, executions, SASS")
        ranked = sorted(range(len(rows)), key=lambda k: -int(rows[k][samples]))
        for k in ranked[:a.top]:
            share = 100.0 * int(rows[k][samples]) / total
            print(f"{k:5d} {share:5.1f}% {rows[k][executed]:>8}  "
                  f"{rows[k][1].strip()[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
