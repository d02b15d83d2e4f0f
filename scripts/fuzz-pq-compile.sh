#!/usr/bin/env bash
# Quick black-box fuzz of pq-compile and pq-opt: malformed IR made by
# mutating examples/*.mlir (truncation, byte flips, deleted/duplicated/swapped
# lines, swapped element types, odd shapes and step settings, garbage tokens,
# deep nesting of modules, regions, attributes and types), well-formed steps
# with random extreme shapes and settings, bad command-line flags, and
# outputs that cannot be written (/dev/full, a directory, a missing
# directory, stdout on a full device). Every invocation runs under a timeout; the
# script fails if any crashes (killed by a signal / exit code >= 128, or a
# "PLEASE submit a bug report" / "Stack dump" / "LLVM ERROR" / assertion
# message) or hangs. Ordinary errors (exit 1 with a diagnostic) are the
# expected outcome for bad input.
#   scripts/fuzz-pq-compile.sh [BUILD_DIR]   default build
#   FUZZ_MUTANTS=N     mutants to try (default 300)
#   FUZZ_SEED=N        random seed (default 1; the run is reproducible)
#   FUZZ_TIMEOUT=S     seconds per invocation (default 60)
#   FUZZ_JOBS=N        parallel invocations (default: number of CPUs)
# Crashing inputs are kept in BUILD_DIR/fuzz-pq-compile/ with the command
# that crashed (crash-N.mlir, crash-N.cmd, crash-N.log).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
for tool in pq-compile pq-opt; do
  if [ ! -x "$build/bin/$tool" ]; then
    echo "fuzz-pq-compile: $build/bin/$tool not found; build it first" >&2
    exit 1
  fi
done
out="$build/fuzz-pq-compile"
rm -rf "$out"
mkdir -p "$out/mutants" "$out/outputs"

exec python3 - "$build/bin" "$out" \
  "${FUZZ_MUTANTS:-300}" "${FUZZ_SEED:-1}" "${FUZZ_TIMEOUT:-60}" \
  "${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}" examples/*.mlir <<'PYTHON'
import concurrent.futures
import os
import random
import re
import shlex
import subprocess
import sys
import time

bindir, out, mutants, seed, timeout, jobs = sys.argv[1:7]
mutants, seed, timeout, jobs = int(mutants), int(seed), int(timeout), int(jobs)
examples = sys.argv[7:]
rng = random.Random(seed)
sources = {path: open(path, "rb").read() for path in examples}

TYPES = [b"bf16", b"f16", b"f32", b"f64", b"i1", b"i8", b"ui8", b"i32",
         b"i64", b"index", b"si8", b"tf32", b"f8E4M3FN", b"complex<f32>"]
KEYWORDS = [(b"compact", b"seed"), (b"seed", b"compact"),
            (b"euclidean", b"ip"), (b"ip", b"euclidean"),
            (b"lowest_index", b"highest_index"), (b"pq.score", b"pq.topk"),
            (b"pq.quantize", b"pq.score"), (b"memref<", b"tensor<"),
            (b"step #step", b""), (b"seq_len", b"seq_len seq_len")]
GARBAGE = [b"{", b"}", b"(", b")", b"<", b">", b"%", b"#", b"\"", b"\x00",
           b"\xff", b"?", b"x", b":", b",", b"-1", b"0", b"99999999999999999999",
           b"// -----", b"^bb1:", b"\xe2\x82\xac", b"@", b"!llvm.ptr", b"\\"]


DEPTHS = [2, 64, 255, 256, 257, 1000, 5000, 40000]


def nest(text):
    """Deep nesting, which MLIR's recursive parser cannot take unchecked."""
    depth = rng.choice(DEPTHS)
    kind = rng.randrange(4)
    if kind == 0:  # the whole program inside nested modules
        return b"module {" * depth + text + b"}" * depth
    if kind == 1:  # a nested array attribute on the module
        return (b"module attributes {pq.deep = " + b"[" * depth + b"]" * depth +
                b"} {\n" + text + b"\n}")
    if kind == 2:  # a deeply nested type in a new function
        return text + (b"\nfunc.func private @deep(" + b"memref<" * depth +
                       b"f32" + b">" * depth + b")\n")
    # nested regions, closed or (sometimes) not
    close = b"}" * (depth if rng.random() < 0.8 else rng.randrange(depth))
    return text + (b"\nfunc.func @regions() {\n" +
                   b"scf.execute_region {\n" * depth + close + b"\n")


def mutate(text):
    ops = rng.randint(1, 3)
    for _ in range(ops):
        kind = rng.randrange(12)
        if kind == 0 and text:  # truncate
            text = text[: rng.randrange(len(text))]
        elif kind == 1 and text:  # flip bytes
            data = bytearray(text)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(data))
                data[i] ^= 1 << rng.randrange(8)
            text = bytes(data)
        elif kind == 2:  # delete lines
            lines = text.split(b"\n")
            if len(lines) > 1:
                del lines[rng.randrange(len(lines))]
            text = b"\n".join(lines)
        elif kind == 3:  # duplicate a line (two steps, redefinitions)
            lines = text.split(b"\n")
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            text = b"\n".join(lines)
        elif kind == 4:  # swap two lines
            lines = text.split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = b"\n".join(lines)
        elif kind == 5:  # swap element types
            old = rng.choice([t for t in TYPES if t in text] or [b"f32"])
            new = rng.choice(TYPES)
            text = text.replace(old, new, rng.choice([1, -1]))
        elif kind == 6:  # shapes: change, zero, huge or dynamic dims
            dims = [m for m in re.finditer(rb"(?<=[<x])(\d+|\?)(?=x)", text)]
            if dims:
                m = rng.choice(dims)
                new = rng.choice([b"0", b"1", b"3", b"7", b"?", b"2147483648",
                                  b"4096", str(rng.randint(1, 600)).encode()])
                text = text[: m.start()] + new + text[m.end():]
        elif kind == 7:  # step settings
            fields = list(re.finditer(rb"(sink|window|heavy|init_offset|bits) = (-?\d+)", text))
            if fields:
                m = rng.choice(fields)
                new = rng.choice([b"0", b"-1", b"1", b"9", b"32", b"64",
                                  b"65536", b"9223372036854775807",
                                  str(rng.randint(1, 5000)).encode()])
                text = text[: m.start(2)] + new + text[m.end(2):]
        elif kind == 8:  # keywords
            old, new = rng.choice(KEYWORDS)
            text = text.replace(old, new, 1)
        elif kind == 10:
            text = nest(text)
        elif kind == 9:  # garbage token
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(GARBAGE) + text[i:]
        else:  # drop or duplicate an operand / type in a list
            commas = [m.start() for m in re.finditer(rb", ", text)]
            if commas:
                i = rng.choice(commas)
                j = text.find(b",", i + 2)
                if j > 0 and rng.random() < 0.5:
                    text = text[:i] + text[j:]
                elif j > 0:
                    text = text[:j] + text[i:j] + text[j:]
    return text


def generate():
    """A well-formed step with random (often extreme) shapes and settings."""
    kv = rng.choice([1, 1, 2, 3, 4, 8, 32])
    group = rng.choice([1, 1, 2, 4, 7, 8, 16, 64])
    heads = kv * group
    subspaces = rng.choice([1, 2, 3, 4, 8])
    head_dim = subspaces * rng.choice([1, 2, 8, 32, 64])
    bits = rng.choice([1, 2, 4, 6, 8, 8, 9, 10, 12])
    metric = rng.choice(["euclidean", "ip"])
    layout = rng.choice(["compact", "seed"])
    with_key = rng.random() < 0.7
    batch = rng.choice(["?", "?", "1", "3"])
    qt = rng.choice(["bf16", "f16", "f32"])
    ct = rng.choice(["bf16", "f32"])
    it = rng.choice(["i32", "i64"])
    wt = rng.choice(["bf16", "f16", "f32"])
    step = "#pq.step<sink = %d, window = %d, heavy = %d, init_offset = %d, bits = %d, metric = %s>" % (
        rng.choice([0, 1, 4, 128, 5000]), rng.choice([0, 1, 4, 128, 5000]),
        rng.choice([0, 1, 2, 256, 1024, 4096, 100000]),
        rng.choice([0, 1, 128, 4096]), bits, metric)
    cd = head_dim // subspaces + (1 if metric == "ip" else 0)
    b = batch
    q = "memref<%sx%dx1x%dx%s>" % (b, heads, head_dim, qt)
    k = "memref<%sx%dx?x%dx%s>" % (b, kv, head_dim, qt)
    c = "memref<%sx%dx%dx%dx%dx%s>" % (b, kv, subspaces, 1 << bits, cd, ct)
    phi = "memref<%dxf32>" % (kv * subspaces)
    if layout == "seed":
        codes = "memref<%sx?x%dx%dxi64>" % (b, kv, subspaces)
    else:
        codes = "memref<%sx%dx?x%dxui8>" % (b, kv, subspaces)
    l = "memref<%sx%dx?x%s>" % (b, heads, it)
    ln = "memref<%sx%dxi64>" % (b, heads)
    w = "memref<%sx%dx?x%s>" % (b, heads, wt)
    args = ["%%q: %s" % q, "%%k: %s" % k, "%%c: %s" % c, "%%phi: %s" % phi,
            "%%codes: %s" % codes, "%nc: index", "%sk: index",
            "%%l: %s" % l, "%%len: %s" % ln, "%%w: %s" % w]
    body = []
    if with_key:
        phi_part = (" phi %phi" if metric == "ip" else "")
        phi_type = (", %s" % phi if metric == "ip" else "")
        body.append("  %%n = pq.quantize %%k, %%c%s into %%codes[%%nc] seq_len %%sk step #step layout %s : %s, %s%s into %s" % (
            phi_part, layout, k, c, phi_type, codes))
        count = "%n"
    else:
        count = "%nc"
    body.append("  %%s = pq.score %%q, %%c, %%codes[%s] seq_len %%sk step #step layout %s : %s, %s, %s -> memref<%sx%dx?xf32>" % (
        count, layout, q, c, codes, b, heads))
    body.append("  %%h = pq.topk %%s seq_len %%sk step #step tie lowest_index : memref<%sx%dx?xf32> -> memref<%sx%dx?xi32>" % (b, heads, b, heads))
    body.append("  pq.gen_indices %%h seq_len %%sk step #step outs(%%l, %%len, %%w) : memref<%sx%dx?xi32>, %s, %s, %s" % (b, heads, l, ln, w))
    body.append("  return %s : index" % count)
    text = "#step = %s\nfunc.func @gen(%s) -> index {\n%s\n}\n" % (
        step, ", ".join(args), "\n".join(body))
    return text.encode()


def output_path():
    """Mostly the null device; sometimes one that cannot be written."""
    return rng.choice([os.devnull] * 6 + [
        "/dev/full", "/", os.path.join(out, "no-such-dir", "x.out"), "-",
        os.path.join(out, "outputs", "%d.out" % rng.randrange(1 << 30))])


def tool_commands(path):
    target = rng.choice(["sm_80", "sm_86", "sm_89", "sm_90"])
    seq = rng.choice(["1", "128", "4096", "131072", "1048576"])
    emit = rng.choice(["mlir", "llvm", "ptx", "bundle"])
    return [
        [f"{bindir}/pq-compile", path, f"--target={target}",
         f"--max-seq-len={seq}", f"--emit={emit}", "--no-cubin",
         "-o", output_path()],
        [f"{bindir}/pq-opt", path, "--pq-fuse",
         f"--pq-tile=target={target} max-seq-len={seq}",
         "--convert-pq-to-gpu", "-o", output_path()],
    ]


def flag_commands():
    good = examples[0]
    pqc = f"{bindir}/pq-compile"
    pqo = f"{bindir}/pq-opt"
    bad = [
        [pqc, good], [pqc, good, "--target="], [pqc, good, "--target=sm_"],
        [pqc, good, "--target=sm_80", "--target=sm_80"],
        [pqc, good, "--target=sm_90", "--target=sm_80", "--target=sm_86",
         "--target=sm_89", "--no-cubin", "-o", os.devnull],
        [pqc, good, "--target=sm_80", "--max-seq-len=0"],
        [pqc, good, "--target=sm_80", "--max-seq-len=-1"],
        [pqc, good, "--target=sm_80", "--max-seq-len=9223372036854775807",
         "-o", os.devnull],
        [pqc, good, "--target=sm_80", "--max-seq-len=99999999999999999999"],
        [pqc, good, "--target=sm_80", "--max-seq-len=1", "-o", os.devnull],
        [pqc, good, "--target=sm_80", "--max-seq-len=2147483648",
         "--emit=mlir", "-o", os.devnull],
        [pqc, good, "--target=sm_80", "--emit="],
        [pqc, good, "--target=sm_80", "--emit=bogus"],
        [pqc, good, "--target=sm_80", "--ptxas=/dev/null"],
        [pqc, good, "--target=sm_80", "--ptxas=/bin/false"],
        [pqc, good, "--target=sm_80", "--ptxas=/bin/true", "-o", os.devnull],
        [pqc, good, "--target=sm_80", "-o", "/"],
        [pqc, good, "--target=sm_80", "-o", "/proc/nonexistent/x"],
        [pqc, "/dev/null", "--target=sm_80"],
        [pqc, "/", "--target=sm_80"],
        [pqc, "/nonexistent.mlir", "--target=sm_80"],
        [pqc, good, good, "--target=sm_80"],
        [pqc, "--target=sm_80", "--print-pipeline", "--emit=llvm"],
        [pqc, "--help"], [pqc, "--version"],
        [pqc, good, "--target=sm_80", "--mlir-pass-statistics",
         "--mlir-timing", "-o", os.devnull],
        [pqc, good, "--target=sm_80", "--mlir-print-ir-after-failure",
         "--max-seq-len=1", "-o", os.devnull],
        [pqo, good, "--pq-tile"], [pqo, good, "--pq-tile=target=sm_70"],
        [pqo, good, "--pq-tile=target=sm_80 max-seq-len=0"],
        [pqo, good, "--pq-tile=target=sm_80 max-seq-len=-5"],
        [pqo, good, "--convert-pq-to-gpu"],
        [pqo, good, "--pq-fuse", "--convert-pq-to-gpu"],
        [pqo, good, "--pq-lower-to-ptx=target=sm_80 max-seq-len=1"],
        [pqo, good, "--pq-lower-to-nvvm=target=bogus"],
        [pqo, good, "--pq-lower-to-nvvm"],
        [pqo, good, "--pq-tile=target=sm_80", "--pq-tile=target=sm_90",
         "--convert-pq-to-gpu", "--convert-pq-to-gpu"],
        [pqo, good, "--pq-fuse", "--pq-tile=target=sm_80",
         "--convert-pq-to-gpu", "--pq-fuse", "--pq-tile=target=sm_90"],
        [pqc, good, "--target=sm_80", "--no-cubin", "-o", "/dev/full"],
        [pqc, good, "--target=sm_80", "--emit=mlir", "-o", "/dev/full"],
        [pqc, good, "--target=sm_80", "--emit=ptx", "-o", "-", ">/dev/full"],
        [pqc, "--target=sm_80", "--print-pipeline", ">/dev/full"],
        [pqo, good, "-o", "/dev/full"], [pqo, good, ">/dev/full"],
        [pqo, "--show-dialects", ">/dev/full"],
        [pqo, good, "-o", os.path.join(out, "no-such-dir", "x.mlir")],
    ]
    return bad


CRASH = re.compile(rb"PLEASE submit a bug report|Stack dump|LLVM ERROR|"
                   rb"Assertion .* failed|UNREACHABLE executed|"
                   rb"AddressSanitizer|runtime error:")


def run(cmd):
    # ">FILE" as the last word sends stdout there (stderr is still read).
    stdout = None
    if cmd[-1].startswith(">"):
        cmd, stdout = cmd[:-1], open(cmd[-1][1:], "wb")
    # A rebuild of the tools while the fuzzer runs briefly removes them.
    for attempt in range(10):
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                                  stdout=stdout or subprocess.PIPE,
                                  stderr=subprocess.STDOUT if not stdout
                                  else subprocess.PIPE, timeout=timeout)
            if stdout:
                stdout.close()
                proc.stdout = proc.stderr
            break
        except subprocess.TimeoutExpired as e:
            return "hang", (e.output or b"")[-4000:]
        except OSError as e:
            error = e
            time.sleep(1)
    else:
        return "unrunnable", str(error).encode()
    output = proc.stdout
    if proc.returncode < 0 or proc.returncode >= 128:
        return "crash (exit %d)" % proc.returncode, output[-4000:]
    if CRASH.search(output):
        return "crash (message, exit %d)" % proc.returncode, output[-4000:]
    return ("ok" if proc.returncode == 0 else "error"), b""


jobs_list = []
for cmd in flag_commands():
    jobs_list.append((None, cmd))
for n in range(mutants):
    path = os.path.join(out, "mutants", "m%04d.mlir" % n)
    # A third are well-formed steps with random shapes and settings, some
    # of them lightly mutated; the rest mutate the examples.
    if n % 3 == 2:
        text = generate()
        if rng.random() < 0.3:
            text = mutate(text)
    else:
        text = mutate(sources[rng.choice(examples)])
    with open(path, "wb") as f:
        f.write(text)
    for cmd in tool_commands(path):
        jobs_list.append((path, cmd))

counts = {}
failures = []
with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
    results = pool.map(lambda job: (job, run(job[1])), jobs_list)
    for (path, cmd), (verdict, log) in results:
        key = verdict.split(" ")[0]
        counts[key] = counts.get(key, 0) + 1
        if key in ("ok", "error"):
            continue
        n = len(failures)
        failures.append((verdict, path, cmd))
        base = os.path.join(out, "crash-%d" % n)
        if path:
            with open(path, "rb") as src, open(base + ".mlir", "wb") as dst:
                dst.write(src.read())
            cmd = [base + ".mlir" if c == path else c for c in cmd]
        with open(base + ".cmd", "w") as f:
            f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
        with open(base + ".log", "wb") as f:
            f.write(log)
        print("fuzz-pq-compile: %s: %s" % (verdict, " ".join(map(shlex.quote, cmd))))

print("fuzz-pq-compile: %d invocations (%d mutants, seed %d): %s" % (
    len(jobs_list), mutants, seed,
    ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
if failures:
    print("fuzz-pq-compile: FAIL: %d crashes or hangs; inputs in %s" %
          (len(failures), out))
    sys.exit(1)
print("fuzz-pq-compile: PASS")
PYTHON
