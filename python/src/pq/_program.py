"""The pq dialect program of one step configuration.

The one generator of step programs: the package calls program(), and
scripts/pqgen.py loads this file by path and calls program_text() on its
dict configurations, so it imports nothing from the package at run time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from ._config import StepConfig


def program(config: StepConfig, *, name: str = "pq_step", quantize: bool = True,
            batch: int = 0, build: bool = False) -> str:
    """The .mlir text of a step: quantize (when `quantize`) -> score -> topk
    -> gen_indices, with a dynamic batch when `batch` is 0; with `build`,
    also the index build (pq.kmeans) as function NAME_build."""
    return program_text(name, dict(vars(config), quantize=quantize,
                                   batch=batch, build=build))


def program_text(name: str, c: Mapping[str, Any]) -> str:
    """program() over a mapping of StepConfig's fields plus `quantize`,
    `batch` and (optionally) `build`."""
    h, hk, d, S, bits = c["heads"], c["kv_heads"], c["head_dim"], c["subspaces"], c["bits"]
    C = 1 << bits
    ip = c["metric"] == "ip"
    width = d // S + (1 if ip else 0) if S else 0
    qt, wt, it, ct = c["query_type"], c["weight_type"], c["index_type"], c["centroid_type"]
    batch, quantize, layout = c["batch"], c["quantize"], c["layout"]
    b = str(batch) if batch else "?"
    codes = (f"memref<{b}x{hk}x?x{S}xui8>" if layout == "compact"
             else f"memref<{b}x?x{hk}x{S}xi64>")
    step = (f"#pq.step<sink = {c['sink']}, window = {c['window']}, heavy = {c['heavy']}, "
            f"init_offset = {c['init_offset']}, bits = {bits}, metric = {c['metric']}>")
    q = f"memref<{b}x{h}x1x{d}x{qt}>"
    k = f"memref<{b}x{hk}x?x{d}x{qt}>"
    cent = f"memref<{b}x{hk}x{S}x{C}x{width}x{ct}>"
    sl, sn, wl = f"memref<{b}x{h}x?x{it}>", f"memref<{b}x{h}xi64>", f"memref<{b}x{h}x?x{wt}>"
    phi_arg = ", %phi: memref<?xf32>" if ip and quantize else ""
    lines = [f"func.func @{name}(%query: {q}, %key: {k}, %centroids: {cent}{phi_arg}, "
             f"%codes: {codes}, %num_cached: index, %seq_len: index, %sparse_list: {sl}, "
             f"%sparse_len: {sn}, %weight_list: {wl}) -> index {{"]
    count = "%num_cached"
    if quantize:
        phi_use, phi_ty = (" phi %phi", ", memref<?xf32>") if ip else ("", "")
        lines.append(f"  %n = pq.quantize %key, %centroids{phi_use} into %codes[%num_cached] "
                     f"seq_len %seq_len step {step} layout {layout} : {k}, {cent}{phi_ty} into {codes}")
        count = "%n"
    lines += [
        f"  %scores = pq.score %query, %centroids, %codes[{count}] seq_len %seq_len step {step} "
        f"layout {layout} : {q}, {cent}, {codes} -> memref<{b}x{h}x?xf32>",
        f"  %heavy = pq.topk %scores seq_len %seq_len step {step} tie lowest_index : "
        f"memref<{b}x{h}x?xf32> -> memref<{b}x{h}x?xi32>",
        f"  pq.gen_indices %heavy seq_len %seq_len step {step} outs(%sparse_list, %sparse_len, "
        f"%weight_list) : memref<{b}x{h}x?xi32>, {sl}, {sn}, {wl}",
        f"  return {count} : index", "}"]
    if c.get("build"):
        phi_arg, phi_out, phi_ty = ((", %phi: memref<?xf32>", ", phi %phi", ", memref<?xf32>")
                                    if ip else ("", "", ""))
        init = f"memref<?x{C}xi64>"
        lines += [
            f"func.func @{name}_build(%key: {k}, %initial: {init}, %seq_len: index, "
            f"%iters: index, %centroids: {cent}, %codes: {codes}{phi_arg}) -> index {{",
            f"  %n = pq.kmeans %key init %initial seq_len %seq_len iters %iters step {step} "
            f"layout {layout} outs(%centroids, %codes{phi_out}) : {k}, {init} -> {cent}, "
            f"{codes}{phi_ty}",
            "  return %n : index", "}"]
    return "\n".join(lines) + "\n"
