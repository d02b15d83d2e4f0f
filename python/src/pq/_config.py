"""The step configuration: a dataclass mirroring pqrt_config (pqrt.h)."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, Union

# pqrt_dtype's values, under the short names of the pq dialect's types.
_DTYPE_CODES = {"f32": 0, "f16": 1, "bf16": 2, "i32": 3, "i64": 4, "u8": 5}
_DTYPE_NAMES = {v: k for k, v in _DTYPE_CODES.items()}
_DTYPE_ALIASES = {
    "f32": "f32", "float32": "f32", "float": "f32",
    "f16": "f16", "float16": "f16", "half": "f16",
    "bf16": "bf16", "bfloat16": "bf16",
    "i32": "i32", "int32": "i32",
    "i64": "i64", "int64": "i64", "long": "i64",
}
_METRICS = {"euclidean": 0, "ip": 1}
_LAYOUTS = {"seed": 0, "compact": 1}

DTypeLike = Union[str, Any]  # a name, a NumPy/torch/JAX dtype


def dtype_name(dtype: DTypeLike) -> str:
    """The short name ('bf16', 'f32', ...) of a dtype given as a name or a
    NumPy, torch or JAX dtype object."""
    text = str(dtype)  # 'torch.bfloat16', "<class 'numpy.float16'>", 'float32'
    if text.startswith("<class '") and text.endswith("'>"):
        text = text[len("<class '"):-2]
    text = text.rsplit(".", 1)[-1]
    name = _DTYPE_ALIASES.get(text)
    if name is None:
        raise ValueError(f"unsupported dtype {dtype!r}; use one of "
                         "float32, float16, bfloat16, int32, int64")
    return name


@dataclasses.dataclass(frozen=True)
class StepConfig:
    """The static settings of one indexer step (SEMANTICS.md, pqrt_config).

    A bundle fixes them; the CPU reference takes them from the caller. Field
    names follow pqrt.h; the seed's names are in the comments. Dtypes may be
    given as names ('bf16', 'bfloat16') or dtype objects and are stored as
    the short names.
    """

    heads: int                  #: h
    kv_heads: int               #: h_kv; heads % kv_heads == 0
    head_dim: int               #: d
    subspaces: int              #: S = pq_group_factor; head_dim % S == 0
    bits: int                   #: pq_bits; C = 2**bits centroids
    sink: int                   #: sink_size
    window: int                 #: window_size
    heavy: int                  #: heavy_size
    init_offset: int            #: init_offset
    metric: str = "euclidean"   #: 'euclidean' or 'ip'
    layout: str = "compact"     #: 'compact' (uint8 codes) or 'seed' (int64)
    query_type: str = "bf16"    #: query and key cache: f32, f16 or bf16
    centroid_type: str = "f32"  #: f32 or bf16
    weight_type: str = "bf16"   #: weight_list: f32, f16 or bf16
    index_type: str = "i64"     #: sparse_list: i64 or i32

    def __post_init__(self) -> None:
        for field in ("heads", "kv_heads", "head_dim", "subspaces", "bits",
                      "sink", "window", "heavy", "init_offset"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{field}: expected an int, got {value!r}")
        metric = str(self.metric).lower()
        if metric not in _METRICS:
            raise ValueError(f"metric: expected 'euclidean' or 'ip', got {self.metric!r}")
        layout = str(self.layout).lower()
        if layout not in _LAYOUTS:
            raise ValueError(f"layout: expected 'seed' or 'compact', got {self.layout!r}")
        object.__setattr__(self, "metric", metric)
        object.__setattr__(self, "layout", layout)
        for field in ("query_type", "centroid_type", "weight_type", "index_type"):
            try:
                object.__setattr__(self, field, dtype_name(getattr(self, field)))
            except ValueError as e:
                raise ValueError(f"{field}: {e}") from None

    @property
    def centroids(self) -> int:
        """C = 2**bits."""
        return 1 << self.bits

    @property
    def group(self) -> int:
        """Query heads per kv head."""
        return self.heads // self.kv_heads if self.kv_heads else 0

    def replace(self, **changes: Any) -> "StepConfig":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_pqrt(self) -> Dict[str, int]:
        """The pqrt_config fields as ints (the binding's form)."""
        d = {f: getattr(self, f) for f in ("heads", "kv_heads", "head_dim", "subspaces",
                                            "bits", "sink", "window", "heavy", "init_offset")}
        d["metric"] = _METRICS[self.metric]
        d["layout"] = _LAYOUTS[self.layout]
        for f in ("query_type", "centroid_type", "weight_type", "index_type"):
            d[f] = _DTYPE_CODES[getattr(self, f)]
        return d

    @classmethod
    def from_pqrt(cls, d: Dict[str, int]) -> "StepConfig":
        """The inverse of to_pqrt (a bundle's configuration)."""
        metrics = {v: k for k, v in _METRICS.items()}
        layouts = {v: k for k, v in _LAYOUTS.items()}
        kw: Dict[str, Any] = {f: int(d[f]) for f in ("heads", "kv_heads", "head_dim",
                                                      "subspaces", "bits", "sink", "window",
                                                      "heavy", "init_offset")}
        kw["metric"] = metrics[d["metric"]]
        kw["layout"] = layouts[d["layout"]]
        for f in ("query_type", "centroid_type", "weight_type", "index_type"):
            kw[f] = _DTYPE_NAMES[d[f]]
        return cls(**kw)
