#!/usr/bin/env python3
"""Prints a .pqmod bundle (docs/BUNDLE.md) one fact per line for FileCheck.

Checks what the runtime would reject: the magic, the manifest length, every
image inside the file and the FNV-1a 64 content hash over the image section.
A violation prints `error: ...` and exits 1.
"""

import json
import struct
import sys


def fail(message):
    print("error: " + message)
    sys.exit(1)


def fnv1a64(data):
    value = 0xCBF29CE484222325
    for byte in data:
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "fnv1a64:%016x" % value


def grid(extents):
    return "[" + ", ".join(str(e) for e in extents) + "]"


def main(path):
    data = open(path, "rb").read()
    if data[:8] != b"PQMOD01\n":
        fail("bad magic %r" % data[:8])
    print("magic: PQMOD01")
    if len(data) < 16:
        fail("truncated header")
    (length,) = struct.unpack("<Q", data[8:16])
    if 16 + length > len(data):
        fail("manifest length %d past the end of the file" % length)
    manifest = json.loads(data[16 : 16 + length].decode("utf-8"))
    section = data[16 + length :]

    for key in ("format", "version", "producer", "entry", "strategy",
                "workspace_bytes_per_batch"):
        print("%s: %s" % (key, manifest[key]))
    for key, value in sorted(manifest["step"].items()):
        print("step.%s: %s" % (key, json.dumps(value)))
    for index, param in enumerate(manifest["params"]):
        print("param %d: %s %s" % (index, param["name"], param["kind"]))
    for kernel in manifest["kernels"]:
        print("kernel %s grid=%s block=%s smem=%d cluster=%s" % (
            kernel["name"], grid(kernel["grid"]), grid(kernel["block"]),
            kernel["smem"], grid(kernel["cluster"])))
        if "phase_timers" in kernel:
            print("kernel %s phase_timers: %s" % (
                kernel["name"], " ".join(kernel["phase_timers"])))

    end = 0
    for index, image in enumerate(manifest["images"]):
        offset, size = image["offset"], image["size"]
        if offset < 0 or size <= 0 or offset + size > len(section):
            fail("image %d [%d, %d) outside the image section (%d bytes)" %
                 (index, offset, offset + size, len(section)))
        end = max(end, offset + size)
        body = section[offset : offset + size]
        if image["format"] == "ptx":
            text = body.decode("utf-8")
            targets = [l for l in text.splitlines() if l.startswith(".target")]
            what = targets[0] if targets else "no .target"
        elif body[:4] == b"\x7fELF":
            what = "elf"
        else:
            what = "not elf"
        print("image %d: %s %s %s" % (index, image["arch"], image["format"],
                                      what))
    if end != len(section):
        fail("image section has %d bytes, images cover %d" %
             (len(section), end))

    expected = fnv1a64(section)
    recorded = manifest["content_hash"]
    print("content_hash: %s %s" % (recorded[:8],
                                   "ok" if recorded == expected else
                                   "MISMATCH (expected %s)" % expected))


if __name__ == "__main__":
    main(sys.argv[1])
