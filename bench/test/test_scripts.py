#!/usr/bin/env python3
"""The benchmark's scripts without a GPU (ctest pq-bench.scripts):
compare.py and plot_sweep.py on JSON written by pq-bench's own writer
(pq-bench-sample-json), make-bench-bundles.py with a stand-in pq-compile,
and bench/run.sh end to end with a stand-in pq-bench.

  python3 bench/test/test_scripts.py PATH/TO/pq-bench-sample-json
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "bench")
SAMPLE = None  # pq-bench-sample-json, from the command line

ANCHOR = dict(device="synthetic", copy_bw_tbps=4.0, rows=[
    dict(shape="seed", triton_wall_us=127.0, triton_graph_stream_us=64.0,
         imperative_wall_us=381.0, triton_matches_imperative=True),
    dict(shape="gqa16k", triton_wall_us=603.0, triton_graph_stream_us=529.0,
         imperative_wall_us=518.0, triton_matches_imperative=False)])
TOPK = dict(device="synthetic", rows=[
    dict(shape="seed", b=1, h=32, n=3968, k=256, topk_us=28.5, topk_sorted_us=30.0),
    dict(shape="gqa16k", b=8, h=32, n=16256, k=1024, topk_us=107.25, topk_sorted_us=120.0)])


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def have_matplotlib():
    return run([sys.executable, "-c", "import matplotlib"]).returncode == 0


class Reports(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.table = os.path.join(self.dir, "pq_bench.json")
        self.sweep = os.path.join(self.dir, "sweep.json")
        r = run([SAMPLE, self.table, self.sweep])
        self.assertEqual(r.returncode, 0, r.stderr)
        for name, doc in (("anchor.json", ANCHOR), ("topk.json", TOPK)):
            with open(os.path.join(self.dir, name), "w") as f:
                json.dump(doc, f)

    def tearDown(self):
        self.tmp.cleanup()

    def compare(self, *extra):
        r = run([sys.executable, os.path.join(BENCH, "compare.py"), self.table, *extra])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    @staticmethod
    def rows_of(text, first_cell):
        return [line.split(" | ") for line in text.splitlines()
                if line.startswith(f"| {first_cell} |")]

    def test_side_by_side_has_the_new_columns(self):
        out = self.compare(os.path.join(self.dir, "anchor.json"),
                           "--topk", os.path.join(self.dir, "topk.json"))
        header = out.splitlines()[[l.startswith("| shape |") for l in out.splitlines()].index(True)]
        for column in ("pq gpu", "pq wall", "pq graph", "+1 key", "+64 keys", "launch ratio",
                       "topk", "triton wall", "triton graph stream", "imperative", "floor",
                       "x floor", "vs triton"):
            self.assertIn(f" {column} |", header)
        names = [c.strip() for c in header.strip("|").split("|")]
        seed = self.rows_of(out, "seed")[0]
        cell = lambda row, name: row[names.index(name)].strip(" |")  # noqa: E731
        # The sample: floor = 8 * 16384 * 100 B at 4 TB/s = 3.2768 us,
        # gpu = 5 + 3 floor + k / 2, wall = gpu + 6, minimal 3 / 8.
        self.assertEqual(cell(seed, "pq gpu"), "14.8")
        self.assertEqual(cell(seed, "+1 key"), "15.3")
        self.assertEqual(cell(seed, "+64 keys"), "46.8")
        self.assertEqual(cell(seed, "launch ratio"), "1.20")
        self.assertEqual(cell(seed, "topk"), "28.5")
        self.assertEqual(cell(seed, "triton graph stream"), "64.0")
        self.assertEqual(cell(seed, "floor"), "3.28")
        gqa = self.rows_of(out, "gqa16k")
        self.assertEqual(cell(gqa[1], "topk"), "107.2")
        self.assertEqual(cell(gqa[1], "check"), "FAIL")
        self.assertIn("- gqa16k_compact (1 new key): check_message: first run: made up", out)
        self.assertIn("- anchor gqa16k: triton does not match imperative", out)
        # Table 2: the cost of new keys and the launch overheads.
        self.assertIn("+1 key (<= 1)", out)
        self.assertIn("+64 keys (<= 3)", out)
        detail = [r for r in self.rows_of(out, "seed") if "/" in r[2]][0]
        self.assertEqual(detail[2].strip(), "14.8 / 15.3 / 46.8")
        self.assertEqual(detail[5].strip(), "0.5")   # +1 key
        self.assertEqual(detail[6].strip(), "32.0")  # +64 keys
        self.assertEqual(detail[7].strip(), "-")  # host enqueue: not in this JSON
        self.assertEqual(detail[9].strip(), "3.0 / 8.0")

    def test_without_anchor_or_topk(self):
        out = self.compare()
        self.assertIn("Anchor: not available", out)
        self.assertIn("topk: not available", out)
        seed = self.rows_of(out, "seed")[0]
        self.assertEqual(seed[10].strip(), "-")  # topk

    def test_sweep_table_and_plot(self):
        png = os.path.join(self.dir, "sweep.png")
        r = run([sys.executable, os.path.join(BENCH, "plot_sweep.py"), self.sweep,
                 "--png", png])
        out = r.stdout
        self.assertIn("sk (b = 1):", out)
        self.assertIn("b (sk = 16384):", out)
        self.assertEqual(len(self.rows_of(out, "1")), 7 + 1)  # sk series + b = 1
        b64 = self.rows_of(out, "64")[0]
        self.assertEqual(b64[-1].strip(" |"), "1.00")  # floor slope: linear in b
        if have_matplotlib():
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        else:
            self.assertEqual(r.returncode, 1)
            self.assertIn("pip install matplotlib", r.stderr)


class BundleIndex(unittest.TestCase):
    def test_sweep_and_table_indexes(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = os.path.join(tmp, "bin", "pq-compile")
            os.makedirs(os.path.dirname(fake))
            with open(fake, "w") as f:  # records its arguments, writes -o
                f.write('#!/bin/sh\necho "$@" >> "$(dirname "$0")/calls"\n'
                        'while [ $# -gt 1 ]; do [ "$1" = -o ] && : > "$2"; shift; done\n')
            os.chmod(fake, 0o755)
            out = os.path.join(tmp, "bundles")
            r = run([sys.executable, os.path.join(ROOT, "scripts", "make-bench-bundles.py"),
                     "--build", tmp, "--out", out])
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "index.json")) as f:
                table = json.load(f)
            with open(os.path.join(out, "sweep.json")) as f:
                sweep = json.load(f)
            self.assertEqual(len(table), 8)
            for e in table + sweep:
                self.assertTrue(os.path.exists(
                    os.path.join(out, e.get("bundle", e["name"]) + ".pqmod")), e["name"])
            sk = [e for e in sweep if e["series"] == "sk"]
            b = [e for e in sweep if e["series"] == "b"]
            self.assertEqual([e["bench_seq_len"] for e in sk], [4096 << i for i in range(7)])
            self.assertTrue(all(e["bench_batch"] == 1 and e["max_seq_len"] == e["bench_seq_len"]
                                for e in sk))
            self.assertEqual([e["bench_batch"] for e in b], [1 << i for i in range(7)])
            self.assertEqual({e["bundle"] for e in b}, {"sweep_sk16384"})
            with open(os.path.join(tmp, "bin", "calls")) as f:
                calls = f.read()
            self.assertIn("sweep_sk262144.mlir --target=sm_90 --max-seq-len=262144", calls)
            # The index build's bundles are compiled for the wgmma target.
            self.assertIn("kmeans_s4b8_128k.mlir --target=sm_90a --max-seq-len=131072", calls)


    def test_tilings_skip_what_does_not_fit(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = os.path.join(tmp, "bin", "pq-compile")
            os.makedirs(os.path.dirname(fake))
            with open(fake, "w") as f:  # refuses 8-CTA clusters, writes -o otherwise
                f.write('#!/bin/sh\ncase "$*" in *--cluster-size=8*) echo "no fit" >&2; exit 1;; esac\n'
                        'while [ $# -gt 1 ]; do [ "$1" = -o ] && : > "$2"; shift; done\n')
            os.chmod(fake, 0o755)
            out = os.path.join(tmp, "bundles")
            r = run([sys.executable, os.path.join(ROOT, "scripts", "make-bench-bundles.py"),
                     "--build", tmp, "--out", out, "--no-sweep", "--no-build", "--tilings"])
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "tilings.json")) as f:
                names = [e["name"] for e in json.load(f)]
            self.assertIn("long128k_compact_q0_g0", names)
            self.assertIn("long128k_compact_q16_g4", names)
            self.assertNotIn("long128k_compact_q8_g4", names)
            self.assertIn("long128k_compact_q8_g4 does not fit, skipped", r.stdout)
            for name in names:
                self.assertTrue(os.path.exists(os.path.join(out, name + ".pqmod")), name)


def write_bundle(path, images):
    """A .pqmod with the given (arch, format, bytes) images (docs/BUNDLE.md)."""
    section, entries = b"", []
    for arch, fmt, body in images:
        entries.append(dict(arch=arch, format=fmt, offset=len(section), size=len(body)))
        section += body
    manifest = json.dumps(dict(images=entries)).encode()
    with open(path, "wb") as f:
        f.write(b"PQMOD01\n" + len(manifest).to_bytes(8, "little") + manifest + section)


class SpillCheck(unittest.TestCase):
    """scripts/check-spills.py with a stand-in ptxas: spills fail, clean passes."""

    def check(self, kernels):
        with tempfile.TemporaryDirectory() as tmp:
            ptxas = os.path.join(tmp, "ptxas")
            with open(ptxas, "w") as f:  # one report per ".entry NAME SPILL" line
                f.write('#!/bin/sh\nfor a; do case "$a" in *.ptx) src=$a;; esac; done\n'
                        'grep "^.entry" "$src" | while read -r _ name spill; do\n'
                        '  echo "ptxas info    : Compiling entry function \'$name\' for \'sm_90\'" >&2\n'
                        '  echo "    0 bytes stack frame, $spill bytes spill stores, $spill bytes spill loads" >&2\n'
                        'done\n')
            os.chmod(ptxas, 0o755)
            ptx = "".join(f".entry {name} {spill}\n" for name, spill in kernels).encode()
            bundle = os.path.join(tmp, "k.pqmod")
            write_bundle(bundle, [("sm_90", "ptx", ptx), ("sm_90", "cubin", b"\x7fELF")])
            return run([sys.executable, os.path.join(ROOT, "scripts", "check-spills.py"),
                        "--ptxas", ptxas, tmp])

    def test_clean(self):
        r = self.check([("a_row", 0), ("a_cluster", 0)])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("2 kernels in 1 bundles: 0 spill", r.stdout)

    def test_spill_fails_naming_the_kernel(self):
        r = self.check([("a_row", 0), ("a_cluster", 24)])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("k.pqmod sm_90 a_cluster: 0 bytes stack frame, 24 bytes spill stores", r.stdout)


class PhaseTimers(unittest.TestCase):
    """bench/phase_timers.py's region and phase arithmetic (no GPU)."""

    def setUp(self):
        sys.path.insert(0, BENCH)
        import phase_timers
        self.pt = phase_timers

    def test_region_follows_the_step_rows(self):
        kernel = dict(phase_timers=["start", "scored", "end"], grid=[4, "batch", 1])
        manifest = dict(workspace_bytes_per_batch=1000 + 8 * 4 * 3)
        self.assertEqual(self.pt.timer_region(manifest, kernel, 2),
                         (2 * 1000 // 8, 8, ["start", "scored", "end"]))

    def test_phases_skip_marks_never_reached(self):
        rows = self.pt.phases([[10, 12, 0], [15, 20, 0], [0, 30, 0]])
        self.assertEqual(rows, [([0, 2], []), ([5, 10], [5, 8]), ([20], [10])])
        with self.assertRaises(ValueError):
            self.pt.phases([[0, 0], [5, 6]])


class RunScript(unittest.TestCase):
    """bench/run.sh with a stand-in pq-bench writing the sample JSON."""

    def test_packs_results(self):
        with tempfile.TemporaryDirectory() as tmp:
            build, dev, out = (os.path.join(tmp, d) for d in ("build", "dev", "out"))
            os.makedirs(os.path.join(build, "bin"))
            os.makedirs(os.path.join(dev, "bench-bundles"))
            for name in ("index.json", "sweep.json"):
                with open(os.path.join(dev, "bench-bundles", name), "w") as f:
                    f.write("[]")
            fake = os.path.join(build, "bin", "pq-bench")
            with open(fake, "w") as f:
                f.write(f'#!/bin/sh\nindex=$1\n'
                        f'while [ $# -gt 1 ]; do [ "$1" = --json ] && json=$2; shift; done\n'
                        f'"{SAMPLE}" "$json.table" "$json.sweep" || exit 1\n'
                        f'case "$index" in *sweep.json) mv "$json.sweep" "$json";; '
                        f'*) mv "$json.table" "$json";; esac\necho "fake pq-bench $index"\n')
            os.chmod(fake, 0o755)
            anchor = os.path.join(tmp, "anchor.json")
            with open(anchor, "w") as f:
                json.dump(ANCHOR, f)
            env = dict(os.environ, OUT=out, PARTS="table sweep", ANCHOR_JSON=anchor)
            r = run(["bash", os.path.join(BENCH, "run.sh"), build, dev], env=env)
            self.assertEqual(r.returncode, 0 if have_matplotlib() else 1, r.stdout + r.stderr)
            files = sorted(os.listdir(out))
            expected = ["bench-results.tar.gz", "compare.md"] + \
                (["sweep.png"] if have_matplotlib() else [])
            self.assertEqual(files, expected)
            with open(os.path.join(out, "compare.md")) as f:
                compare = f.read()
            self.assertIn("| seed | compact |", compare)
            self.assertIn("b (sk = 16384):", compare)
            with tarfile.open(os.path.join(out, "bench-results.tar.gz")) as t:
                names = {os.path.basename(n) for n in t.getnames()}
            for name in ("run.log", "pq_bench.json", "pq_bench.txt", "sweep.json",
                         "sweep.md", "anchor.json", "compare.md"):
                self.assertIn(name, names)
            self.assertIn("| seed | seed |", r.stdout)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    SAMPLE = os.path.abspath(sys.argv.pop(1))
    unittest.main()
