"""The package's surface: config round trips, the generated program, the
drop-in's signature, reprs, and import without torch."""
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import pq
from conftest import REPO, small_config


def test_config_round_trip_and_aliases():
    c = small_config(query_type="bfloat16", weight_type="float16", index_type="int32",
                     metric="IP", layout="Compact")
    assert (c.query_type, c.weight_type, c.index_type) == ("bf16", "f16", "i32")
    assert (c.metric, c.layout) == ("ip", "compact")
    assert pq.StepConfig.from_pqrt(c.to_pqrt()) == c
    assert c.centroids == 16 and c.group == 4
    assert "StepConfig(heads=8" in repr(c)


def test_numpy_dtypes_are_accepted():
    import numpy as np
    c = small_config(query_type=np.float16, weight_type=np.dtype("float32"))
    assert (c.query_type, c.weight_type) == ("f16", "f32")


@pytest.mark.parametrize("fields,quantize,batch", [
    (dict(), True, 0),
    (dict(metric="ip", layout="compact"), True, 0),
    (dict(metric="ip"), False, 4),
    (dict(query_type="bf16", weight_type="bf16", index_type="i32"), True, 2),
])
def test_program_is_pqgens(fields, quantize, batch):
    path = REPO / "scripts" / "pqgen.py"
    if not path.is_file():
        pytest.skip("not in a pq checkout")
    spec = importlib.util.spec_from_file_location("pqgen", path)
    pqgen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pqgen)
    c = small_config(**fields)
    d = dict(vars(c), quantize=quantize, batch=batch)
    assert pq._program.program(c, name="x", quantize=quantize, batch=batch) == \
        pqgen.program("x", d)


def test_indexer_next_has_the_seeds_signature():
    names = ["query", "key", "weight_list_dtype", "sink_size", "window_size", "heavy_size",
             "pq_group_factor", "pq_bits", "kmeans_iter", "init_offset", "metric",
             "pq_centroids", "pq_codebook", "pq_ip2l2_phi"]
    params = inspect.signature(pq.indexer_next).parameters
    assert list(params) == names
    assert all(p.default is inspect.Parameter.empty and
               p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params.values())


def test_import_needs_no_torch():
    code = ("import sys, pq; assert 'torch' not in sys.modules, 'pq imported torch'; "
            "pq.StepConfig(heads=1, kv_heads=1, head_dim=2, subspaces=1, bits=1, sink=0, "
            "window=0, heavy=1, init_offset=0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_versions():
    assert pq.runtime_version()[0] == pq._pqrt.HEADER_VERSION[0]
    assert isinstance(pq.__version__, str)


def test_indexer_next_without_torch_says_so():
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed")
    with pytest.raises(ImportError):
        pq.indexer_next(*([None] * 14))


def test_python_total_is_pqrts():
    from pq._indexer import _python_total
    for fields in (dict(), dict(sink=400, window=300), dict(init_offset=0, heavy=1)):
        c = small_config(**fields)
        for sk in list(range(1, 120)) + [300, 1000, 5000]:
            assert _python_total(c, sk) == pq.output_total(c, sk), (fields, sk)


def test_drop_in_cache_keeps_replaced_indexers_until_cleared(monkeypatch):
    from pq import _dropin

    class FakeIndexer:  # no GPU here: what _indexer_for constructs
        def __init__(self, bundle, device, max_batch):
            self.bundle, self.device, self.max_batch = bundle, device, max_batch

    monkeypatch.setattr(pq._compile, "compile", lambda config, **kw: ("bundle", kw))
    monkeypatch.setattr(pq._indexer, "Indexer", FakeIndexer)
    pq.clear_indexer_cache()
    config = small_config()
    a = _dropin._indexer_for(config, 5000, 0, 2)
    assert a.max_batch == 8 and a.bundle[1]["max_seq_len"] == 8192
    assert _dropin._indexer_for(config, 6000, 0, 8) is a  # same size class and batch room
    b = _dropin._indexer_for(config, 5000, 0, 9)  # a larger batch: a new Indexer
    assert b is not a and b.max_batch == 16 and _dropin._retired == [a]
    assert _dropin._indexer_for(config, 5000, 1, 1) is not b  # another device
    assert pq.clear_indexer_cache() == 3
    assert not _dropin._indexers and not _dropin._retired
