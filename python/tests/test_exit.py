"""Interpreter exit: nothing of pq's binding is alive when Python finalizes.

nanobind prints "nanobind: leaked N instances!" at exit when instances of
pq._pqrt survive finalization. They did when pq.torch's handle registry held
Indexers strongly: the op's function is held by torch's C++ dispatcher until
the process ends, so the module globals it references (the registry) are
never cleared. Each test runs a fresh interpreter and reads its stderr."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pq

TESTS = Path(__file__).resolve().parent

# A stand-in for torch with what `import pq.torch` uses, whose custom_op keeps
# the function forever, as torch's C++ dispatcher does (an extra reference
# that nothing releases).
FAKE_TORCH = '''
import ctypes
__version__ = "0.0-fake"
class Tensor: pass
class _Library:
    def custom_op(self, name, mutates_args=()):
        def register(fn):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(fn))
            fn.register_fake = lambda fake: fake
            return fn
        return register
library = _Library()
'''


def run_python(code, path_first=None, timeout=300):
    env = dict(os.environ)
    if path_first is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(path_first)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    prelude = f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_clean_exit(proc, marker):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert marker in proc.stdout, proc.stdout + proc.stderr
    assert "leaked" not in proc.stderr, proc.stderr


def test_compile_and_reference_exit_cleanly(has_compiler):
    proc = run_python("""
        import numpy as np
        import pq
        from conftest import random_step, small_config
        config = small_config()
        bundle = pq.compile(config, max_seq_len=1024)   # kept to the end
        also = pq.Bundle.load(bundle.path)
        inputs = random_step(config, 2, 300, seed=3)
        out = pq.reference(config, **inputs)
        assert out.num_cached == 296 and out.sparse_len.shape == (2, 8)
        print("ran", also.info.strategy)
    """)
    assert_clean_exit(proc, "ran")


def test_torch_handles_do_not_keep_indexers_alive(has_compiler, tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text(FAKE_TORCH)
    proc = run_python("""
        import gc
        import pq, pq.torch as pqt
        from conftest import small_config
        assert pqt.torch.__version__ == "0.0-fake"
        config = small_config()
        bundle = pq.compile(config, max_seq_len=1024)

        def fake_indexer():  # an Indexer without a GPU: holds a real _pqrt.Bundle
            ix = object.__new__(pq.Indexer)
            ix.config, ix.bundle = config, bundle
            return ix

        kept = fake_indexer()   # alive at exit, referenced from __main__ only
        h = pqt.handle(kept)
        assert pqt.handle(kept) == h and pqt._entry(h) == (config, kept)
        gone = fake_indexer()
        g = pqt.handle(gone)
        del gone
        gc.collect()
        try:
            pqt._entry(g)
            raise SystemExit("the handle of a collected Indexer still resolves")
        except ValueError as e:
            assert "not a live pq.torch handle" in str(e)
        c = pqt.handle(config)
        assert pqt.handle(small_config()) == c and c not in (h, g)
        assert pqt._entry(c) == (config, None)
        print("handles", h, g, c)
    """, path_first=tmp_path)
    assert_clean_exit(proc, "handles")


def test_drop_in_cache_is_released_at_exit(has_compiler):
    proc = run_python("""
        import atexit
        def check():  # registered before pq's hook, so it runs after it (LIFO)
            print("at exit:", len(_dropin._indexers), "cached")
        atexit.register(check)
        import pq
        from pq import _dropin
        from conftest import small_config
        bundle = pq.compile(small_config(), max_seq_len=1024)
        _dropin._indexers[("stand-in",)] = bundle   # a cached _pqrt object
        assert pq.clear_indexer_cache() == 1 and not _dropin._indexers
        _dropin._indexers[("stand-in",)] = bundle
        print("cached", len(_dropin._indexers))
    """)
    assert_clean_exit(proc, "cached 1")
    assert "at exit: 0 cached" in proc.stdout


@pytest.mark.gpu
@pytest.mark.skipif(pq.device_count() == 0, reason="no CUDA GPU")
def test_gpu_indexer_torch_op_and_drop_in_exit_cleanly(has_compiler):
    pytest.importorskip("torch")
    proc = run_python("""
        import numpy as np
        import torch
        import pq, pq.torch as pqt
        from conftest import random_step, small_config
        config = small_config(layout="compact")
        inputs = random_step(config, 2, 300, seed=4)
        dev = {k: torch.from_numpy(v).cuda() if isinstance(v, np.ndarray) else v
               for k, v in inputs.items()}
        ix = pq.Indexer(pq.compile(config, max_seq_len=1024), device=0)  # alive at exit
        out = ix.step(**dev)
        n = pqt.step(ix, dev["query"], dev["key"], dev["centroids"], dev["codebook"],
                     dev["num_cached"], None, *out[:3])
        assert n == out.num_cached == 296
        g = torch.Generator().manual_seed(5)
        q = torch.randn(1, 8, 1, 64, generator=g).bfloat16().cuda()
        k = torch.randn(1, 2, 300, 64, generator=g).bfloat16().cuda()
        cent = torch.randn(1, 2, 4, 16, 16, generator=g).cuda()
        codes = torch.randint(0, 16, (1, 290, 2, 4), generator=g).cuda()
        sl, sn, wl, _, grown, _ = pq.indexer_next(q, k, torch.bfloat16, 4, 8, 32, 4, 4, 0, 4,
                                                  "euclidean", cent, codes, None)
        torch.cuda.synchronize()
        assert grown.shape == (1, 296, 2, 4) and torch.equal(grown[:, :290], codes)
        print("ran", int(sn.sum()))
    """)
    assert_clean_exit(proc, "ran")
