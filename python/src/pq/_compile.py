"""Bundles: pq.compile (pq-compile + an on-disk cache) and pq.Bundle."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _pqrt
from ._config import StepConfig
from ._program import program
from ._version import __version__

#: The architectures pq-compile knows, oldest first.
KNOWN_TARGETS = ("sm_80", "sm_86", "sm_89", "sm_90", "sm_90a")


@dataclasses.dataclass(frozen=True)
class BundleInfo:
    """What pqrt_bundle_get_info reports about a bundle."""

    entry: str
    producer: str
    strategy: str               #: 'row', 'split' or 'cluster'
    static_batch: int           #: 0: the batch is dynamic
    max_seq_len: int            #: the largest seq_len the module accepts
    quantize: bool              #: whether the module quantizes new keys
    workspace_bytes_per_batch: int
    num_kernels: int
    num_images: int
    has_build: bool = False     #: the bundle carries the index build (pq.compile(build=True))


class Bundle:
    """A parsed, validated .pqmod bundle (host memory; no GPU needed).

    Make one with :func:`pq.compile`, :meth:`Bundle.load` or
    :meth:`Bundle.from_bytes`; run it with :class:`pq.Indexer`.
    """

    def __init__(self, handle: "_pqrt.Bundle", path: Optional[Path] = None) -> None:
        self._handle = handle
        self.path: Optional[Path] = path
        self.config: StepConfig = StepConfig.from_pqrt(handle.config())
        self.info: BundleInfo = BundleInfo(**handle.info())

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Bundle":
        """Loads a .pqmod file (ValueError naming the defect if it is not one)."""
        p = Path(path)
        return cls(_pqrt.Bundle.from_file(os.fspath(p)), p)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Bundle":
        """Parses a bundle held in memory."""
        return cls(_pqrt.Bundle.from_bytes(bytes(data)))

    def validate_build(self, key: Any, centroids: Any, codebook: Any, phi: Any = None, *,
                       device: int = 0, max_batch: Optional[int] = None,
                       seq_len: Optional[int] = None, kmeans_iter: int = 10, seed: int = 0,
                       initial_indices: Any = None, iterations: Any = None) -> int:
        """Every check :meth:`pq.Indexer.build` makes before launching, for
        an indexer of this bundle on GPU `device` with `max_batch` (None:
        as pq.Indexer picks it), without a GPU (pqrt_bundle_validate_build;
        the arrays' memory is never read). Returns n = seq_len -
        init_offset; raises what the build would."""
        from ._indexer import DEFAULT_MAX_BATCH, _build_scalars
        sk, iters, seed = _build_scalars(seq_len, kmeans_iter, seed)
        if max_batch is None:
            max_batch = self.info.static_batch or DEFAULT_MAX_BATCH
        return self._handle.validate_build(int(device), int(max_batch), key, centroids, codebook,
                                           phi, sk, iters, seed, initial_indices, iterations)

    def select_image(self, sm: int) -> Tuple[str, bool]:
        """The image a GPU of compute capability `sm` (90 for sm_90) would
        load: (arch, is_ptx). RuntimeError when none fits."""
        return self._handle.select_image(int(sm))

    def __repr__(self) -> str:
        c, i = self.config, self.info
        where = f", path='{self.path}'" if self.path else ""
        build = ", build" if i.has_build else ""
        return (f"Bundle(strategy={i.strategy!r}, max_seq_len={i.max_seq_len}{build}, "
                f"heads={c.heads}, kv_heads={c.kv_heads}, head_dim={c.head_dim}, "
                f"subspaces={c.subspaces}, bits={c.bits}, layout={c.layout!r}, "
                f"metric={c.metric!r}{where})")


def cache_dir() -> Path:
    """Where compiled bundles are kept: $PQ_CACHE_DIR, else
    $XDG_CACHE_HOME/pq, else ~/.cache/pq."""
    env = os.environ.get("PQ_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "pq"


def compiler_path() -> Path:
    """The pq-compile this package runs: $PQ_COMPILE, else the one in the
    wheel (pq/bin/pq-compile)."""
    env = os.environ.get("PQ_COMPILE")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent / "bin" / "pq-compile"


_compiler_ids: Dict[Tuple[str, int, int], str] = {}


def _compiler_id(path: Path) -> str:
    """A digest of the pq-compile binary (kernels change with it even when
    the version does not), memoized per (path, size, mtime)."""
    st = path.stat()
    key = (os.fspath(path), st.st_size, st.st_mtime_ns)
    if key not in _compiler_ids:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _compiler_ids[key] = h.hexdigest()[:16]
    return _compiler_ids[key]


def _ptxas() -> Optional[str]:
    """The ptxas pq-compile will find (cubins) or None (PTX only): the same
    search as lib/Target/Ptxas.cpp."""
    cuda = os.environ.get("CUDA_PATH")
    if cuda and os.access(os.path.join(cuda, "bin", "ptxas"), os.X_OK):
        return os.path.join(cuda, "bin", "ptxas")
    found = shutil.which("ptxas")
    if found:
        return found
    if os.access("/usr/local/cuda/bin/ptxas", os.X_OK):
        return "/usr/local/cuda/bin/ptxas"
    return None


def auto_target(device: int = 0) -> str:
    """The newest known arch that runs on GPU `device`: the arch-specific one
    of its exact compute capability (sm_90a on sm_90 GPUs: the index
    build's wgmma) or the newest portable one not above it; sm_80 (PTX,
    JIT-compiled anywhere from sm_80 on) without a GPU."""
    try:
        sm = _pqrt.device_sm(device)
    except RuntimeError:
        return "sm_80"

    def runs(t):
        specific = t.endswith("a")
        version = int(t[3:].rstrip("a"))
        return version == sm if specific else version <= sm

    fitting = [t for t in KNOWN_TARGETS if runs(t)]
    if not fitting:
        raise ValueError(f"target: GPU {device} is sm_{sm}; pq needs sm_80 or newer")
    return fitting[-1]


def _targets(target: Union[str, Sequence[str]], device: int) -> List[str]:
    names = [target] if isinstance(target, str) else list(target)
    if not names:
        raise ValueError("target: give at least one of " + ", ".join(KNOWN_TARGETS))
    out = []
    for t in names:
        t = auto_target(device) if t == "auto" else t
        if t not in KNOWN_TARGETS:
            raise ValueError(f"target: unknown {t!r}; known: auto, " + ", ".join(KNOWN_TARGETS))
        out.append(t)
    return out


def compile(source: Union[StepConfig, str], *, target: Union[str, Sequence[str]] = "auto",
            max_seq_len: int = 131072, quantize: bool = True, batch: int = 0,
            cluster_size: int = 0, device: int = 0, cache: bool = True,
            build: bool = False) -> Bundle:
    """Compiles a step into a bundle, or returns the cached one.

    `source` is a :class:`StepConfig` (its program is generated: quantize ->
    score -> topk -> gen_indices; `quantize` and `batch` shape it) or the text
    of a pq program (.mlir). `target` is 'auto' (GPU `device`'s arch, sm_80
    without a GPU), an arch such as 'sm_90', or a list of them.
    `max_seq_len` is the largest seq_len the bundle accepts; tiling depends
    on it. `cluster_size` forces a cluster size on sm_90 (0: pq-tile picks).
    `build=True` also compiles the index build (pq.kmeans, run by
    :meth:`pq.Indexer.build`) into the bundle; a .mlir text carries its
    build as a pq.kmeans function instead.

    Bundles are cached in :func:`cache_dir` under a key of the program text,
    the options, the targets, pq's version and the compiler binary's digest;
    `cache=False` compiles anyway (and refreshes the entry).

    Raises ValueError with pq-compile's diagnostics when the program or the
    options are rejected, RuntimeError when pq-compile is missing.
    """
    if not isinstance(build, bool):
        raise ValueError(f"build: expected True or False, got {build!r}")
    if isinstance(source, StepConfig):
        text = program(source, quantize=quantize, batch=batch, build=build)
    elif isinstance(source, str):
        if build:
            raise ValueError("build: applies to a StepConfig; a .mlir text has its index "
                             "build as a pq.kmeans function of its own")
        text = source
    else:
        raise ValueError(f"source: expected a StepConfig or .mlir text, got {type(source).__name__}")
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int) or max_seq_len < 1:
        raise ValueError(f"max_seq_len: expected a positive int, got {max_seq_len!r}")
    targets = _targets(target, device)
    compiler = compiler_path()
    if not compiler.is_file():
        raise RuntimeError(f"pq-compile not found at {compiler}: this pq package was built "
                           "without the compiler (PQ_SKIP_COMPILER); set PQ_COMPILE to a "
                           "pq-compile or load compiled bundles with pq.Bundle.load")
    ptxas = _ptxas()
    key_fields = {"program": text, "targets": targets, "max_seq_len": max_seq_len,
                  "cluster_size": cluster_size, "build": build, "pq": __version__,
                  "compiler": _compiler_id(compiler), "cubin": bool(ptxas)}
    key = hashlib.sha256(json.dumps(key_fields, sort_keys=True).encode()).hexdigest()[:32]
    directory = cache_dir()
    path = directory / f"{key}.pqmod"
    if cache and path.is_file():
        try:
            return Bundle.load(path)
        except ValueError:
            pass  # a damaged entry: compile it again
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".pqmod", dir=directory)
    os.close(fd)
    try:
        cmd = [os.fspath(compiler), "-", f"--max-seq-len={max_seq_len}", "-o", tmp]
        cmd += [f"--target={t}" for t in targets]
        if cluster_size:
            cmd.append(f"--cluster-size={cluster_size}")
        r = subprocess.run(cmd, input=text, capture_output=True, text=True)
        if r.returncode != 0:
            raise ValueError("pq-compile rejected the program:\n" + (r.stderr.strip() or
                             f"exit status {r.returncode}"))
        bundle = Bundle.load(tmp)
        os.replace(tmp, path)
        meta = dict(key_fields, key=key)
        (directory / f"{key}.json").write_text(json.dumps(meta, indent=1))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    bundle.path = path
    return bundle
