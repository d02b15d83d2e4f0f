"""Reads a .pqmod bundle (docs/BUNDLE.md) with the standard library only,
so the scripts that time, profile or check bundles share one reader
(bundle_smoke.py and its users, cluster_waves.py, scripts/check-spills.py);
test/tools/pq-compile/Inputs/pqmod.py stays separate on purpose: it checks
what pq-compile writes."""
import json
import struct

MAGIC = b"PQMOD01\n"


def read_bundle(path):
    """(manifest, image section) of the bundle at `path`."""
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        raise ValueError(f"{path}: not a pqmod bundle")
    (length,) = struct.unpack("<Q", data[8:16])
    return json.loads(data[16:16 + length]), data[16 + length:]


def image_bytes(section, image):
    """The bytes of one "images" entry of the manifest."""
    return section[image["offset"]:image["offset"] + image["size"]]
