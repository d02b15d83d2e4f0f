// RUN: pq-opt %s -split-input-file -verify-diagnostics

func.func @layout(%k: memref<?x2x?x8xbf16>, %c: memref<?x2x2x4x4xf32>, %codes: memref<?x2x?x2xui8>, %nc: index, %sk: index) {
  // expected-error @below {{expected ::mlir::pq::Layout to be one of: seed, compact}}
  // expected-error @below {{failed to parse PQ_LayoutAttr parameter 'value'}}
  %n = pq.quantize %k, %c into %codes[%nc] seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> layout packed : memref<?x2x?x8xbf16>, memref<?x2x2x4x4xf32> into memref<?x2x?x2xui8>
  return
}

// -----

func.func @tie(%s: memref<?x4x?xf32>, %sk: index) {
  // expected-error @below {{expected ::mlir::pq::TieRule to be one of: lowest_index}}
  // expected-error @below {{failed to parse PQ_TieRuleAttr parameter 'value'}}
  %h = pq.topk %s seq_len %sk step #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = euclidean> tie highest_index : memref<?x4x?xf32> -> memref<?x4x?xi32>
  return
}

// -----

// expected-error @below {{expected ::mlir::pq::Metric to be one of: euclidean, ip}}
// expected-error @below {{failed to parse PQ_StepAttr parameter 'metric'}}
module attributes {pq.test = #pq.step<sink = 1, window = 1, heavy = 2, init_offset = 1, bits = 2, metric = cosine>} {}
