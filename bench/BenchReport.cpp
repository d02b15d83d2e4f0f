//===- BenchReport.cpp - pq-bench's table and JSON ------------------------===//

#include "BenchReport.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace pqbench {

using pqrt::Status;

namespace {

nlohmann::json number(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}

nlohmann::json column(const ColumnTimes &c) {
  nlohmann::json j = {{"gpu_us", number(c.gpuUs)},
                      {"wall_us", number(c.wallUs)},
                      {"graph_wall_us", number(c.graphWallUs)},
                      {"graph_gpu_us", number(c.graphGpuUs)},
                      {"check", c.check}};
  if (!c.checkMessage.empty()) {
    j["check_message"] = c.checkMessage;
  }
  if (!c.graphError.empty()) {
    j["graph_error"] = c.graphError;
  }
  return j;
}

std::string checkOf(const BundleResult &r) {
  if (!r.error.empty()) {
    return "ERROR";
  }
  const std::string &a = r.noNewKey.check, &b = r.oneNewKey.check;
  return a == "FAIL" || b == "FAIL" ? "FAIL" : a == "PASS" && b == "PASS" ? "PASS" : "-";
}

} // namespace

void printTable(std::FILE *out, const RunInfo &info,
                const std::vector<BundleResult> &results) {
  std::fprintf(out,
               "\ndevice: %s (sm_%d); copy bandwidth %.2f TB/s (%s)\n"
               "gpu: events around %lld back-to-back launches, median of %lld;"
               " wall: launch + sync, median of %lld; graph: one captured "
               "step replayed\n\n",
               info.device.c_str(), info.sm, info.bandwidthTbps,
               info.bandwidthSource.c_str(), (long long)info.settings.iters,
               (long long)info.settings.reps,
               (long long)info.settings.wallIters);
  std::fprintf(out, "%-18s %-8s %2s %7s %-5s %9s %9s %9s %9s %10s %8s %7s\n",
               "bundle", "strategy", "b", "sk", "check", "gpu us", "wall us",
               "graph us", "gr-wall", "+1key gpu", "floor us", "x floor");
  for (const BundleResult &r : results) {
    const ColumnTimes &c = r.noNewKey;
    std::fprintf(out,
                 "%-18s %-8s %2lld %7lld %-5s %9.1f %9.1f %9.1f %9.1f %10.1f "
                 "%8.2f %7.1f\n",
                 r.entry.name.c_str(), r.strategy.c_str(),
                 (long long)r.entry.batch, (long long)r.entry.seqLen,
                 checkOf(r).c_str(), c.gpuUs, c.wallUs, c.graphGpuUs,
                 c.graphWallUs, r.oneNewKey.gpuUs, r.floor.us,
                 r.floor.us > 0 ? c.gpuUs / r.floor.us : kNotMeasured);
  }
  for (const BundleResult &r : results) {
    for (const auto *col : {&r.noNewKey, &r.oneNewKey}) {
      const char *which = col == &r.noNewKey ? "0 new keys" : "1 new key";
      if (!col->checkMessage.empty()) {
        std::fprintf(out, "%s (%s): FAIL %s\n", r.entry.name.c_str(), which,
                     col->checkMessage.c_str());
      }
      if (!col->graphError.empty()) {
        std::fprintf(out, "%s (%s): no graph: %s\n", r.entry.name.c_str(),
                     which, col->graphError.c_str());
      }
    }
    if (!r.error.empty()) {
      std::fprintf(out, "%s: ERROR %s\n", r.entry.name.c_str(),
                   r.error.c_str());
    }
  }
}

Status writeJson(const std::string &path, const RunInfo &info,
                 const std::vector<BundleResult> &results) {
  nlohmann::json rows = nlohmann::json::array();
  for (const BundleResult &r : results) {
    nlohmann::json row = {
        {"name", r.entry.name},
        {"shape", r.entry.shape},
        {"layout", r.entry.layout},
        {"b", r.entry.batch},
        {"sk", r.entry.seqLen},
        {"n", r.n},
        {"total", r.total},
        {"strategy", r.strategy},
        {"kernels", r.kernels},
        {"image", r.image},
        {"floor_bytes", r.floor.bytes},
        {"floor_us", number(r.floor.us)},
        {"check", checkOf(r)},
        {"new0", column(r.noNewKey)},
        {"new1", column(r.oneNewKey)},
    };
    if (!r.error.empty()) {
      row["error"] = r.error;
    }
    rows.push_back(row);
  }
  const BenchSettings &s = info.settings;
  nlohmann::json doc = {
      {"tool", "pq-bench"},
      {"device", info.device},
      {"sm", info.sm},
      {"copy_bw_tbps", info.bandwidthTbps},
      {"copy_bw_source", info.bandwidthSource},
      {"iters", s.iters},
      {"reps", s.reps},
      {"wall_iters", s.wallIters},
      {"seed", s.seed},
      {"rows", rows},
  };
  std::ofstream file(path);
  file << doc.dump(1) << "\n";
  file.close();
  if (!file) {
    return Status::invalid(path + ": cannot write the JSON report");
  }
  return Status::success();
}

} // namespace pqbench
