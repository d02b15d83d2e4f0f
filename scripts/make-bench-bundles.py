#!/usr/bin/env python3
"""Compiles the benchmark shapes of ../shared/anchors/seed_indexer.py (seed,
gqa16k, long32k, long128k) in both codebook layouts, for bench/.

  scripts/make-bench-bundles.py --build build --out build/bench-bundles
"""
import argparse, json, os, sys

from pqgen import compile_bundle

# The anchor's SHAPES: b, h, h_kv, d, sk, S, bits, heavy (sink = window = 128).
SHAPES = {
    "seed": (1, 32, 32, 128, 4096, 2, 6, 256),
    "gqa16k": (8, 32, 8, 128, 16384, 2, 6, 1024),
    "long32k": (1, 32, 32, 128, 32768, 4, 8, 2048),
    "long128k": (1, 32, 8, 128, 131072, 4, 8, 4096),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="build/bench-bundles")
    ap.add_argument("--target", default="sm_90")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    index = []
    for shape, (b, h, hk, d, sk, S, bits, heavy) in SHAPES.items():
        for layout in ("seed", "compact"):
            c = dict(heads=h, kv_heads=hk, head_dim=d, subspaces=S, bits=bits, heavy=heavy,
                     sink=128, window=128, init_offset=128, layout=layout, metric="euclidean",
                     query_type="bf16", weight_type="bf16", index_type="i64",
                     centroid_type="f32", quantize=True, batch=0, max_seq_len=sk)
            name = f"{shape}_{layout}"
            err = compile_bundle(a.build, name, c, a.out, a.target)
            if err:
                print(f"{name}: {err}", file=sys.stderr)
                return 1
            index.append(dict(name=name, shape=shape, bench_batch=b, bench_seq_len=sk, **c))
    json.dump(index, open(os.path.join(a.out, "index.json"), "w"), indent=1)
    print(f"{len(index)} bundles in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
