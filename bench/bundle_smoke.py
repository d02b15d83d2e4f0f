#!/usr/bin/env python3
"""Loads .pqmod bundles with CuPy and checks their kernels against a PyTorch
transcription of SEMANTICS.md on random inputs (many exact ties included).

A quick device-side check of generated code that needs neither libpqrt nor a
host build: usage  python3 bench/bundle_smoke.py B.pqmod [B.pqmod ...]
"""
import sys

import cupy as cp
import numpy as np
import torch

from pqmod_file import image_bytes, read_bundle  # noqa: F401 (read_bundle: bundle_time.py and phase_timers.py import it from here)

NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14  # CU_FUNC_ATTRIBUTE_...

DT = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16,
      "i32": torch.int32, "i64": torch.int64}


def load_module(manifest, images, arch):
    """The cubin for this arch, else the newest PTX not above it (JIT)."""
    num = lambda a: int(a[3:])
    cubins = [im for im in manifest["images"] if im["format"] == "cubin" and im["arch"] == arch]
    ptxs = sorted((im for im in manifest["images"]
                   if im["format"] == "ptx" and num(im["arch"]) <= num(arch)),
                  key=lambda im: num(im["arch"]))
    chosen = cubins[0] if cubins else (ptxs[-1] if ptxs else None)
    assert chosen, f"no image for {arch}"
    blob = image_bytes(images, chosen)
    suffix = ".cubin" if chosen["format"] == "cubin" else ".ptx"
    # CuPy caches modules by path: one file per bundle.
    path = f"/tmp/pq_smoke_{manifest['entry']}_{manifest['content_hash'][8:]}{suffix}"
    open(path, "wb").write(blob)
    return cp.RawModule(path=path), chosen["format"]


def make_inputs(st, batch, sk, n_cached, ties, gen):
    h, hk, d, S, C = st["heads"], st["kv_heads"], st["head_dim"], st["subspaces"], 1 << st["bits"]
    ds = d // S
    ip = st["metric"] == "ip"
    width = ds + (1 if ip else 0)
    cap = sk + 7
    n = sk - st["init_offset"]
    qt = DT[st["query_type"]]
    if ties:  # few distinct centroids and codes: many exactly equal scores
        cent = torch.randint(-2, 3, (batch, hk, S, C, width), generator=gen).float() * 0.5
        q = torch.randint(-2, 3, (batch, h, 1, d), generator=gen).float()
        k = torch.randint(-2, 3, (batch, hk, cap, d), generator=gen).float() * 0.5
        codes = torch.randint(0, min(C, 3), (batch, hk, max(n, 1), S), generator=gen)
    else:
        cent = torch.randn(batch, hk, S, C, width, generator=gen)
        q = torch.randn(batch, h, 1, d, generator=gen)
        k = torch.randn(batch, hk, cap, d, generator=gen)
        codes = torch.randint(0, C, (batch, hk, max(n, 1), S), generator=gen)
    phi = (torch.rand(batch * hk * S, generator=gen) * 40.0) if ip else None
    return dict(q=q.to(qt), k=k.to(qt), cent=cent.to(DT[st["centroid_type"]]), phi=phi,
                codes=codes, n_cached=n_cached, cap=cap)


def reference(st, batch, sk, inp, codes_override=None):
    """SEMANTICS.md on the CPU in fp32 torch ops. With codes_override the
    scores come from those codes (the kernel's), quantization skipped."""
    h, hk, d, S, C = st["heads"], st["kv_heads"], st["head_dim"], st["subspaces"], 1 << st["bits"]
    ds, off, grp = d // S, st["init_offset"], h // hk
    sink, window, heavy = st["sink"], st["window"], st["heavy"]
    n = sk - off
    codes = inp["codes"].clone()
    if sk <= heavy + off + 1 + C:
        sl = torch.arange(sk).expand(batch, h, sk)
        return sl, torch.ones(batch, h, sk), codes, None
    cent = inp["cent"].float()
    k = inp["k"].float()
    for j0 in range(inp["n_cached"], n if codes_override is None else 0, 512):
        j1 = min(j0 + 512, n)
        x = k[:, :, j0 + off:j1 + off].reshape(batch, hk, j1 - j0, S, ds)
        if st["metric"] == "ip":
            norm = (x * x).sum(-1)
            gap = inp["phi"].reshape(batch, hk, 1, S) - norm
            aug = torch.where(gap > 0, gap.clamp_min(0).sqrt(), torch.zeros_like(gap))
            x = torch.cat([x, aug[..., None]], -1)
        dist = ((x[:, :, :, :, None, :] - cent[:, :, None]) ** 2).sum(-1)  # b hk j S C
        codes[:, :, j0:j1] = dist.argmin(-1)
    if codes_override is not None:
        codes = codes_override
    q = inp["q"].float().reshape(batch, h, S, ds)
    cg = cent[..., :ds].repeat_interleave(grp, dim=1)  # b h S C ds
    table = torch.einsum("bhsd,bhscd->bhsc", q, cg)
    cb = codes[:, :, :n].repeat_interleave(grp, dim=1)  # b h n S
    scores = torch.gather(table, 3, cb.permute(0, 1, 3, 2)).sum(2)  # b h n
    ws = max(0, sk - window - off)
    masked = scores.clone()
    masked[..., ws:] = float("-inf")
    kk = min(heavy, n)
    idx = torch.arange(n).expand_as(masked)
    order = torch.from_numpy(np.lexsort((idx.numpy(), -masked.numpy()), axis=-1))
    top = torch.sort(order[..., :kk], -1).values + off
    sink_i = torch.arange(min(sink, sk)).expand(batch, h, -1)
    win_i = torch.arange(sk - min(window, sk), sk).expand(batch, h, -1)
    sl = torch.cat([sink_i, top, win_i], -1)
    wl = torch.zeros(batch, h, sk)
    wl.scatter_(2, sl, 1.0)
    return sl, wl, codes, masked


def prepare(manifest, batch, sk, inp):
    """Device buffers and the packed kernel arguments of docs/BUNDLE.md."""
    st = manifest["step"]
    h, hk, S = st["heads"], st["kv_heads"], st["subspaces"]
    C, off = 1 << st["bits"], st["init_offset"]
    full = sk <= st["heavy"] + off + 1 + C
    total = sk if full else min(st["sink"], sk) + st["heavy"] + min(st["window"], sk)
    dev = "cuda"
    codes = inp["codes"]
    if st["layout"] == "compact":
        cb = torch.zeros(batch, hk, inp["cap"], S, dtype=torch.uint8)
        cb[:, :, :codes.shape[2]] = codes.to(torch.uint8)
    else:
        cb = torch.zeros(batch, inp["cap"], hk, S, dtype=torch.int64)
        cb[:, :codes.shape[2]] = codes.permute(0, 2, 1, 3)
    bufs = {
        "query": inp["q"].to(dev).contiguous(),
        "key": inp["k"].to(dev).contiguous(),
        "centroids": inp["cent"].to(dev).contiguous(),
        "phi": inp["phi"].to(dev) if inp["phi"] is not None else None,
        "codes": cb.to(dev).contiguous(),
        "sparse_list": torch.full((batch, h, total), -7, dtype=DT[st["index_type"]], device=dev),
        "sparse_len": torch.full((batch, h), -7, dtype=torch.int64, device=dev),
        "weight_list": torch.full((batch, h, sk), 7.0, dtype=DT[st["weight_type"]], device=dev),
    }
    if manifest["workspace_bytes_per_batch"]:
        bufs["workspace"] = torch.zeros(batch * manifest["workspace_bytes_per_batch"] // 4,
                                        dtype=torch.int32, device=dev)
    scalars = {"seq_len": sk, "num_cached": inp["n_cached"], "key_capacity": inp["cap"],
               "code_capacity": inp["cap"]}
    args = []
    for p in manifest["params"]:
        if p["kind"] == "memref":
            t = bufs[p["name"]]
            ptr = np.uint64(t.data_ptr())
            args += [ptr, ptr, np.int64(0), np.int64(t.numel()), np.int64(1)]
        else:
            args.append(np.int64(scalars[p["name"]]))
    return bufs, tuple(args)


def launch(mod, manifest, batch, args):
    for kern in manifest["kernels"]:
        f = mod.get_function(kern["name"])
        f.max_dynamic_shared_size_bytes = kern["smem"]
        if kern["cluster"][0] * kern["cluster"][1] * kern["cluster"][2] > 8:
            # Past the portable cluster size, as libpqrt allows it;
            # RawKernel.kernel loads the module and holds the CUfunction.
            handle = f.kernel.ptr if hasattr(f, "kernel") else f.ptr
            cp.cuda.driver.funcSetAttribute(handle, NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1)
        grid = tuple(batch if g == "batch" else g for g in kern["grid"])
        f(grid, tuple(kern["block"]), args, shared_mem=kern["smem"])


def run_bundle(path, mod, manifest, batch, sk, inp):
    st = manifest["step"]
    n = sk - st["init_offset"]
    bufs, args = prepare(manifest, batch, sk, inp)
    launch(mod, manifest, batch, args)
    cp.cuda.runtime.deviceSynchronize()
    out_codes = bufs["codes"].cpu()
    if st["layout"] == "compact":
        out_codes = out_codes[:, :, :max(n, 1)].long()
    else:
        out_codes = out_codes[:, :max(n, 1)].permute(0, 2, 1, 3)
    return bufs["sparse_list"].cpu().long(), bufs["sparse_len"].cpu(), bufs["weight_list"].cpu().float(), out_codes


def check(st, sk, ref, out, full):
    sl_r, wl_r, codes_r, masked = ref
    sl_o, len_o, wl_o, codes_o = out
    total = sl_r.shape[-1]
    errs = []
    if not torch.all(len_o == total):
        errs.append(f"sparse_len {len_o.flatten()[:4].tolist()} != {total}")
    if full:
        if not torch.equal(sl_o, sl_r):
            errs.append("full-attention list differs")
    else:
        sink, window = min(st["sink"], sk), min(st["window"], sk)
        if not torch.equal(sl_o[..., :sink], sl_r[..., :sink]):
            errs.append("sink part differs")
        if not torch.equal(sl_o[..., total - window:], sl_r[..., total - window:]):
            errs.append("window part differs")
        hv_o = sl_o[..., sink:total - window]
        hv_r = sl_r[..., sink:total - window]
        if hv_o.numel() and not torch.all(hv_o[..., 1:] > hv_o[..., :-1]):
            errs.append("heavy not strictly ascending")
        off = st["init_offset"]
        if hv_o.numel() and (hv_o.min() < off or hv_o.max() >= sk):
            errs.append("heavy out of range")
        else:
            s_o = torch.sort(torch.gather(masked, -1, hv_o - off), -1).values
            s_r = torch.sort(torch.gather(masked, -1, hv_r - off), -1).values
            fin = torch.isfinite(s_r)
            same_inf = torch.equal(torch.isinf(s_o), torch.isinf(s_r))
            if not same_inf or not torch.allclose(s_o[fin], s_r[fin], rtol=1e-4, atol=1e-4):
                errs.append("heavy scores differ")
    wsum_o = wl_o.sum(-1)
    expect = torch.tensor([[len(set(r.tolist())) for r in row] for row in sl_o])
    if not torch.equal(wsum_o, expect.float()):
        errs.append("weight row sums != distinct listed positions")
    if not torch.all(torch.gather(wl_o, -1, sl_o.clamp(0, sk - 1)) == 1):
        errs.append("weight not 1 at listed positions")
    if not torch.all((wl_o == 0) | (wl_o == 1)):
        errs.append("weights not 0/1")
    if not full:
        # torch sums distances in another order: a differing code must be a
        # near tie of the reference's (checked by the caller with distances).
        mism = (codes_o != codes_r).sum().item()
        if mism > max(2, codes_r.numel() // 10000):
            errs.append(f"{mism} codes differ from the torch reference")
    return errs


def main():
    arch = "sm_%d%d" % torch.cuda.get_device_capability()
    gen = torch.Generator().manual_seed(1)
    fails = runs = 0
    for path in sys.argv[1:]:
        manifest, images = read_bundle(path)
        st = manifest["step"]
        mod, fmt = load_module(manifest, images, arch)
        C = 1 << st["bits"]
        limit = st["heavy"] + st["init_offset"] + 1 + C
        maxsk = st["max_seq_len"]
        cases = [(1, limit, False), (1, limit + 1, False), (2, min(maxsk, 4096), False),
                 (1, min(maxsk, 3000), True), (3, min(maxsk, limit + 200), True),
                 (1, maxsk, False), (2, 700, False)]
        for batch, sk, ties in cases:
            if sk > maxsk:
                continue  # the runtime refuses these; the kernels ignore them
            if st["batch"] and batch != st["batch"]:
                batch = st["batch"]
            n = sk - st["init_offset"]
            cached = {max(n - 1, 0), max(n - 37, 0)} | ({0} if sk <= 8192 else set())
            if not st["quantize"]:
                cached = {n}  # nothing to quantize: the codebook holds every key
            for n_cached in sorted(cached):
                inp = make_inputs(st, batch, sk, n_cached, ties, gen)
                ref = reference(st, batch, sk, inp)
                out = run_bundle(path, mod, manifest, batch, sk, inp)
                out2 = run_bundle(path, mod, manifest, batch, sk, inp)
                full = sk <= limit
                if not full:  # selection judged on the kernel's own codes
                    own = reference(st, batch, sk, inp, codes_override=out[3])
                    ref = (own[0], own[1], ref[2], own[3])
                errs = check(st, sk, ref, out, full)
                if not all(torch.equal(a, b) for a, b in zip(out, out2)):
                    errs.append("not deterministic")
                runs += 1
                status = "PASS" if not errs else "FAIL " + "; ".join(errs)
                fails += bool(errs)
                print(f"{manifest['entry']:16} {fmt:5} {manifest['strategy']:5} b={batch} sk={sk:6} "
                      f"cached={n_cached:6} ties={int(ties)} {status}", flush=True)
    print(f"{runs - fails} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
