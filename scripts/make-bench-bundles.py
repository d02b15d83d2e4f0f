#!/usr/bin/env python3
"""Compiles the bundles pq-bench times (bench/), with the index of calls each
set is timed at:

  index.json  the benchmark shapes of ../shared/anchors/seed_indexer.py
              (seed, gqa16k, long32k, long128k) in both codebook layouts,
              at the anchor's b and sk;
  sweep.json  the scaling sweep: gqa16k's step (compact layout) at b = 1
              and sk from 4K to 256K (series "sk", one bundle per point,
              compiled for that sk), and at sk = 16K with b from 1 to 64
              (series "b", all on the 16K bundle: the batch is dynamic);
  build.json  the index build's shapes (issue 11, bench/kmeans_bench.py):
              a step with its pq.kmeans, compiled for n keys (init_offset 0)
              for --build-target (sm_90a: the H200's wgmma build);
  tilings.json  (--tilings) the anchor's shapes compiled with forced
              tilings (pq-compile --cluster-size / --row-groups) beside
              pq-tile's own choice: which tiling a shape should get is
              measured, not guessed. Tilings that do not fit are skipped.

  scripts/make-bench-bundles.py --build build --out build-dev/bench-bundles
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
# The sweep: the step of SWEEP_SHAPE, compact, over these points.
SWEEP_SHAPE = "gqa16k"
SWEEP_SK = [4096 << i for i in range(7)]  # 4K .. 256K, at b = 1
SWEEP_B = [1 << i for i in range(7)]      # 1 .. 64, at sk = SWEEP_B_SK
SWEEP_B_SK = 16384


# The index build's shapes (bench/kmeans_anchor.py's): b, h_kv, d, S, bits, n.
BUILD_SHAPES = {
    "s2b6_4k": (1, 8, 128, 2, 6, 4096),
    "s2b6_32k": (1, 8, 128, 2, 6, 32768),
    "s4b8_32k": (1, 8, 128, 4, 8, 32768),
    "s4b8_128k": (1, 8, 128, 4, 8, 131072),
}


def step_config(shape, layout, max_seq_len):
    _, h, hk, d, _, S, bits, heavy = SHAPES[shape]
    return dict(heads=h, kv_heads=hk, head_dim=d, subspaces=S, bits=bits, heavy=heavy,
                sink=128, window=128, init_offset=128, layout=layout, metric="euclidean",
                query_type="bf16", weight_type="bf16", index_type="i64",
                centroid_type="f32", quantize=True, batch=0, max_seq_len=max_seq_len)


def table(build, out, target):
    """The anchor's shapes: one bundle and one call each."""
    index = []
    for shape, (b, _h, _hk, _d, sk, *_step) in SHAPES.items():
        for layout in ("seed", "compact"):
            c = step_config(shape, layout, sk)
            name = f"{shape}_{layout}"
            err = compile_bundle(build, name, c, out, target)
            if err:
                return None, f"{name}: {err}"
            index.append(dict(name=name, shape=shape, bench_batch=b, bench_seq_len=sk, **c))
    return index, None


def sweep(build, out, target):
    """Series "sk" (one bundle per sk) and "b" (the SWEEP_B_SK bundle)."""
    if SWEEP_B_SK not in SWEEP_SK:
        return None, f"sweep: the b series' sk {SWEEP_B_SK} has no bundle"
    index = []
    for sk in SWEEP_SK:
        c = step_config(SWEEP_SHAPE, "compact", sk)
        bundle = f"sweep_sk{sk}"
        err = compile_bundle(build, bundle, c, out, target)
        if err:
            return None, f"{bundle}: {err}"
        index.append(dict(name=f"sk{sk}", bundle=bundle, series="sk", shape=SWEEP_SHAPE,
                          bench_batch=1, bench_seq_len=sk, **c))
    c = step_config(SWEEP_SHAPE, "compact", SWEEP_B_SK)
    for b in SWEEP_B:
        index.append(dict(name=f"b{b}", bundle=f"sweep_sk{SWEEP_B_SK}", series="b",
                          shape=SWEEP_SHAPE, bench_batch=b, bench_seq_len=SWEEP_B_SK, **c))
    return index, None


def builds(build, out, target):
    """The index build's shapes: one bundle (step + build) each."""
    index = []
    for shape, (b, hk, d, S, bits, n) in BUILD_SHAPES.items():
        c = dict(heads=4 * hk, kv_heads=hk, head_dim=d, subspaces=S, bits=bits, heavy=1024,
                 sink=128, window=128, init_offset=0, layout="compact", metric="euclidean",
                 query_type="bf16", weight_type="bf16", index_type="i64",
                 centroid_type="f32", quantize=True, batch=0, max_seq_len=n, build=True)
        name = f"kmeans_{shape}"
        err = compile_bundle(build, name, c, out, target)
        if err:
            return None, f"{name}: {err}"
        index.append(dict(name=name, shape=shape, bench_batch=b, bench_seq_len=n, **c))
    return index, None


# Forced tilings per (shape, layout): (cluster size, row groups); 0 = pq-tile's.
TILINGS = {
    ("seed", "compact"): [(1, 0), (2, 0), (4, 0)],
    ("gqa16k", "compact"): [(4, 0), (1, 0)],
    ("long32k", "compact"): [(8, 0), (2, 0)],
    ("long128k", "compact"): [(16, 1), (16, 4), (8, 2), (8, 4), (4, 4)],
    ("long128k", "seed"): [(8, 4), (16, 2)],
}


def tilings(build, out, target):
    """pq-tile's tiling of each shape, then the forced ones that fit."""
    index = []
    for (shape, layout), forced in TILINGS.items():
        b, _h, _hk, _d, sk, *_step = SHAPES[shape]
        c = step_config(shape, layout, sk)
        for size, groups in [(0, 0)] + forced:
            name = f"{shape}_{layout}_q{size}_g{groups}"
            args = [f"--cluster-size={size}", f"--row-groups={groups}"]
            bundle = os.path.join(out, name + ".pqmod")
            if os.path.exists(bundle):
                os.remove(bundle)
            if compile_bundle(build, name, c, out, target, args) and not os.path.exists(bundle):
                print(f"tilings: {name} does not fit, skipped")
                continue
            index.append(dict(name=name, shape=shape, bench_batch=b, bench_seq_len=sk, **c))
    return index, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="build/bench-bundles")
    ap.add_argument("--target", default="sm_90")
    ap.add_argument("--no-sweep", action="store_true", help="no sweep.json")
    ap.add_argument("--no-build", action="store_true", help="no build.json")
    ap.add_argument("--build-target", default="sm_90a",
                    help="arch of build.json's bundles (sm_90a: wgmma on H100/H200)")
    ap.add_argument("--tilings", action="store_true", help="also tilings.json")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    sets = ([("index.json", table)] + ([] if a.no_sweep else [("sweep.json", sweep)])
            + ([] if a.no_build else [("build.json", builds)])
            + ([("tilings.json", tilings)] if a.tilings else []))
    for file, make in sets:
        index, err = make(a.build, a.out, a.build_target if make is builds else a.target)
        if err:
            print(err, file=sys.stderr)
            return 1
        with open(os.path.join(a.out, file), "w") as f:
            json.dump(index, f, indent=1)
        bundles = len({e.get("bundle", e["name"]) for e in index})
        print(f"{file}: {len(index)} calls on {bundles} bundles in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
