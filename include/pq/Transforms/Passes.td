//===- Passes.td - pq transformation passes ----------------*- tablegen -*-===//

#ifndef PQ_TRANSFORMS_PASSES_TD
#define PQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def PQFusePass : Pass<"pq-fuse", "func::FuncOp"> {
  let summary = "Fuse quantize -> score -> topk -> gen_indices into pq.indexer";
  let description = [{
    A `pq.score` whose scores have one use, a `pq.topk` on them whose heavy
    indices have one use, and the `pq.gen_indices` consuming them, all with
    the same `#pq.step` and `seq_len`, become one `pq.indexer`; the scores
    and heavy indices then never reach memory. A `pq.quantize` that writes
    the scored codebook and whose count feeds the score joins the fused op
    (its other uses take the fused op's result). Chains whose intermediates
    have other uses are left alone.

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
    `pq.indexer` a `#pq.tiling`: `row` when one CTA per (batch, kv head) can
    keep the lookup tables and the scores of its query group for
    `max-seq-len` tokens in shared memory, `split` otherwise.

    ```mlir
    %n = pq.indexer ... step #step layout compact tie lowest_index
    // becomes, for --target=sm_90 max-seq-len=4096:
    %n = pq.indexer ... step #step layout compact tie lowest_index
        tiling #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1,
                          max_seq_len = 4096, smem = 75776>
    ```
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "GPU architecture (sm_80, sm_86, sm_89, sm_90); empty: use the "
           "module's pq.target attribute">,
    Option<"maxSeqLen", "max-seq-len", "int64_t", /*default=*/"131072",
           "Largest sequence length the compiled step must support">,
  ];
  let dependentDialects = ["::mlir::pq::PQDialect"];
}

#endif // PQ_TRANSFORMS_PASSES_TD
