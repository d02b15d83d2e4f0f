//===- BenchIndex.h - The bundles a benchmark run times ---------*- C++ -*-===//
//
// scripts/make-bench-bundles.py writes DIR/index.json (the anchor's shapes)
// and DIR/sweep.json (the scaling sweep): one entry per timed call, with the
// bundle it runs (DIR/<bundle>.pqmod; several calls may share one), the
// anchor shape or sweep series it stands for and the call to time
// (bench_batch, bench_seq_len). The step itself is read from the bundle.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_BENCH_BENCHINDEX_H
#define PQ_BENCH_BENCHINDEX_H

#include "pqrt/Config.h"

#include <string>
#include <vector>

namespace pqbench {

struct BenchEntry {
  std::string name;   // seed_compact
  std::string shape;  // seed (the anchor's shape name)
  std::string layout; // seed | compact
  std::string series; // sweep axis ("sk" or "b"); empty in the shape table
  std::string path;   // DIR/<bundle>.pqmod (bundle defaults to name)
  int64_t batch = 1;
  int64_t seqLen = 0;
};

/// Reads `indexPath`; bundle paths are relative to its directory. `only`
/// (comma-separated names, empty: all) filters the entries.
pqrt::Status readBenchIndex(const std::string &indexPath,
                            const std::string &only,
                            std::vector<BenchEntry> &entries);

} // namespace pqbench

#endif // PQ_BENCH_BENCHINDEX_H
