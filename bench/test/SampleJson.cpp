//===- SampleJson.cpp - pq-bench's JSON, written without a GPU -----------===//
//
// Writes a shape-table report and a sweep report through pq-bench's own
// writer, with made-up times (device "synthetic"), so test_scripts.py checks
// compare.py and plot_sweep.py against the JSON pq-bench really writes.
//   pq-bench-sample-json TABLE.json SWEEP.json
//
//===----------------------------------------------------------------------===//

#include "BenchReport.h"

#include <cstdio>

using namespace pqbench;

namespace {

BundleResult row(const std::string &shape, const std::string &layout,
                 const std::string &series, int64_t b, int64_t sk,
                 const std::vector<int64_t> &newKeys, bool minimal) {
  BundleResult r;
  r.entry.name = series.empty()
                     ? shape + "_" + layout
                     : series + std::to_string(series == "b" ? b : sk);
  r.entry.shape = shape;
  r.entry.layout = layout;
  r.entry.series = series;
  r.entry.batch = b;
  r.entry.seqLen = sk;
  r.strategy = "split";
  r.n = sk - 128;
  r.floor.bytes = b * sk * 100;
  r.floor.us = double(r.floor.bytes) / 4e6; // 4 TB/s
  for (int64_t k : newKeys) {
    ColumnTimes c;
    c.newKeys = k;
    c.gpuUs = 5 + 3 * r.floor.us + 0.5 * double(k);
    c.wallUs = c.gpuUs + 6;
    c.graphGpuUs = c.gpuUs - 0.5;
    c.graphWallUs = c.gpuUs + 4;
    c.check = "PASS";
    r.columns.push_back(c);
  }
  if (minimal) {
    r.minimal.gpuUs = 3;
    r.minimal.wallUs = 8;
    r.minimal.check = "PASS";
  }
  return r;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pq-bench-sample-json TABLE.json SWEEP.json\n");
    return 2;
  }
  RunInfo info;
  info.device = "synthetic";
  info.sm = 90;
  info.bandwidthTbps = 4;
  info.bandwidthSource = "given";
  std::vector<BundleResult> table;
  for (const char *shape : {"seed", "gqa16k"}) {
    for (const char *layout : {"seed", "compact"}) {
      table.push_back(
          row(shape, layout, "", 8, 16384, info.settings.newKeys, true));
    }
  }
  table.back().columns[1].check = "FAIL";
  table.back().columns[1].checkMessage = "first run: made up";
  pqrt::Status status = writeJson(argv[1], info, table);

  info.settings.newKeys = {0};
  info.settings.graph = info.settings.minimal = false;
  std::vector<BundleResult> sweep;
  for (int64_t sk = 4096; sk <= 262144; sk *= 2) {
    sweep.push_back(row("gqa16k", "compact", "sk", 1, sk, {0}, false));
  }
  for (int64_t b = 1; b <= 64; b *= 2) {
    sweep.push_back(row("gqa16k", "compact", "b", b, 16384, {0}, false));
  }
  if (status.ok()) {
    status = writeJson(argv[2], info, sweep);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "pq-bench-sample-json: %s\n", status.message.c_str());
    return 1;
  }
  return 0;
}
