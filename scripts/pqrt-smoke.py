#!/usr/bin/env python3
"""Smoke check of libpqrt on a GPU through its C API (ctypes, PyTorch for
device memory): each bundle is loaded, run on torch's stream for a few sk
(new keys to quantize, at and just past the full-attention threshold) and
compared with the CPU reference of the same library the tie-aware way
(pqrt_reference_compare), plus the codebook and n_cached; then CUDA-graph
capture + replay, and a rejected argument.
  python3 scripts/pqrt-smoke.py BUILD/lib/libpqrt.so B.pqmod [B.pqmod ...]
Not the GPU test suite: a quick check that the runtime and a bundle agree."""
import ctypes as C, sys, glob, time
import torch

lib = C.CDLL(sys.argv[1])
i64 = C.c_int64
# The structs below transcribe pqrt.h 1.0; pqrt_get_version() must serve it.
HEADER_VERSION = (1, 0)
lib.pqrt_get_version.restype = C.c_uint32
version = lib.pqrt_get_version()
if version >> 16 != HEADER_VERSION[0] or (version & 0xffff) < HEADER_VERSION[1]:
    sys.exit(f"{sys.argv[1]} is libpqrt {version >> 16}.{version & 0xffff}; "
             f"this script speaks pqrt.h {HEADER_VERSION[0]}.{HEADER_VERSION[1]}")
class Sized(C.Structure):
    """A pqrt struct: struct_size (first field) set to its size on creation."""
    def __init__(self, *args, **kw):
        super().__init__(C.sizeof(type(self)), *args, **kw)
class Config(Sized):
    _fields_ = [("struct_size", C.c_size_t)] + \
               [(n, i64) for n in "heads kv_heads head_dim subspaces bits sink window heavy init_offset".split()] + \
               [(n, C.c_int) for n in "metric layout query_type centroid_type weight_type index_type".split()]
class Step(Sized):
    _fields_ = [("struct_size", C.c_size_t)] + \
               [(n, i64) for n in "batch seq_len key_capacity code_capacity".split()] + \
               [(n, C.c_void_p) for n in "query key centroids phi codebook num_cached sparse_list sparse_len weight_list".split()]
class Outputs(Sized):
    _fields_ = [("struct_size", C.c_size_t)] + \
               [(n, C.c_void_p) for n in "sparse_list sparse_len weight_list".split()]
class Info(Sized):
    _fields_ = [("struct_size", C.c_size_t), ("entry", C.c_char_p), ("producer", C.c_char_p),
                ("strategy", C.c_char_p), ("static_batch", i64), ("max_seq_len", i64), ("quantize", C.c_int),
                ("workspace_bytes_per_batch", i64), ("num_kernels", C.c_int), ("num_images", C.c_int)]
lib.pqrt_last_error.restype = C.c_char_p
lib.pqrt_status_name.restype = C.c_char_p
def ok(status, what):
    if status != 0:
        raise RuntimeError(f"{what}: {lib.pqrt_status_name(status).decode()}: {lib.pqrt_last_error().decode()}")

DT = {0: torch.float32, 1: torch.float16, 2: torch.bfloat16, 3: torch.int32, 4: torch.int64, 5: torch.uint8}
ptr = lambda t: C.c_void_p(t.data_ptr()) if t is not None else None

def make_inputs(cfg, b, sk, cached, gen):
    h, hkv, d, S, Cn = cfg.heads, cfg.kv_heads, cfg.head_dim, cfg.subspaces, 1 << cfg.bits
    ds = d // S + (1 if cfg.metric == 1 else 0)
    n = max(sk - cfg.init_offset, 0)
    t = {}
    t["query"] = torch.randn(b, h, 1, d, generator=gen).to(DT[cfg.query_type])
    t["key"] = torch.randn(b, hkv, sk, d, generator=gen).to(DT[cfg.query_type])
    t["centroids"] = torch.randn(b, hkv, S, Cn, ds, generator=gen).to(DT[cfg.centroid_type])
    t["phi"] = (torch.rand(b * hkv * S, generator=gen) * 4 + 8) if cfg.metric == 1 else None
    if cfg.layout == 1:
        codes = torch.zeros(b, hkv, n, S, dtype=torch.uint8)
        codes[:, :, :cached] = torch.randint(0, Cn, (b, hkv, cached, S), generator=gen).to(torch.uint8)
    else:
        codes = torch.zeros(b, n, hkv, S, dtype=torch.int64)
        codes[:, :cached] = torch.randint(0, Cn, (b, cached, hkv, S), generator=gen)
    t["codebook"] = codes
    total = C.c_int64(); full = C.c_int()
    ok(lib.pqrt_output_total(C.byref(cfg), i64(sk), C.byref(total), C.byref(full)), "total")
    t["sparse_list"] = torch.full((b, h, total.value), -7, dtype=DT[cfg.index_type])
    t["sparse_len"] = torch.full((b, h), -7, dtype=torch.int64)
    t["weight_list"] = torch.full((b, h, sk), 7, dtype=DT[cfg.weight_type])
    return t, n, bool(full.value)

def step_of(t, b, sk, n, counter):
    s = Step(batch=b, seq_len=sk, key_capacity=sk, code_capacity=n)
    for k in "query key centroids phi codebook sparse_list sparse_len weight_list".split():
        setattr(s, k, t[k].data_ptr() if t[k] is not None else None)
    s.num_cached = C.cast(C.pointer(counter), C.c_void_p)
    return s

def outputs_of(t):
    return Outputs(t["sparse_list"].data_ptr(), t["sparse_len"].data_ptr(), t["weight_list"].data_ptr())

def check(path, sm, results):
    bundle = C.c_void_p()
    ok(lib.pqrt_bundle_load_file(path.encode(), C.byref(bundle)), "load")
    info = Info(); cfg = Config()
    ok(lib.pqrt_bundle_get_info(bundle, C.byref(info)), "info")
    ok(lib.pqrt_bundle_get_config(bundle, C.byref(cfg)), "config")
    arch = C.c_char_p(); isptx = C.c_int()
    ok(lib.pqrt_bundle_select_image(bundle, sm, C.byref(arch), C.byref(isptx)), "select")
    indexer = C.c_void_p()
    t0 = time.time()
    ok(lib.pqrt_indexer_create(bundle, 0, i64(2), C.byref(indexer)), "create")
    print(f"{path}: {info.entry.decode()} image {arch.value.decode()}{' ptx' if isptx.value else ' cubin'} "
          f"created in {time.time()-t0:.3f}s", flush=True)
    lib.pqrt_bundle_destroy(bundle)
    threshold = cfg.heavy + cfg.init_offset + 1 + (1 << cfg.bits)
    gen = torch.Generator().manual_seed(1)
    cases = [(2, min(info.max_seq_len, threshold + 900), 5), (1, threshold, 0), (2, threshold + 1, 1),
             (2, min(info.max_seq_len, 4000), 0)]
    cases = [c for c in cases if c[1] <= info.max_seq_len]
    stream = torch.cuda.current_stream()
    for b, sk, new in cases:
        host, n, full = make_inputs(cfg, b, sk, 0, gen)
        cached = max(n - new, 0) if info.quantize else n
        host, n, full = make_inputs(cfg, b, sk, cached, gen)
        dev = {k: (v.cuda() if v is not None else None) for k, v in host.items()}
        ref_count = C.c_int64(cached); dev_count = C.c_int64(cached)
        ok(lib.pqrt_reference_run(C.byref(cfg), C.byref(step_of(host, b, sk, n, ref_count))), "reference")
        dstep = step_of(dev, b, sk, n, dev_count)
        ok(lib.pqrt_indexer_run(indexer, C.byref(dstep), C.c_void_p(stream.cuda_stream)), "run")
        stream.synchronize()
        got = {k: v.cpu() for k, v in dev.items() if v is not None}
        scores = None
        if not full:
            scores = (C.c_float * (b * cfg.heads * n))()
            sstep = step_of(host, b, sk, n, C.c_int64(n))
            ok(lib.pqrt_reference_scores(C.byref(cfg), C.byref(sstep), scores, i64(len(scores))), "scores")
        status = lib.pqrt_reference_compare(C.byref(cfg), i64(b), i64(sk), C.byref(outputs_of(host)), scores,
                                            C.byref(outputs_of(got)), C.c_double(-1))
        msg = "" if status == 0 else lib.pqrt_last_error().decode()
        same_codes = torch.equal(got["codebook"], host["codebook"])
        counts = (dev_count.value, ref_count.value)
        good = status == 0 and same_codes and counts[0] == counts[1]
        results.append(good)
        print(f"  b={b} sk={sk} cached={cached} full={full}: {'PASS' if good else 'FAIL'} "
              f"codes {'same' if same_codes else 'DIFFER'} count {counts} {msg}", flush=True)
    # Graph capture and replay give the same outputs.
    b, sk, new = cases[0]
    n = max(sk - cfg.init_offset, 0)
    host, n, full = make_inputs(cfg, b, sk, max(n - new, 0) if info.quantize else n, gen)
    dev = {k: (v.cuda() if v is not None else None) for k, v in host.items()}
    count = C.c_int64(n if not info.quantize else max(n - 5, 0))
    g = torch.cuda.CUDAGraph()
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        dstep = step_of(dev, b, sk, n, count)
        g.capture_begin()
        st = lib.pqrt_indexer_run(indexer, C.byref(dstep), C.c_void_p(side.cuda_stream))
        g.capture_end()
    ok(st, "run under capture")
    g.replay(); torch.cuda.synchronize()
    first = {k: dev[k].cpu().clone() for k in ("sparse_list", "sparse_len", "weight_list")}
    for k in first: dev[k].fill_(0)
    g.replay(); torch.cuda.synchronize()
    same = all(torch.equal(first[k], dev[k].cpu()) for k in first)
    results.append(same)
    print(f"  graph capture + 2 replays identical: {'PASS' if same else 'FAIL'}")
    # Bad argument: nothing launched, clear message.
    bad = C.c_int64(n + 1)
    st = lib.pqrt_indexer_run(indexer, C.byref(step_of(dev, b, sk, n, bad)), None)
    print(f"  bad n_cached -> {lib.pqrt_status_name(st).decode()}: {lib.pqrt_last_error().decode()}")
    results.append(st == (0 if full else 1))  # full attention ignores n_cached
    lib.pqrt_indexer_destroy(indexer)

count = C.c_int(); sm = C.c_int()
ok(lib.pqrt_device_count(C.byref(count)), "count")
ok(lib.pqrt_device_sm(0, C.byref(sm)), "sm")
torch.cuda.init(); torch.zeros(1, device="cuda")
print(f"{count.value} device(s), device 0 is sm_{sm.value}; {torch.cuda.get_device_name(0)}")
results = []
for path in sys.argv[2:]:
    try:
        check(path, sm.value, results)
    except RuntimeError as e:
        print(f"{path}: ERROR {e}"); results.append(False)
print(f"SUMMARY {sum(results)}/{len(results)} passed")
