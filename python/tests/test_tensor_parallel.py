"""The tensor-parallel example (examples/python/tensor_parallel.py) under
torchrun, one process per GPU; skipped without two GPUs."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pq
from conftest import REPO

TESTS = Path(__file__).resolve().parent

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(pq.device_count() < 2, reason="needs two CUDA GPUs"),
              pytest.mark.usefixtures("has_compiler")]


def example():
    for path in (os.environ.get("PQ_TP_EXAMPLE"),
                 REPO / "examples" / "python" / "tensor_parallel.py",
                 TESTS.parent / "examples" / "python" / "tensor_parallel.py"):  # the device kit
        if path and Path(path).is_file():
            return Path(path)
    pytest.skip("examples/python/tensor_parallel.py not found (set PQ_TP_EXAMPLE)")


@pytest.mark.parametrize("shape", ["small", "gqa"])
def test_torchrun_two_ranks_match_the_single_process_step(shape):
    torch = pytest.importorskip("torch")
    if torch.cuda.device_count() < 2:
        pytest.skip("torch sees fewer than two GPUs")
    env = dict(os.environ, NCCL_NVLS_ENABLE="0")
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
         str(example()), "--shape", shape, "--seed", "1"],
        env=env, capture_output=True, text=True, timeout=540)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("tensor_parallel: ")]
    assert len(lines) == 1 and lines[0].startswith("tensor_parallel: PASS"), out[-6000:]
    assert f"shape={shape} world=2" in lines[0]
    assert "rank 0/2" in proc.stdout and "rank 1/2" in proc.stdout
    assert "leaked" not in proc.stderr, proc.stderr[-3000:]
