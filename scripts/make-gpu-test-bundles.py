#!/usr/bin/env python3
"""Writes pq programs for a spread of step configurations and compiles each
into a bundle, for the GPU differential tests (test/gpu) to run on a device.

  scripts/make-gpu-test-bundles.py --build build --out build/gpu-bundles

Every configuration the dialect accepts should lower; this covers both
layouts and metrics, GQA ratios 1/4/8, head_dim 64/96/128, S from 1 to 32
(every shape of 16-byte code item),
pq_bits in {4,6,8}, every query/weight/index type, and every tiling: the
main target (sm_90: `cluster`, or `split`/`row` where a cluster's chunk does
not fit) and, for every third configuration, sm_80 PTX (`row` and `split`,
run through the driver's JIT on a newer GPU) as cfgNNN_sm80, and for
every third configuration (the next ones) a `cluster` tiling forced with
--cluster-size=4 as cfgNNN_cl4, so small steps, which pq-tile gives to `row`
or `split`, test the cluster kernel too; for the last third with query
groups of two or more rows, the group split over row groups (its smallest
divisor above 1) as cfgNNN_rgG, forced with --cluster-size=4 --row-groups=G.
(pq-tile picks row groups itself for some long configurations.) Most fixed
corners and every fifth random configuration also carry the index build
(pq.kmeans, docs/BUILD.md), and so do their variants (sm_80 PTX included;
those with bf16 or f16 keys also for sm_90a, the wgmma assignment);
two last configurations test the build's smallest codebooks (bits 2 and 3).
"""
import argparse, json, os, random, sys

from pqgen import compile_bundle


# The fixed corners that carry the index build: both layouts and metrics,
# S 1 to 16, bits 4/6/8, GQA 1 to 8, max_seq_len up to 131072.
BUILD_CORNERS = (0, 2, 3, 4, 5, 7, 8)


def configs(count, seed):
    rnd = random.Random(seed)
    # Structured corners first, then random draws.
    fixed = [
        dict(heads=32, kv_heads=8, head_dim=128, subspaces=2, bits=6, layout="compact", metric="euclidean", max_seq_len=4096),
        dict(heads=32, kv_heads=32, head_dim=128, subspaces=2, bits=6, layout="seed", metric="euclidean", max_seq_len=4096),
        dict(heads=28, kv_heads=4, head_dim=128, subspaces=4, bits=8, layout="compact", metric="ip", max_seq_len=8192),
        dict(heads=32, kv_heads=8, head_dim=128, subspaces=4, bits=8, layout="compact", metric="euclidean", max_seq_len=131072),
        dict(heads=32, kv_heads=4, head_dim=64, subspaces=8, bits=4, layout="seed", metric="ip", max_seq_len=131072),
        dict(heads=8, kv_heads=1, head_dim=64, subspaces=1, bits=4, layout="compact", metric="euclidean", max_seq_len=2048),
        # Code items of every shape: 16 keys in 3 loads (S 3), 1 key in
        # 1 load (S 16) or 2 loads (S 32), int64 codes in 8-byte loads (S 3).
        dict(heads=12, kv_heads=4, head_dim=96, subspaces=3, bits=6, layout="compact", metric="euclidean", max_seq_len=8192),
        dict(heads=16, kv_heads=2, head_dim=96, subspaces=3, bits=4, layout="seed", metric="ip", max_seq_len=65536),
        dict(heads=32, kv_heads=8, head_dim=128, subspaces=16, bits=4, layout="compact", metric="ip", max_seq_len=4096),
        dict(heads=8, kv_heads=2, head_dim=128, subspaces=32, bits=4, layout="compact", metric="euclidean", max_seq_len=65536),
        dict(heads=24, kv_heads=4, head_dim=96, subspaces=6, bits=8, layout="compact", metric="euclidean", max_seq_len=131072),
    ]
    out = []
    for i in range(count):
        c = dict(fixed[i]) if i < len(fixed) else dict(
            heads=None, kv_heads=rnd.choice([1, 2, 4, 8]), head_dim=rnd.choice([64, 128]),
            subspaces=rnd.choice([1, 2, 4, 8]), bits=rnd.choice([4, 6, 8]),
            layout=rnd.choice(["seed", "compact"]), metric=rnd.choice(["euclidean", "ip"]),
            max_seq_len=rnd.choice([2048, 4096, 16384, 65536]))
        if c["heads"] is None:
            grp = rnd.choice([1, 4, 8])
            c["heads"] = c["kv_heads"] * grp
        c.setdefault("query_type", rnd.choice(["bf16", "f16", "f32"]))
        c.setdefault("weight_type", rnd.choice(["bf16", "f16", "f32"]))
        c.setdefault("index_type", rnd.choice(["i64", "i32"]))
        c.setdefault("centroid_type", "bf16" if rnd.random() < 0.15 else "f32")
        c.setdefault("quantize", rnd.random() < 0.85)
        c.setdefault("batch", 0 if rnd.random() < 0.85 else rnd.choice([1, 2]))
        c["sink"] = rnd.choice([0, 16, 64, 128])
        c["window"] = rnd.choice([0, 16, 64, 128])
        c["heavy"] = rnd.choice([0, 16, 100, 256, 1024])
        c["init_offset"] = rnd.choice([c["sink"], 0, 32])
        c["build"] = i in BUILD_CORNERS or (i >= len(fixed) and i % 5 == 0)
        out.append(c)
    # After the drawn ones (so their names and variants stay put): the
    # index build's smallest codebooks, C = 4 and 8 (the assignment pads
    # C to a column tile of 8; the update runs fewer than 8 warps).
    common = dict(query_type="f32", weight_type="f32", index_type="i64",
                  centroid_type="f32", quantize=True, batch=0, sink=16, window=16,
                  heavy=16, init_offset=16, build=True)
    out.append(dict(common, heads=8, kv_heads=2, head_dim=64, subspaces=4, bits=2,
                    layout="compact", metric="euclidean", max_seq_len=2048))
    out.append(dict(common, heads=4, kv_heads=4, head_dim=32, subspaces=2, bits=3,
                    layout="seed", metric="ip", max_seq_len=4096, centroid_type="bf16"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default="build/gpu-bundles")
    ap.add_argument("--count", type=int, default=48)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--target", default="sm_90")
    ap.add_argument("--second-target", default="sm_80",
                    help="also compile every third configuration for this arch ('' for none)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    index = []
    for i, c in enumerate(configs(a.count, a.seed)):
        name = f"cfg{i:03d}"
        err = compile_bundle(a.build, name, c, a.out, a.target)
        if err:
            print(f"{name}: pq-compile failed or warned:\n{err}", file=sys.stderr)
            return 1
        index.append(dict(name=name, **c))
        if a.second_target and i % 3 == 0:
            name2 = f"{name}_{a.second_target.replace('_', '')}"
            err = compile_bundle(a.build, name2, c, a.out, a.second_target)
            if err:
                print(f"{name2}: pq-compile failed or warned:\n{err}", file=sys.stderr)
                return 1
            index.append(dict(name=name2, **c))
        if a.target == "sm_90" and i % 3 == 1:
            name3 = f"{name}_cl4"
            err = compile_bundle(a.build, name3, c, a.out, a.target, ["--cluster-size=4"])
            if err and "cannot keep this step's keys" not in err:
                print(f"{name3}: pq-compile failed or warned:\n{err}", file=sys.stderr)
                return 1
            if not err:
                index.append(dict(name=name3, **c))
        # The build's wgmma assignment (sm_90a; bf16 and f16 keys).
        if a.target == "sm_90" and c["build"] and c["query_type"] in ("bf16", "f16"):
            name5 = f"{name}_sm90a"
            err = compile_bundle(a.build, name5, c, a.out, "sm_90a")
            if err:
                print(f"{name5}: pq-compile failed or warned:\n{err}", file=sys.stderr)
                return 1
            index.append(dict(name=name5, **c))
        group = c["heads"] // c["kv_heads"]
        if a.target == "sm_90" and i % 3 == 2 and group > 1:
            groups = next(g for g in range(2, group + 1) if group % g == 0)
            name4 = f"{name}_rg{groups}"
            err = compile_bundle(a.build, name4, c, a.out, a.target,
                                 ["--cluster-size=4", f"--row-groups={groups}"])
            if err and "cannot keep this step's keys" not in err:
                print(f"{name4}: pq-compile failed or warned:\n{err}", file=sys.stderr)
                return 1
            if not err:
                index.append(dict(name=name4, **c))
    json.dump(index, open(os.path.join(a.out, "index.json"), "w"), indent=1)
    print(f"{len(index)} bundles in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
