//===- PQDialect.td - The pq dialect -----------------------*- tablegen -*-===//
//
// The pq dialect describes the decode-time indexer of PQCache-style sparse
// attention: scoring cached keys from their product-quantization codes,
// window-masked top-k selection, attended-token list generation and the
// quantization of new keys. SEMANTICS.md is the contract of every op.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_DIALECT_TD
#define PQ_DIALECT_TD

include "mlir/IR/OpBase.td"

def PQ_Dialect : Dialect {
  let name = "pq";
  let cppNamespace = "::mlir::pq";
  let summary = "PQCache sparse-attention indexer";
  let description = [{
    Ops over memrefs that describe one decode step of the PQCache indexer.
    Static sizes (heads, kv heads, head dim, subspaces, centroids) live in the
    types; batch and sequence lengths are dynamic. The settings shared by every
    op of a step (sink, window, heavy, init_offset, pq_bits, metric) live in
    one `#pq.step` attribute, so `pq-fuse` can tell which ops form one step.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    /// The module attribute naming the GPU a module is compiled for.
    static constexpr ::llvm::StringLiteral kTargetAttrName = "pq.target";
  }];
}

class PQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<PQ_Dialect, mnemonic, traits>;

#endif // PQ_DIALECT_TD
