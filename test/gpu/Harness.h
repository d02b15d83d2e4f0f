//===- Harness.h - The checks the GPU tests make on one bundle --*- C++ -*-===//
//
// For one .pqmod bundle: read its configuration from the bundle, plan the
// cases (Plan.h), prepare each case's inputs and CPU-reference outputs on
// worker threads, and on the backend's device check
// - differential: outputs against the reference the tie-aware way
//   (compareOutputs), the codebook byte-equal to the reference's (spare rows
//   untouched), num_cached as the runtime promises;
// - determinism: 10 more runs bitwise identical to the first;
// - CUDA graph: one run captured (nothing runs while capturing), replayed
//   twice, identical to the direct run;
// - validation: rejected arguments return PQRT_INVALID_ARGUMENT (as
//   pqrt_bundle_validate_step does), name the argument and leave outputs,
//   codebook and num_cached untouched;
// - for a bundle with the index build, the build's checks (BuildChecks.h).
// Before every run the outputs are filled with a garbage byte pattern (a new
// one each run) and the codebook is restored, so a run must write
// everything and re-quantize the same keys.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_GPU_HARNESS_H
#define PQ_TEST_GPU_HARNESS_H

#include "Plan.h"
#include "support/Backend.h"

#include "pqhost/StepBuffers.h"
#include "pqrt/pqrt.h"

#include <memory>
#include <string>
#include <vector>

namespace pqgpu {

struct BundleEntry {
  std::string path; // the .pqmod file
  std::string name; // "gpu-bundles/cfg000": its folder and stem
};

struct HarnessOptions {
  PlanOptions plan;
  int determinismRuns = 10;
  int workers = 4; // threads preparing inputs and reference outputs
  bool verbose = false; // keep the messages of rejected calls as notes
  /// Reference multiply-adds an index-build case may cost (the CPU
  /// reference build is the slow part); larger shapes get fewer iterations
  /// or are left out.
  double buildBudget = 1e9;
};

/// One check of one case. `error` empty: passed.
struct CheckResult {
  std::string check;   // "differential", "determinism", "graph", "validation"
  std::string subject; // the case (CaseSpec::describe) or the rejected call
  std::string error;
  bool passed() const { return error.empty(); }
};

struct BundleReport {
  std::string name;
  std::string config;  // one line: strategy, layout, metric, shapes, types
  std::string skipped; // non-empty: not run here, and why
  std::vector<CheckResult> checks;
  int cases = 0; // differential (bundle, case) configurations
  std::vector<std::string> notes; // verbose: what the rejected calls said
  double seconds = 0;
  // Index builds whose codes differed from the reference's at near-ties or
  // after the runs diverged (their centroids were then not compared), and
  // those codes.
  int nearTieBuilds = 0;
  int64_t nearTieCodes = 0, divergedCodes = 0;

  int passed() const;
  int failed() const;
  /// "gpu-bundles/cfg003 [split compact ...]: 14 checks, 14 passed, ..."
  std::string summaryLine() const;
};

/// The StepConfig of a bundle's pqrt_config, through libpqrt's conversion
/// (GpuPlan.ConfigRoundTrip checks it against CApiStep's own cConfig).
/// Throws pqrt::Error for enum values outside their pqrt_* enums.
pqrt::StepConfig stepConfigOf(const pqrt_config &config);

/// Reads what the tests need from a bundle (throws pqrt::Error).
BundleFacts bundleFacts(const pqrt::Bundle &bundle);

/// "split compact/ip h32/kv4 d64 S8 bits4 sink64 win128 heavy1024 init0
///  f32>bf16 i64 q max131072 b*" for a summary line.
std::string describeFacts(const BundleFacts &facts);

/// A case's host side: inputs, and the reference's outputs and codebook.
struct PreparedCase {
  CaseSpec spec;
  std::unique_ptr<pqrt::StepBuffers> host; // outputs/codebook: the reference's
  std::vector<uint8_t> originalCodebook;   // before the step
  std::vector<float> scores;               // reference scores; empty if full
  int64_t expectedCount = 0;               // num_cached after the step
  std::string error;                       // preparation failed
};

PreparedCase prepareCase(const pqrt::StepConfig &base, const CaseSpec &spec);

/// The plan options of a run on `backend` (its SM count).
PlanOptions planOptionsFor(const HarnessOptions &options,
                           const Backend &backend);

/// Makes the cases of the bundles about to run ahead of the device, on
/// worker threads and across bundle boundaries, so that a bundle's slowest
/// case (a 128K key cache to fill) overlaps the other bundles' work. At most
/// `workers` cases are made and not yet taken at a time. Used from one
/// thread; cases are best taken in the order the bundles were added.
class Prefetcher {
public:
  explicit Prefetcher(int workers);
  ~Prefetcher();
  Prefetcher(const Prefetcher &) = delete;
  Prefetcher &operator=(const Prefetcher &) = delete;

  void addBundle(const std::string &name, const BundleFacts &facts,
                 std::vector<CaseSpec> plan);
  /// Null when `name` was not added.
  const std::vector<CaseSpec> *plan(const std::string &name) const;
  /// Case `index` of the bundle's plan (made now if it was not yet started).
  PreparedCase take(const std::string &name, size_t index);
  /// Drops what is left of a bundle (it stopped early).
  void discard(const std::string &name);

private:
  struct Item;
  struct Bundle;
  int workers;
  std::vector<std::unique_ptr<Bundle>> bundles;
  std::vector<Item *> order; // launch order
  size_t cursor = 0;         // next in `order` to launch
  int pending = 0;           // launched, not taken
  Bundle *find(const std::string &name) const;
  void launch(Item &item);
  void topUp();
};

/// All checks of one bundle on `backend`; its cases come from `prefetcher`
/// when that holds the bundle.
BundleReport runBundle(Backend &backend, const BundleEntry &entry,
                       const HarnessOptions &options,
                       Prefetcher *prefetcher = nullptr);

} // namespace pqgpu

#endif // PQ_TEST_GPU_HARNESS_H
