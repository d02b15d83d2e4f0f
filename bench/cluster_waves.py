#!/usr/bin/env python3
"""How many waves a bundle's cluster kernels run in on this GPU: for every
clustered kernel, the clusters its grid launches at a batch against what the
driver says fit at once (cuOccupancyMaxActiveClusters with the kernel's
block, cluster and shared memory). A 16-CTA cluster places per GPC, so the
H200 holds fewer of them than SMs / 16 suggests; a grid of more clusters
than fit runs its last clusters in a second wave at the cost of a whole one.

  python3 bench/cluster_waves.py [--batch N] B.pqmod [B.pqmod ...]

Needs only the driver (libcuda.so.1, through ctypes): no libpqrt, no CuPy.
"""
import argparse
import ctypes as C
import math
import sys

from pqmod_file import image_bytes, read_bundle

FUNC_MAX_DYNAMIC_SHARED = 8          # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
FUNC_NON_PORTABLE_CLUSTER = 14       # CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED
LAUNCH_CLUSTER_DIMENSION = 4         # CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION


class LaunchAttribute(C.Structure):  # CUlaunchAttribute: id, pad, 64-byte value
    _fields_ = [("id", C.c_uint), ("pad", C.c_char * 4), ("value", C.c_uint * 16)]


class LaunchConfig(C.Structure):     # CUlaunchConfig
    _fields_ = [("grid", C.c_uint * 3), ("block", C.c_uint * 3), ("smem", C.c_uint),
                ("stream", C.c_void_p), ("attrs", C.POINTER(LaunchAttribute)),
                ("numAttrs", C.c_uint)]


class Driver:
    def __init__(self):
        self.cu = C.CDLL("libcuda.so.1")
        self.check(self.cu.cuInit(0), "cuInit")
        dev, ctx = C.c_int(), C.c_void_p()
        self.check(self.cu.cuDeviceGet(C.byref(dev), 0), "cuDeviceGet")
        self.check(self.cu.cuDevicePrimaryCtxRetain(C.byref(ctx), dev), "cuDevicePrimaryCtxRetain")
        self.check(self.cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        major, minor = C.c_int(), C.c_int()
        self.cu.cuDeviceGetAttribute(C.byref(major), 75, dev)  # compute capability
        self.cu.cuDeviceGetAttribute(C.byref(minor), 76, dev)
        self.arch = f"sm_{major.value}{minor.value}"

    def check(self, result, what):
        if result != 0:
            raise RuntimeError(f"{what} failed with CUresult {result}")

    def max_active_clusters(self, image, kernel):
        module, function = C.c_void_p(), C.c_void_p()
        self.check(self.cu.cuModuleLoadData(C.byref(module), image), "cuModuleLoadData")
        self.check(self.cu.cuModuleGetFunction(C.byref(function), module,
                                               kernel["name"].encode()), "cuModuleGetFunction")
        self.check(self.cu.cuFuncSetAttribute(function, FUNC_MAX_DYNAMIC_SHARED,
                                              kernel["smem"]), "cuFuncSetAttribute(smem)")
        self.check(self.cu.cuFuncSetAttribute(function, FUNC_NON_PORTABLE_CLUSTER, 1),
                   "cuFuncSetAttribute(non-portable cluster)")
        attribute = LaunchAttribute(id=LAUNCH_CLUSTER_DIMENSION)
        attribute.value[0:3] = kernel["cluster"]
        config = LaunchConfig(block=(C.c_uint * 3)(*kernel["block"]), smem=kernel["smem"],
                              attrs=C.pointer(attribute), numAttrs=1)
        config.grid[0:3] = [kernel["cluster"][0], 1, 1]
        count = C.c_int()
        self.check(self.cu.cuOccupancyMaxActiveClusters(C.byref(count), function,
                                                        C.byref(config)),
                   "cuOccupancyMaxActiveClusters")
        self.cu.cuModuleUnload(module)
        return count.value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundles", nargs="+")
    ap.add_argument("--batch", type=int, default=1, help="the grid's batch dimension (1)")
    a = ap.parse_args()
    driver = Driver()
    print(f"{'bundle / kernel':48} {'block':>5} {'cluster':>7} {'smem':>7} "
          f"{'clusters':>8} {'fit':>4} {'waves':>5}")
    for path in a.bundles:
        manifest, blobs = read_bundle(path)
        images = [im for im in manifest["images"]
                  if im["format"] == "cubin" and im["arch"] == driver.arch]
        if not images:
            print(f"{path}: no {driver.arch} cubin, skipped")
            continue
        image = image_bytes(blobs, images[0])
        for kernel in manifest["kernels"]:
            cluster = math.prod(kernel.get("cluster", [1, 1, 1]))
            if cluster <= 1:
                continue
            grid = math.prod(a.batch if d == "batch" else d for d in kernel["grid"])
            clusters = grid // cluster
            fit = driver.max_active_clusters(image, kernel)
            waves = math.ceil(clusters / fit) if fit else float("inf")
            print(f"{kernel['name']:48} {kernel['block'][0]:5} {cluster:7} {kernel['smem']:7} "
                  f"{clusters:8} {fit:4} {waves:5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
