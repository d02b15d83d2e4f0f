"""pq.compile, the bundle cache and pq.Bundle (needs pq-compile, no GPU)."""
import json
import os
import subprocess

import pytest

import pq
from conftest import small_config

pytestmark = pytest.mark.usefixtures("has_compiler")


def test_compile_a_config():
    c = small_config(layout="compact")
    bundle = pq.compile(c, target="sm_90", max_seq_len=4096)
    assert bundle.config == c
    assert bundle.info.max_seq_len == 4096
    assert bundle.info.quantize and bundle.info.static_batch == 0
    assert bundle.info.strategy in ("row", "split", "cluster")
    assert bundle.path.parent == pq.cache_dir() and bundle.path.suffix == ".pqmod"
    assert bundle.select_image(90)[0] == "sm_90"
    with pytest.raises(RuntimeError, match="PQRT_UNSUPPORTED"):
        bundle.select_image(80)  # an sm_90 image does not run on sm_80
    meta = json.loads(bundle.path.with_suffix(".json").read_text())
    assert meta["targets"] == ["sm_90"] and meta["pq"] == pq.__version__
    assert "Bundle(strategy=" in repr(bundle) and "heads=8" in repr(bundle)


def test_second_compile_hits_the_cache(monkeypatch):
    c = small_config(heavy=48)
    first = pq.compile(c, target="sm_80", max_seq_len=2048)

    def no_compiler(*a, **k):
        raise AssertionError("pq-compile ran although the bundle is cached")
    monkeypatch.setattr(subprocess, "run", no_compiler)
    second = pq.compile(c, target="sm_80", max_seq_len=2048)
    assert second.path == first.path and second.config == c


def test_cache_key_covers_target_options_and_config():
    c = small_config(heavy=40)
    paths = {pq.compile(c, target="sm_80", max_seq_len=2048).path,
             pq.compile(c, target="sm_90", max_seq_len=2048).path,
             pq.compile(c, target="sm_80", max_seq_len=4096).path,
             pq.compile(c.replace(sink=5), target="sm_80", max_seq_len=2048).path,
             pq.compile(c, target=["sm_80", "sm_90"], max_seq_len=2048).path}
    assert len(paths) == 5


def test_cache_dir_env_and_damaged_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("PQ_CACHE_DIR", str(tmp_path / "cache"))
    c = small_config(heavy=36)
    bundle = pq.compile(c, target="sm_80", max_seq_len=1024)
    assert bundle.path.parent == tmp_path / "cache"
    bundle.path.write_bytes(b"garbage")  # a damaged entry is compiled again
    again = pq.compile(c, target="sm_80", max_seq_len=1024)
    assert again.path == bundle.path and again.config == c
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")]


def test_compile_mlir_text():
    text = pq._program.program(small_config(), name="from_text")
    bundle = pq.compile(text, target="sm_80", max_seq_len=1024)
    assert bundle.info.entry == "from_text"
    assert bundle.config == small_config()


def test_compile_static_batch_without_quantize():
    bundle = pq.compile(small_config(), target="sm_80", max_seq_len=1024, batch=2,
                        quantize=False)
    assert bundle.info.static_batch == 2 and not bundle.info.quantize


def test_compile_errors():
    with pytest.raises(ValueError, match="pq-compile rejected the program"):
        pq.compile("func.func @f() { return }\n", target="sm_80")
    with pytest.raises(ValueError, match="unknown 'sm_70'"):
        pq.compile(small_config(), target="sm_70")
    with pytest.raises(ValueError, match="max_seq_len"):
        pq.compile(small_config(), target="sm_80", max_seq_len=0)
    with pytest.raises(ValueError, match="source"):
        pq.compile(42, target="sm_80")
    with pytest.raises(ValueError, match="heavy"):  # the verifier's message
        pq.compile(small_config(heavy=-1), target="sm_80")


def test_missing_compiler(monkeypatch, tmp_path):
    monkeypatch.setenv("PQ_COMPILE", str(tmp_path / "nothing"))
    with pytest.raises(RuntimeError, match="pq-compile not found"):
        pq.compile(small_config(), target="sm_80")


def test_the_packaged_compiler_needs_no_llvm():
    """pq-compile in the wheel links LLVM and MLIR statically."""
    path = pq.compiler_path()
    if os.environ.get("PQ_COMPILE"):
        pytest.skip("PQ_COMPILE points elsewhere")
    r = subprocess.run(["ldd", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "libLLVM" not in r.stdout and "libMLIR" not in r.stdout, r.stdout
