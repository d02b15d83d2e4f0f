//===- PqBenchTest.cpp - pq-bench's GPU-free parts ------------------------===//
//
// The floor against the anchor's byte counts, the bench index, the command
// line, the inputs of a column and the derived numbers of the report. The
// GPU timings themselves run only on the device (bench/run.sh).
//
//===----------------------------------------------------------------------===//

#include "Bandwidth.h"
#include "BenchIndex.h"
#include "BenchInputs.h"
#include "BenchOptions.h"
#include "BenchReport.h"
#include "CApiBridge.h"

#include "pqrt/Layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace pqbench {
namespace {

using pqrt::StepBuffers;
using pqrt::StepConfig;

StepConfig anchorShape(int64_t b, int64_t h, int64_t hk, int64_t S,
                       int64_t bits, int64_t heavy, pqrt::CodeLayout layout) {
  StepConfig c;
  c.batch = b;
  c.heads = h;
  c.kvHeads = hk;
  c.headDim = 128;
  c.subspaces = S;
  c.bits = bits;
  c.heavy = heavy;
  c.sink = c.window = c.initOffset = 128;
  c.layout = layout;
  return c;
}

// The anchor's floor_int64_bytes / floor_uint8_bytes
// (../shared/anchors/baseline_h200_2026-11-30.json).
TEST(StepFloor, MatchesTheAnchorsBytes) {
  struct Case {
    int64_t b, h, hk, sk, S, bits, heavy, seedBytes, compactBytes;
  };
  const Case cases[] = {
      {1, 32, 32, 4096, 2, 6, 256, 2424832, 647168},
      {8, 32, 8, 16384, 2, 6, 1024, 27656192, 13090816},
      {1, 32, 32, 32768, 4, 8, 2048, 36110336, 6864896},
      {1, 32, 8, 131072, 4, 8, 4096, 43024384, 13692928},
  };
  for (const Case &k : cases) {
    const StepConfig seed = anchorShape(k.b, k.h, k.hk, k.S, k.bits, k.heavy,
                                        pqrt::CodeLayout::Seed);
    const StepConfig compact = anchorShape(k.b, k.h, k.hk, k.S, k.bits, k.heavy,
                                           pqrt::CodeLayout::Compact);
    EXPECT_EQ(stepFloor(seed, k.sk, 4.0).bytes, k.seedBytes) << k.sk;
    EXPECT_EQ(stepFloor(compact, k.sk, 4.0).bytes, k.compactBytes) << k.sk;
  }
  const StepConfig c =
      anchorShape(8, 32, 8, 2, 6, 1024, pqrt::CodeLayout::Compact);
  EXPECT_DOUBLE_EQ(stepFloor(c, 16384, 2.0).us, 13090816 / 2e12 * 1e6);
  EXPECT_EQ(stepFloor(c, 16384, 0).us, 0); // no bandwidth, no time
}

class TempDir : public ::testing::Test {
protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("pq-bench-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string write(const std::string &name, const std::string &text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  std::filesystem::path dir;
};

using BenchIndexTest = TempDir;

TEST_F(BenchIndexTest, ReadsBundleSeriesAndFilters) {
  const std::string path =
      write("sweep.json",
            R"([{"name": "sk4096", "bundle": "sweep_sk4096", "series": "sk",
           "shape": "gqa16k", "layout": "compact", "bench_batch": 1,
           "bench_seq_len": 4096},
          {"name": "b64", "bundle": "sweep_sk16384", "series": "b",
           "shape": "gqa16k", "bench_batch": 64, "bench_seq_len": 16384},
          {"name": "seed_seed", "shape": "seed", "bench_batch": 1,
           "bench_seq_len": 4096}])");
  std::vector<BenchEntry> all;
  ASSERT_TRUE(readBenchIndex(path, "", all).ok());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].path, (dir / "sweep_sk4096.pqmod").string());
  EXPECT_EQ(all[0].series, "sk");
  EXPECT_EQ(all[0].layout, "compact");
  EXPECT_EQ(all[1].path, (dir / "sweep_sk16384.pqmod").string());
  EXPECT_EQ(all[1].batch, 64);
  EXPECT_EQ(all[2].path, (dir / "seed_seed.pqmod").string()); // name
  EXPECT_EQ(all[2].series, "");

  std::vector<BenchEntry> some;
  ASSERT_TRUE(readBenchIndex(path, "b64,sk4096", some).ok());
  EXPECT_EQ(some.size(), 2u);
  std::vector<BenchEntry> none;
  pqrt::Status status = readBenchIndex(path, "b65", none);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message.find("no bundle named 'b65'"), std::string::npos);
}

TEST_F(BenchIndexTest, RejectsBadIndexes) {
  std::vector<BenchEntry> entries;
  EXPECT_FALSE(readBenchIndex((dir / "none.json").string(), "", entries).ok());
  EXPECT_FALSE(readBenchIndex(write("object.json", "{}"), "", entries).ok());
  EXPECT_FALSE(
      readBenchIndex(write("nobatch.json", R"([{"name": "a"}])"), "", entries)
          .ok());
  pqrt::Status status = readBenchIndex(
      write("zero.json",
            R"([{"name": "a", "bench_batch": 0, "bench_seq_len": 9}])"),
      "", entries);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message.find("at least 1"), std::string::npos);
}

bool parse(std::vector<const char *> args, Options &o, std::string &error) {
  args.insert(args.begin(), "pq-bench");
  return parseOptions(int(args.size()), args.data(), o, error);
}

TEST(BenchOptions, DefaultsAndNewKeys) {
  Options o;
  std::string error;
  ASSERT_TRUE(parse({"index.json"}, o, error)) << error;
  EXPECT_EQ(o.settings.newKeys, (std::vector<int64_t>{0, 1, 64}));
  EXPECT_TRUE(o.settings.graph);
  EXPECT_TRUE(o.settings.minimal);

  Options keys;
  ASSERT_TRUE(
      parse({"i.json", "--new-keys", "64,0,1,1", "--no-graph"}, keys, error))
      << error;
  EXPECT_EQ(keys.settings.newKeys, (std::vector<int64_t>{0, 1, 64}));
  EXPECT_FALSE(keys.settings.graph);
  EXPECT_TRUE(keys.settings.minimal);

  for (const char *bad : {"1,x", "", "-1", "1.5"}) {
    Options o2;
    EXPECT_FALSE(parse({"i.json", "--new-keys", bad}, o2, error)) << bad;
    EXPECT_NE(error.find("--new-keys"), std::string::npos);
  }
}

TEST(BenchOptions, SweepIsCheapUnlessToldOtherwise) {
  Options o;
  std::string error;
  ASSERT_TRUE(parse({"sweep.json", "--sweep", "--reps=5"}, o, error)) << error;
  const BenchSettings defaults;
  EXPECT_EQ(o.settings.newKeys, (std::vector<int64_t>{0}));
  EXPECT_FALSE(o.settings.graph);
  EXPECT_FALSE(o.settings.minimal);
  EXPECT_LT(o.settings.iters, defaults.iters);
  EXPECT_LT(o.settings.wallIters, defaults.wallIters);
  EXPECT_EQ(o.settings.reps, 5);
}

TEST(BenchOptions, Errors) {
  Options o;
  std::string error;
  EXPECT_FALSE(parse({"--help"}, o, error));
  EXPECT_EQ(error, "");
  EXPECT_FALSE(parse({}, o, error));
  EXPECT_EQ(error, "no INDEX.json given");
  EXPECT_FALSE(parse({"i.json", "--iters", "0"}, o, error));
  EXPECT_FALSE(parse({"i.json", "--frobnicate", "1"}, o, error));
  EXPECT_FALSE(parse({"i.json", "--reps"}, o, error));
  EXPECT_NE(usage().find("--new-keys"), std::string::npos);
}

StepConfig small(pqrt::CodeLayout layout) {
  StepConfig c;
  c.batch = 2;
  c.heads = 4;
  c.kvHeads = 2;
  c.headDim = 16;
  c.subspaces = 2;
  c.bits = 4;
  c.heavy = 8;
  c.sink = c.window = c.initOffset = 4;
  c.layout = layout;
  return c;
}

pqrt::Status reference(StepBuffers &buffers) {
  const pqrt_config config = pqrt::capi::toCConfig(buffers.config);
  pqrt_step step = pqrun::hostStep(buffers);
  return pqrun::fromC(pqrt_reference_run(&config, &step), "reference");
}

bool sentinel(const StepBuffers &b, int64_t batch, int64_t j) {
  const int64_t size = pqrt::elementSize(pqrt::codeType(b.config));
  const uint8_t *p =
      b.codebook.data() + pqrt::codeOffset(b.config, batch, j, 1, 1) * size;
  return std::all_of(p, p + size,
                     [](uint8_t v) { return v == pqrt::kSentinel; });
}

TEST(BenchInputs, OnlyTheQuantizedKeysAreDrawn) {
  const int64_t sk = 100, n = 96;
  for (auto layout : {pqrt::CodeLayout::Seed, pqrt::CodeLayout::Compact}) {
    StepBuffers none = makeBenchInputs(small(layout), sk, 0, 7);
    EXPECT_EQ(none.config.keyCapacity, 1);
    EXPECT_EQ(none.numCached, n);
    EXPECT_FALSE(sentinel(none, 1, n - 1));

    StepBuffers four = makeBenchInputs(small(layout), sk, 4, 7);
    EXPECT_EQ(four.config.keyCapacity, sk);
    EXPECT_EQ(four.numCached, n - 4);
    EXPECT_EQ(four.query, none.query);
    EXPECT_EQ(four.centroids, none.centroids);
    EXPECT_FALSE(sentinel(four, 1, n - 5));
    EXPECT_TRUE(sentinel(four, 1, n - 4));
    EXPECT_EQ(four.keyValue(1, 1, sk - 5, 3), 0.0f); // never read
    EXPECT_NE(four.keyValue(1, 1, sk - 4, 3), 0.0f);
    EXPECT_NE(four.keyValue(0, 0, sk - 1, 0), 0.0f);
  }
}

// What pq-bench relies on: the reference accepts a one-row key cache when
// nothing is quantized, and a column that re-quantizes fewer keys from the
// reference's codes ends where the reference did.
TEST(BenchInputs, ColumnsShareOneReference) {
  const int64_t sk = 100, n = 96;
  for (auto layout : {pqrt::CodeLayout::Seed, pqrt::CodeLayout::Compact}) {
    StepBuffers none = makeBenchInputs(small(layout), sk, 0, 3);
    ASSERT_TRUE(reference(none).ok());

    StepBuffers ref = makeBenchInputs(small(layout), sk, 4, 3);
    StepBuffers column = ref;
    ASSERT_TRUE(reference(ref).ok());
    EXPECT_EQ(ref.numCached, n);
    EXPECT_FALSE(sentinel(ref, 1, n - 1));

    column.codebook = ref.codebook;
    clearCodes(column, n - 1);
    EXPECT_TRUE(sentinel(column, 1, n - 1));
    EXPECT_TRUE(sentinel(column, 0, n - 1));
    EXPECT_FALSE(sentinel(column, 1, n - 2));
    column.numCached = n - 1;
    ASSERT_TRUE(reference(column).ok());
    EXPECT_EQ(column.codebook, ref.codebook);
    EXPECT_EQ(column.sparseList, ref.sparseList);
    EXPECT_EQ(column.weightList, ref.weightList);
  }
}

BundleResult measured(double gpu, double wall, double minGpu, double minWall) {
  BundleResult r;
  r.entry.name = "gqa16k_compact";
  r.entry.shape = "gqa16k";
  r.entry.layout = "compact";
  for (int64_t k : {0, 1, 64}) {
    ColumnTimes c;
    c.newKeys = k;
    c.gpuUs = gpu + double(k);
    c.wallUs = wall + double(k);
    c.check = "PASS";
    r.columns.push_back(c);
  }
  r.minimal.gpuUs = minGpu;
  r.minimal.wallUs = minWall;
  r.minimal.check = "PASS";
  return r;
}

TEST(Report, LaunchRatio) {
  EXPECT_DOUBLE_EQ(launchRatio(measured(10, 16, 2, 5)), 2.0);
  EXPECT_TRUE(std::isnan(launchRatio(measured(10, 16, 5, 5)))); // 0 minimal
  EXPECT_TRUE(std::isnan(launchRatio(measured(10, 16, kNotMeasured, 5))));
  BundleResult noStep = measured(10, 16, 2, 5);
  noStep.columns.erase(noStep.columns.begin());
  EXPECT_TRUE(std::isnan(launchRatio(noStep)));
  EXPECT_DOUBLE_EQ(launchOverheadUs(noStep.columns[0]), 6.0);
}

TEST(Report, OverallCheck) {
  BundleResult r = measured(10, 16, 2, 5);
  EXPECT_EQ(overallCheck(r), "PASS");
  r.columns[2].check = "FAIL";
  EXPECT_EQ(overallCheck(r), "FAIL");
  r.error = "gone";
  EXPECT_EQ(overallCheck(r), "ERROR");
  EXPECT_EQ(overallCheck(BundleResult()), "-");
  BundleResult minimalFailed = measured(10, 16, 2, 5);
  minimalFailed.minimal.check = "FAIL";
  EXPECT_EQ(overallCheck(minimalFailed), "FAIL");
}

TEST(Report, JsonHasAColumnPerNewKeyCount) {
  RunInfo info;
  info.device = "test";
  std::vector<BundleResult> rows = {measured(10, 16, 2, 5)};
  rows[0].columns[1].graphGpuUs = 12;
  nlohmann::json doc = toJson(info, rows);
  const nlohmann::json &row = doc["rows"][0];
  EXPECT_EQ(doc["new_keys"], nlohmann::json({0, 1, 64}));
  EXPECT_EQ(row["new64"]["new_keys"], 64);
  EXPECT_DOUBLE_EQ(row["new64"]["gpu_us"].get<double>(), 74.0);
  EXPECT_DOUBLE_EQ(row["new1"]["graph_gpu_us"].get<double>(), 12.0);
  EXPECT_TRUE(row["new0"]["graph_gpu_us"].is_null()); // NaN
  EXPECT_DOUBLE_EQ(row["new0"]["overhead_us"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(row["minimal"]["overhead_us"].get<double>(), 3.0);
  EXPECT_EQ(row["minimal"]["sk"], kMinimalSeqLen);
  EXPECT_DOUBLE_EQ(row["launch_ratio"].get<double>(), 2.0);
  EXPECT_EQ(row["check"], "PASS");
  EXPECT_FALSE(row.contains("series"));

  info.settings.minimal = false;
  rows[0].entry.series = "sk";
  doc = toJson(info, rows);
  EXPECT_FALSE(doc["rows"][0].contains("minimal"));
  EXPECT_FALSE(doc["rows"][0].contains("launch_ratio"));
  EXPECT_EQ(doc["rows"][0]["series"], "sk");
  EXPECT_TRUE(doc["minimal_sk"].is_null());
}

TEST(Report, TablePrintsEveryColumnAndFailure) {
  RunInfo info;
  info.device = "test";
  std::vector<BundleResult> rows = {measured(10, 16, 2, 5)};
  rows[0].columns[1].check = "FAIL";
  rows[0].columns[1].checkMessage = "first run: sparse_list differs";
  char *text = nullptr;
  size_t size = 0;
  std::FILE *out = open_memstream(&text, &size);
  printTable(out, info, rows);
  std::fclose(out);
  const std::string printed(text, size);
  std::free(text);
  for (const char *expected :
       {"+1key gpu", "+64key gpu", "ratio", "gqa16k_compact", "FAIL",
        "gqa16k_compact (1 new key): FAIL first run: sparse_list differs"}) {
    EXPECT_NE(printed.find(expected), std::string::npos) << expected;
  }
}

} // namespace
} // namespace pqbench
