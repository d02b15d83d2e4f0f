//===- PQAttrs.td - pq dialect attributes ------------------*- tablegen -*-===//

#ifndef PQ_ATTRS_TD
#define PQ_ATTRS_TD

include "PQDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def PQ_MetricEuclidean : I32EnumAttrCase<"euclidean", 0>;
def PQ_MetricIP : I32EnumAttrCase<"ip", 1>;
def PQ_Metric : I32EnumAttr<"Metric", "PQ distance metric of the index",
    [PQ_MetricEuclidean, PQ_MetricIP]> {
  let cppNamespace = "::mlir::pq";
  let genSpecializedAttr = 0;
}
def PQ_MetricAttr : EnumAttr<PQ_Dialect, PQ_Metric, "metric"> {
  let assemblyFormat = "$value";
}

def PQ_LayoutSeed : I32EnumAttrCase<"seed", 0>;
def PQ_LayoutCompact : I32EnumAttrCase<"compact", 1>;
def PQ_Layout : I32EnumAttr<"Layout",
    "codebook layout: seed int64 [b, n_max, h_kv, S] or compact uint8 "
    "[b, h_kv, n_max, S]", [PQ_LayoutSeed, PQ_LayoutCompact]> {
  let cppNamespace = "::mlir::pq";
  let genSpecializedAttr = 0;
}
def PQ_LayoutAttr : EnumAttr<PQ_Dialect, PQ_Layout, "layout"> {
  let assemblyFormat = "$value";
}

def PQ_TieLowestIndex : I32EnumAttrCase<"lowest_index", 0>;
def PQ_TieRule : I32EnumAttr<"TieRule",
    "which of equal scores top-k keeps", [PQ_TieLowestIndex]> {
  let cppNamespace = "::mlir::pq";
  let genSpecializedAttr = 0;
}
def PQ_TieRuleAttr : EnumAttr<PQ_Dialect, PQ_TieRule, "tie"> {
  let assemblyFormat = "$value";
}

def PQ_StrategyRow : I32EnumAttrCase<"row", 0>;
def PQ_StrategySplit : I32EnumAttrCase<"split", 1>;
def PQ_StrategyCluster : I32EnumAttrCase<"cluster", 2>;
def PQ_Strategy : I32EnumAttr<"Strategy",
    "how a fused indexer maps rows onto CTAs",
    [PQ_StrategyRow, PQ_StrategySplit, PQ_StrategyCluster]> {
  let cppNamespace = "::mlir::pq";
  let genSpecializedAttr = 0;
}
def PQ_StrategyAttr : EnumAttr<PQ_Dialect, PQ_Strategy, "strategy"> {
  let assemblyFormat = "$value";
}

//===----------------------------------------------------------------------===//
// Step settings
//===----------------------------------------------------------------------===//

class PQ_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<PQ_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def PQ_StepAttr : PQ_Attr<"Step", "step"> {
  let summary = "settings shared by every op of one indexer step";
  let description = [{
    `sink`, `window` and `heavy` are the token counts of SEMANTICS.md,
    `init_offset` the first position the PQ index covers, `bits` the PQ code
    width (C = 2^bits centroids per subspace) and `metric` the distance the
    centroids were trained for. Full attention applies when
    sk <= heavy + init_offset + 1 + C.

    ```mlir
    #pq.step<sink = 128, window = 128, heavy = 256, init_offset = 128,
             bits = 6, metric = euclidean>
    ```
  }];
  let parameters = (ins
    "int64_t":$sink,
    "int64_t":$window,
    "int64_t":$heavy,
    "int64_t":$init_offset,
    "int64_t":$bits,
    EnumParameter<PQ_Metric>:$metric
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// C, the number of centroids per subspace.
    int64_t getNumCentroids() const { return int64_t(1) << getBits(); }
    /// Largest sk that still takes the full-attention path.
    int64_t getFullAttentionLimit() const {
      return getHeavy() + getInitOffset() + 1 + getNumCentroids();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Targets and tiling decisions (read by pq-tile and convert-pq-to-gpu)
//===----------------------------------------------------------------------===//

def PQ_TargetAttr : PQ_Attr<"Target", "target"> {
  let summary = "the GPU a module is compiled for";
  let description = [{
    ```mlir
    #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024,
               clusters = true>
    ```
    `smem` is the opt-in shared memory per block in bytes.
  }];
  let parameters = (ins
    StringRefParameter<"SM architecture, e.g. sm_80">:$chip,
    "int64_t":$sms,
    "int64_t":$smem,
    "int64_t":$max_threads,
    "bool":$clusters
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The description of a known chip ("sm_80", "sm_86", "sm_89", "sm_90",
    /// "sm_90a"), or a null attribute for an unknown one.
    static TargetAttr getKnown(::mlir::MLIRContext *context,
                               ::llvm::StringRef chip);
    /// The chips getKnown accepts, for diagnostics.
    static ::llvm::StringRef knownChips();
  }];
}

def PQ_TilingAttr : PQ_Attr<"Tiling", "tiling"> {
  let summary = "strategy and tile sizes pq-tile chose for a fused indexer";
  let description = [{
    `strategy` is `row` (one CTA per (batch, kv head) serves every query head
    of the group and keeps scores in shared memory), `split` (a row spread
    over `ctas_per_row` CTAs of a score kernel, then a select kernel per row)
    or `cluster` (sm_90: one launch; a thread-block cluster of `ctas_per_row`
    CTAs per (batch, kv head), each keeping the scores of its chunk of keys
    in shared memory, merging histograms through distributed shared memory).
    `threads` is the CTA size, `max_seq_len` the largest sk the choice
    supports (bounded by shared memory for `row` and `cluster`).
    `row_groups` (cluster only; default 1, then not printed) splits a query
    group's rows over that many clusters, each keeping the keys of its
    rows only: less shared memory per CTA, so longer chunks or two CTAs per
    SM. It must divide the group (heads / kv_heads).

    ```mlir
    #pq.tiling<strategy = row, threads = 512, ctas_per_row = 1,
               max_seq_len = 16384, smem = 139264>
    ```
  }];
  let parameters = (ins
    EnumParameter<PQ_Strategy>:$strategy,
    "int64_t":$threads,
    "int64_t":$ctas_per_row,
    "int64_t":$max_seq_len,
    "int64_t":$smem,
    DefaultValuedParameter<"int64_t", "1">:$row_groups
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Largest supported sequence bound: kernels count keys in 32-bit
    /// integers and a row's keys must stay far below 2^31 bytes.
    static constexpr int64_t kMaxSeqLen = int64_t(1) << 24;
  }];
}

#endif // PQ_ATTRS_TD
