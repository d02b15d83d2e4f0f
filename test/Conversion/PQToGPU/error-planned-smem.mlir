// RUN: pq-opt %s --convert-pq-to-gpu -verify-diagnostics

// The shared memory a kernel needs comes from its plan, not from the
// tiling's `smem` field: a hand-written cluster tiling for qwen2_5_7b's step
// (group 7, S = 4, C = 256) at 131072 tokens that claims 0 bytes is refused
// with the planned 331264 bytes (F + E + 28 * chunk, tile-sm90.mlir).

#qwen = #pq.step<sink = 128, window = 128, heavy = 2048, init_offset = 128, bits = 8, metric = ip>
module attributes {pq.target = #pq.target<chip = "sm_90", sms = 132, smem = 232448, max_threads = 1024, clusters = true>} {
  func.func @qwen2_5_7b(%q: memref<?x28x1x128xbf16>, %k: memref<?x4x?x128xbf16>, %c: memref<?x4x4x256x33xf32>, %phi: memref<?xf32>, %codes: memref<?x4x?x4xui8>, %nc: index, %sk: index, %l: memref<?x28x?xi64>, %len: memref<?x28xi64>, %w: memref<?x28x?xbf16>) -> index {
    // expected-error @below {{convert-pq-to-gpu: kernel 'qwen2_5_7b_cluster' needs 331264 bytes of shared memory for this tiling, the target sm_90 has 232448}}
    %n = pq.indexer query(%q : memref<?x28x1x128xbf16>) key(%k : memref<?x4x?x128xbf16>) centroids(%c : memref<?x4x4x256x33xf32>) phi(%phi : memref<?xf32>) codes(%codes : memref<?x4x?x4xui8>)[%nc] seq_len %sk outs(%l, %len, %w : memref<?x28x?xi64>, memref<?x28xi64>, memref<?x28x?xbf16>) step #qwen layout compact tie lowest_index tiling #pq.tiling<strategy = cluster, threads = 512, ctas_per_row = 16, max_seq_len = 131072, smem = 0>
    return %n : index
  }
}
