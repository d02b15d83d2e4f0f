//===- Passes.td - pq transformation passes ----------------*- tablegen -*-===//

#ifndef PQ_TRANSFORMS_PASSES_TD
#define PQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def PQFusePass : Pass<"pq-fuse", "func::FuncOp"> {
  let summary = "Fuse quantize -> score -> topk -> gen_indices into pq.indexer";
  let description = [{
    A `pq.score` whose scores have one use, a `pq.topk` on them whose heavy
    indices have one use, and the `pq.gen_indices` consuming them, all with
    the same `#pq.step` and `seq_len` and in one block, become one
    `pq.indexer` at the position of the `pq.gen_indices`; the scores and heavy
    indices then never reach memory. A `pq.quantize` joins when it writes the
    codebook the score reads (same centroids, layout, step and `seq_len`) and
    its count is the score's `num_codes`; its other uses take the fused op's
    result, so they must come after the `pq.gen_indices`. Otherwise the
    quantize stays and the fused op starts at the score, with the score's
    `num_codes` as the codes already cached.

    The chain's ops move down to the `pq.gen_indices`: an op in between that
    may write memory (or has unknown effects), or any memory read between a
    joining quantize and the `pq.gen_indices`, keeps them where they are.
    Chains that do not match are left alone; they are not errors.

    Before:
    ```mlir
    %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #step layout compact : ...
    %s = pq.score %q, %c, %codes[%n] seq_len %sk step #step layout compact : ...
    %h = pq.topk %s seq_len %sk step #step tie lowest_index : ...
    pq.gen_indices %h seq_len %sk step #step outs(%l, %len, %w) : ...
    ```
    After:
    ```mlir
    %n = pq.indexer query(%q : ...) key(%k : ...) centroids(%c : ...)
        codes(%codes : ...)[%nc] seq_len %sk outs(%l, %len, %w : ...)
        step #step layout compact tie lowest_index
    ```
  }];
  let dependentDialects = ["::mlir::pq::PQDialect"];
}

def PQTilePass : Pass<"pq-tile", "ModuleOp"> {
  let summary = "Choose the strategy and tile sizes of every pq.indexer";
  let description = [{
    Reads the GPU from `--target` (which also sets the module's `pq.target`)
    or from the module's `pq.target` attribute, and gives every
    `pq.indexer` a `#pq.tiling` (replacing any it has): `row` when one CTA
    per (batch, kv head) can keep the queries, lookup tables and scores of
    its query group for `max-seq-len` tokens in shared memory, `split`
    otherwise, with ceil(2 * SMs / kv_heads) CTAs per row (1 to 64). On
    targets with thread-block clusters (sm_90) it picks `cluster` first: a
    cluster per (batch, kv head) with enough CTAs to give every SM one at
    batch 1 (or the static batch), more when a CTA's chunk of keys would not
    fit, at most 16 (`cluster-size` fixes it); 256 threads when two CTAs fit
    an SM's shared memory, else 512. Row and split use min(512,
    max_threads) threads. All use the shared-memory plans of
    `pq/Utils/KernelPlan.h` that convert-pq-to-gpu lays the kernels out
    with. A step whose queries and lookup tables alone exceed shared memory
    is an error.

    ```mlir
    %n = pq.indexer ... step #step layout compact tie lowest_index
    // becomes, for llama3_8b (examples/) with --target=sm_90 max-seq-len=4096:
    %n = pq.indexer ... step #step layout compact tie lowest_index
        tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1,
                          max_seq_len = 4096, smem = 68720>
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "GPU architecture (sm_80, sm_86, sm_89, sm_90); empty: use the "
           "module's pq.target attribute">,
    Option<"maxSeqLen", "max-seq-len", "int64_t", /*default=*/"131072",
           "Largest sequence length the compiled step must support">,
    Option<"clusterSize", "cluster-size", "int64_t", /*default=*/"0",
           "CTAs per cluster of a `cluster` tiling (1 to 16); 0: pq-tile "
           "chooses">,
    Option<"rowGroups", "row-groups", "int64_t", /*default=*/"0",
           "Clusters a query group's rows are split over in a `cluster` "
           "tiling (a divisor of heads / kv_heads); 0: pq-tile chooses">,
  ];
  let dependentDialects = ["::mlir::pq::PQDialect"];
}

#endif // PQ_TRANSFORMS_PASSES_TD
