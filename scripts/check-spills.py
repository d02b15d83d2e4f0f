#!/usr/bin/env python3
"""Runs ptxas -v over every PTX image of .pqmod bundles and reports kernels
that spill or keep a stack frame: a spill in a hot loop costs more than the
instructions a kernel change saves, so kernel changes are checked over the
GPU suite's bundles (build-dev/gpu-bundles) before they go to the device.

  scripts/check-spills.py [--ptxas PATH] BUNDLE_OR_DIR [...]

Exit status 1 when any kernel spills, 2 on a bundle or ptxas error.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from pqmod_file import image_bytes, read_bundle  # noqa: E402

FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
FUNCTION = re.compile(r"Compiling entry function '([^']+)'")


def ptx_images(path):
    manifest, section = read_bundle(path)
    for image in manifest["images"]:
        if image["format"] == "ptx":
            yield image["arch"], image_bytes(section, image)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--ptxas", default=os.environ.get("PTXAS") or shutil.which("ptxas")
                    or "/usr/local/cuda/bin/ptxas")
    a = ap.parse_args()
    bundles = []
    for path in a.paths:
        bundles += sorted(glob.glob(os.path.join(path, "*.pqmod"))) if os.path.isdir(path) else [path]
    spills, kernels = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for bundle in bundles:
            try:
                images = list(ptx_images(bundle))
            except (OSError, ValueError, KeyError) as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
            for arch, ptx in images:
                src = os.path.join(tmp, "k.ptx")
                open(src, "wb").write(ptx)
                r = subprocess.run([a.ptxas, f"-arch={arch}", "-v", src, "-o", os.devnull],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"error: ptxas on {bundle} ({arch}):\n{r.stderr}", file=sys.stderr)
                    return 2
                name = "?"
                for line in r.stderr.splitlines():
                    if (m := FUNCTION.search(line)):
                        name = m.group(1)
                    elif (m := FRAME.search(line)):
                        kernels += 1
                        if any(int(v) for v in m.groups()):
                            spills.append(f"{os.path.basename(bundle)} {arch} {name}: {m.group(0)}")
    for line in spills:
        print(line)
    print(f"{kernels} kernels in {len(bundles)} bundles: {len(spills)} spill or keep a stack frame")
    return 1 if spills else 0


if __name__ == "__main__":
    sys.exit(main())
