//===- PQOps.td - pq dialect operations --------------------*- tablegen -*-===//
//
// One op per phase of the indexer step (SEMANTICS.md) plus the fused op that
// pq-fuse builds from a chain of them. Every op carries the step's `#pq.step`
// settings; when sk <= heavy + init_offset + 1 + C the step takes the
// full-attention path: quantize, score and topk do nothing and gen_indices
// lists every token.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_OPS_TD
#define PQ_OPS_TD

include "PQAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"

def PQ_FloatMemRef4D : MemRefRankOf<[BF16, F16, F32], [4]>;
def PQ_CentroidMemRef : MemRefRankOf<[BF16, F32], [5]>;
def PQ_PhiMemRef : MemRefRankOf<[F32], [1]>;
def PQ_CodeMemRef : MemRefRankOf<[I64, UI8], [4]>;
def PQ_ScoreMemRef : MemRefRankOf<[F32], [3]>;
def PQ_HeavyMemRef : MemRefRankOf<[I32, I64], [3]>;
def PQ_SparseListMemRef : MemRefRankOf<[I32, I64], [3]>;
def PQ_SparseLenMemRef : MemRefRankOf<[I64], [2]>;
def PQ_WeightMemRef : MemRefRankOf<[BF16, F16, F32], [3]>;
def PQ_InitialMemRef : MemRefRankOf<[I64], [2]>;

def PQ_QuantizeOp : PQ_Op<"quantize"> {
  let summary = "quantize the keys not yet in the codebook";
  let description = [{
    For every key position p in [init_offset + num_cached, seq_len) and every
    subspace s, appends argmin_c ||x_s - centroids[b, kv, s, c]||^2 to the
    codebook (ties to the lowest c). For metric `ip`, x_s is first extended by
    sqrt(max(phi[(b * h_kv + kv) * S + s] - ||x_s||^2, 0)). Returns the number
    of codes now filled, seq_len - init_offset (num_cached on the
    full-attention path, where nothing is quantized).

    ```mlir
    %n = pq.quantize %key, %centroids into %codes[%num_cached]
        seq_len %sk step #step layout compact
        : memref<?x8x?x128xbf16>, memref<?x8x2x64x64xf32>
          into memref<?x8x?x2xui8>
    ```
  }];
  let arguments = (ins
    Arg<PQ_FloatMemRef4D, "key cache [b, h_kv, sk, d]", [MemRead]>:$key,
    Arg<PQ_CentroidMemRef, "centroids [b, h_kv, S, C, ds']", [MemRead]>:$centroids,
    Arg<Optional<PQ_PhiMemRef>, "ip2l2 phi [b * h_kv * S]", [MemRead]>:$phi,
    Arg<PQ_CodeMemRef, "codebook", [MemRead, MemWrite]>:$codes,
    Index:$num_cached,
    Index:$seq_len,
    PQ_LayoutAttr:$layout,
    PQ_StepAttr:$step,
    OptionalAttr<I64Attr>:$max_seq_len
  );
  let results = (outs Index:$num_codes);
  let assemblyFormat = [{
    $key `,` $centroids (`phi` $phi^)? `into` $codes `[` $num_cached `]`
    `seq_len` $seq_len `step` qualified($step) `layout` `` $layout attr-dict
    `:` type($key) `,` type($centroids) (`,` type($phi)^)? `into` type($codes)
  }];
  let hasVerifier = 1;
}

def PQ_ScoreOp : PQ_Op<"score"> {
  let summary = "score every indexed key of every query head from its PQ codes";
  let description = [{
    scores[b, i, j] = sum_s dot(query[b, i, 0, s*ds:(s+1)*ds],
    centroids[b, i / grp, s, code(b, j, i / grp, s), 0:ds]) in fp32 for j in
    [0, num_codes). The result is a new buffer [b, h, num_codes]; pq-fuse keeps
    it on chip when its only user is a `pq.topk`.

    ```mlir
    %scores = pq.score %query, %centroids, %codes[%n] seq_len %sk
        step #step layout compact
        : memref<?x32x1x128xbf16>, memref<?x8x2x64x64xf32>,
          memref<?x8x?x2xui8> -> memref<?x32x?xf32>
    ```
  }];
  let arguments = (ins
    Arg<PQ_FloatMemRef4D, "query [b, h, 1, d]", [MemRead]>:$query,
    Arg<PQ_CentroidMemRef, "centroids [b, h_kv, S, C, ds']", [MemRead]>:$centroids,
    Arg<PQ_CodeMemRef, "codebook", [MemRead]>:$codes,
    Index:$num_codes,
    Index:$seq_len,
    PQ_LayoutAttr:$layout,
    PQ_StepAttr:$step
  );
  let results = (outs Res<PQ_ScoreMemRef, "scores [b, h, n]", [MemAlloc]>:$scores);
  let assemblyFormat = [{
    $query `,` $centroids `,` $codes `[` $num_codes `]` `seq_len` $seq_len
    `step` qualified($step) `layout` `` $layout attr-dict
    `:` type($query) `,` type($centroids) `,` type($codes) `->` type($scores)
  }];
  let hasVerifier = 1;
}

def PQ_TopKOp : PQ_Op<"topk"> {
  let summary = "window-masked top-k selection of heavy tokens";
  let description = [{
    Masks j >= ws = max(0, seq_len - window - init_offset) to -inf and keeps
    the k = min(heavy, n) largest scores of each row, equal scores going to the
    lower index (`tie lowest_index`). The result [b, h, k] holds the selected
    indices j in ascending order.

    ```mlir
    %heavy = pq.topk %scores seq_len %sk step #step tie lowest_index
        : memref<?x32x?xf32> -> memref<?x32x?xi32>
    ```
  }];
  let arguments = (ins
    Arg<PQ_ScoreMemRef, "scores [b, h, n]", [MemRead]>:$scores,
    Index:$seq_len,
    PQ_TieRuleAttr:$tie,
    PQ_StepAttr:$step
  );
  let results = (outs Res<PQ_HeavyMemRef, "heavy indices [b, h, k]", [MemAlloc]>:$heavy);
  let assemblyFormat = [{
    $scores `seq_len` $seq_len `step` qualified($step) `tie` `` $tie attr-dict
    `:` type($scores) `->` type($heavy)
  }];
  let hasVerifier = 1;
}

def PQ_GenIndicesOp : PQ_Op<"gen_indices"> {
  let summary = "emit the attended token list and the dense weight row";
  let description = [{
    sparse_list = [0, sink) ++ (heavy + init_offset) ++ [sk - window, sk),
    sparse_len = total, weight_list = 1 exactly at listed positions and 0
    elsewhere (SEMANTICS.md step 6); on the full-attention path every token
    is listed.

    ```mlir
    pq.gen_indices %heavy seq_len %sk step #step
        outs(%list, %len, %weights)
        : memref<?x32x?xi32>, memref<?x32x?xi64>, memref<?x32xi64>,
          memref<?x32x?xbf16>
    ```
  }];
  let arguments = (ins
    Arg<PQ_HeavyMemRef, "heavy indices [b, h, k]", [MemRead]>:$heavy,
    Index:$seq_len,
    Arg<PQ_SparseListMemRef, "sparse_list [b, h, total]", [MemWrite]>:$sparse_list,
    Arg<PQ_SparseLenMemRef, "sparse_len [b, h]", [MemWrite]>:$sparse_len,
    Arg<PQ_WeightMemRef, "weight_list [b, h, sk]", [MemWrite]>:$weight_list,
    PQ_StepAttr:$step
  );
  let assemblyFormat = [{
    $heavy `seq_len` $seq_len `step` qualified($step)
    `outs` `(` $sparse_list `,` $sparse_len `,` $weight_list `)` attr-dict
    `:` type($heavy) `,` type($sparse_list) `,` type($sparse_len) `,`
        type($weight_list)
  }];
  let hasVerifier = 1;
}

def PQ_IndexerOp : PQ_Op<"indexer", [AttrSizedOperandSegments]> {
  let summary = "one whole indexer step (built by pq-fuse)";
  let description = [{
    The fused chain quantize -> score -> topk -> gen_indices: scores and heavy
    indices never leave the chip. `key` (and `phi` for metric `ip`) are present
    when the chain quantized new keys; without `key` the codebook must already
    hold seq_len - init_offset codes. `tiling`, set by pq-tile, is what
    convert-pq-to-gpu lowers.

    ```mlir
    %n = pq.indexer query(%q : memref<?x32x1x128xbf16>)
        key(%k : memref<?x8x?x128xbf16>)
        centroids(%c : memref<?x8x2x64x64xf32>)
        codes(%codes : memref<?x8x?x2xui8>)[%num_cached] seq_len %sk
        outs(%list, %len, %weights : memref<?x32x?xi64>, memref<?x32xi64>,
             memref<?x32x?xbf16>)
        step #step layout compact tie lowest_index
    ```
  }];
  let arguments = (ins
    Arg<PQ_FloatMemRef4D, "query [b, h, 1, d]", [MemRead]>:$query,
    Arg<Optional<PQ_FloatMemRef4D>, "key cache [b, h_kv, sk, d]", [MemRead]>:$key,
    Arg<PQ_CentroidMemRef, "centroids [b, h_kv, S, C, ds']", [MemRead]>:$centroids,
    Arg<Optional<PQ_PhiMemRef>, "ip2l2 phi [b * h_kv * S]", [MemRead]>:$phi,
    Arg<PQ_CodeMemRef, "codebook", [MemRead, MemWrite]>:$codes,
    Index:$num_cached,
    Index:$seq_len,
    Arg<PQ_SparseListMemRef, "sparse_list [b, h, total]", [MemWrite]>:$sparse_list,
    Arg<PQ_SparseLenMemRef, "sparse_len [b, h]", [MemWrite]>:$sparse_len,
    Arg<PQ_WeightMemRef, "weight_list [b, h, sk]", [MemWrite]>:$weight_list,
    PQ_LayoutAttr:$layout,
    PQ_TieRuleAttr:$tie,
    PQ_StepAttr:$step,
    OptionalAttr<PQ_TilingAttr>:$tiling
  );
  let results = (outs Index:$num_codes);
  let assemblyFormat = [{
    `query` `(` $query `:` type($query) `)`
    (`key` `(` $key^ `:` type($key) `)`)?
    `centroids` `(` $centroids `:` type($centroids) `)`
    (`phi` `(` $phi^ `:` type($phi) `)`)?
    `codes` `(` $codes `:` type($codes) `)` `` `[` $num_cached `]`
    `seq_len` $seq_len
    `outs` `(` $sparse_list `,` $sparse_len `,` $weight_list `:`
        type($sparse_list) `,` type($sparse_len) `,` type($weight_list) `)`
    `step` qualified($step) `layout` `` $layout `tie` `` $tie (`tiling` qualified($tiling)^)? attr-dict
  }];
  let hasVerifier = 1;
}

def PQ_KMeansOp : PQ_Op<"kmeans"> {
  let summary = "build the index: k-means per (b, kv head, subspace)";
  let description = [{
    SEMANTICS.md "Building the index": the n = seq_len - init_offset keys
    from init_offset on, split into S subvectors, are clustered per group
    g = (b * h_kv + kv) * S + s into C = 2^bits centroids, starting from the
    points at `initial[g, :]` (distinct indices in [0, n); the runtime draws
    them by docs/BUILD.md's seeded rule when the caller gives none), with at
    most `iters` Lloyd updates (squared L2 in fp32, ties to the lowest c,
    empty clusters kept, an early stop when every group's (sum_c ||shift||)^2
    is below 1e-4). For metric `ip` every point is first extended by
    sqrt(max(phi[g] - ||x||^2, 0)) with phi[g] the group's largest ||x||^2,
    written to `phi`. Writes the centroids and the codes of all n keys
    (assigned to the final centroids as stored) and returns n, the
    codebook's new count. n < C is an error at run time. pq-tile sets
    `max_seq_len` (the largest sk the GPU build serves: its workspace and
    grid).

    ```mlir
    %n = pq.kmeans %key init %initial seq_len %sk iters %t
        step #step layout compact outs(%centroids, %codes)
        : memref<?x8x?x128xbf16>, memref<?x64xi64>
          -> memref<?x8x2x64x64xf32>, memref<?x8x?x2xui8>
    ```
  }];
  let arguments = (ins
    Arg<PQ_FloatMemRef4D, "key cache [b, h_kv, sk, d]", [MemRead]>:$key,
    Arg<PQ_InitialMemRef, "initial point indices [b * h_kv * S, C]", [MemRead]>:$initial,
    Index:$seq_len,
    Index:$iters,
    Arg<PQ_CentroidMemRef, "centroids [b, h_kv, S, C, ds']", [MemWrite]>:$centroids,
    Arg<PQ_CodeMemRef, "codebook", [MemWrite]>:$codes,
    Arg<Optional<PQ_PhiMemRef>, "ip2l2 phi [b * h_kv * S]", [MemWrite]>:$phi,
    PQ_LayoutAttr:$layout,
    PQ_StepAttr:$step,
    OptionalAttr<I64Attr>:$max_seq_len
  );
  let results = (outs Index:$num_codes);
  let assemblyFormat = [{
    $key `init` $initial `seq_len` $seq_len `iters` $iters
    `step` qualified($step) `layout` `` $layout
    `outs` `(` $centroids `,` $codes (`,` `phi` $phi^)? `)` attr-dict
    `:` type($key) `,` type($initial) `->` type($centroids) `,` type($codes)
    (`,` type($phi)^)?
  }];
  let hasVerifier = 1;
}

#endif // PQ_OPS_TD
