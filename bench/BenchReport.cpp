//===- BenchReport.cpp - pq-bench's table and JSON ------------------------===//

#include "BenchReport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>

namespace pqbench {

using pqrt::Status;

namespace {

nlohmann::json number(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}

nlohmann::json column(const ColumnTimes &c) {
  nlohmann::json j = {{"new_keys", c.newKeys},
                      {"gpu_us", number(c.gpuUs)},
                      {"host_us", number(c.hostUs)},
                      {"wall_us", number(c.wallUs)},
                      {"graph_wall_us", number(c.graphWallUs)},
                      {"graph_gpu_us", number(c.graphGpuUs)},
                      {"overhead_us", number(launchOverheadUs(c))},
                      {"check", c.check}};
  if (!c.checkMessage.empty()) {
    j["check_message"] = c.checkMessage;
  }
  if (!c.graphError.empty()) {
    j["graph_error"] = c.graphError;
  }
  return j;
}

/// One column of the printed table.
struct Field {
  std::string head;
  std::function<double(const BundleResult &)> value;
  int digits = 1;
};

double gpuOf(const BundleResult &r, int64_t newKeys) {
  const ColumnTimes *c = r.column(newKeys);
  return c ? c->gpuUs : kNotMeasured;
}

std::vector<Field> fields(const BenchSettings &s) {
  // The step's own columns are those of 0 new keys.
  auto step = [](const BundleResult &r) { return r.column(0); };
  auto of = [step](double ColumnTimes::*member) {
    return [step, member](const BundleResult &r) {
      const ColumnTimes *c = step(r);
      return c ? c->*member : kNotMeasured;
    };
  };
  std::vector<Field> out = {{"gpu us", of(&ColumnTimes::gpuUs)},
                            {"wall us", of(&ColumnTimes::wallUs)}};
  if (s.graph) {
    out.push_back({"graph us", of(&ColumnTimes::graphGpuUs)});
    out.push_back({"gr-wall", of(&ColumnTimes::graphWallUs)});
  }
  for (int64_t k : s.newKeys) {
    if (k == 0) {
      continue;
    }
    out.push_back({"+" + std::to_string(k) + "key gpu",
                   [k](const BundleResult &r) { return gpuOf(r, k); }});
  }
  out.push_back(
      {"floor us", [](const BundleResult &r) { return r.floor.us; }, 2});
  out.push_back({"x floor", [step](const BundleResult &r) {
                   const ColumnTimes *c = step(r);
                   return c && r.floor.us > 0 ? c->gpuUs / r.floor.us
                                              : kNotMeasured;
                 }});
  if (s.minimal) {
    out.push_back({"overhead", [step](const BundleResult &r) {
                     const ColumnTimes *c = step(r);
                     return c ? launchOverheadUs(*c) : kNotMeasured;
                   }});
    out.push_back({"min ovh", [](const BundleResult &r) {
                     return launchOverheadUs(r.minimal);
                   }});
    out.push_back({"ratio", launchRatio, 2});
  }
  return out;
}

std::string describe(const ColumnTimes &c) {
  return c.newKeys == 1 ? "1 new key" : std::to_string(c.newKeys) + " new keys";
}

} // namespace

void printTable(std::FILE *out, const RunInfo &info,
                const std::vector<BundleResult> &results) {
  const BenchSettings &s = info.settings;
  std::string keys;
  for (int64_t k : s.newKeys) {
    keys += (keys.empty() ? "" : ", ") + std::to_string(k);
  }
  const bool withNewKeys = std::any_of(s.newKeys.begin(), s.newKeys.end(),
                                       [](int64_t k) { return k > 0; });
  const std::string newKeyReps =
      withNewKeys ? " (" + std::to_string(s.newKeyReps) + " with new keys)"
                  : "";
  std::fprintf(out,
               "\ndevice: %s (sm_%d); copy bandwidth %.2f TB/s (%s)\n"
               "gpu: events around %lld back-to-back launches (%s), median "
               "of %lld%s; wall: launch + sync, median of %lld%s\n"
               "new keys: %s (columns without a count: 0 new keys)%s\n\n",
               info.device.c_str(), info.sm, info.bandwidthTbps,
               info.bandwidthSource.c_str(), (long long)s.iters,
               info.gpuTiming.c_str(), (long long)s.reps, newKeyReps.c_str(), (long long)s.wallIters,
               s.graph ? "; graph: one captured step replayed" : "",
               keys.c_str(),
               s.minimal ? "; overhead = wall - gpu, min ovh the same for the "
                           "step at sk = 1, ratio = overhead / min ovh"
                         : "");
  const std::vector<Field> columns = fields(s);
  std::fprintf(out, "%-18s %-8s %3s %7s %-5s", "bundle", "strategy", "b", "sk",
               "check");
  for (const Field &f : columns) {
    std::fprintf(out, " %*s", int(std::max<size_t>(f.head.size(), 8)),
                 f.head.c_str());
  }
  std::fprintf(out, "\n");
  for (const BundleResult &r : results) {
    std::fprintf(out, "%-18s %-8s %3lld %7lld %-5s", r.entry.name.c_str(),
                 r.strategy.c_str(), (long long)r.entry.batch,
                 (long long)r.entry.seqLen, overallCheck(r).c_str());
    for (const Field &f : columns) {
      std::fprintf(out, " %*.*f", int(std::max<size_t>(f.head.size(), 8)),
                   f.digits, f.value(r));
    }
    std::fprintf(out, "\n");
  }
  for (const BundleResult &r : results) {
    std::vector<std::pair<std::string, const ColumnTimes *>> all;
    for (const ColumnTimes &c : r.columns) {
      all.push_back({describe(c), &c});
    }
    all.push_back({"minimal launch", &r.minimal});
    for (const auto &[which, col] : all) {
      if (!col->checkMessage.empty()) {
        std::fprintf(out, "%s (%s): FAIL %s\n", r.entry.name.c_str(),
                     which.c_str(), col->checkMessage.c_str());
      }
      if (!col->graphError.empty()) {
        std::fprintf(out, "%s (%s): no graph: %s\n", r.entry.name.c_str(),
                     which.c_str(), col->graphError.c_str());
      }
    }
    if (!r.error.empty()) {
      std::fprintf(out, "%s: ERROR %s\n", r.entry.name.c_str(),
                   r.error.c_str());
    }
  }
}

nlohmann::json toJson(const RunInfo &info,
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
        {"check", overallCheck(r)},
    };
    if (!r.entry.series.empty()) {
      row["series"] = r.entry.series;
    }
    // One key per column, "new<k>" (new0, new1, new64): compare.py's names.
    for (const ColumnTimes &c : r.columns) {
      row["new" + std::to_string(c.newKeys)] = column(c);
    }
    if (info.settings.minimal) {
      row["minimal"] = {{"sk", kMinimalSeqLen},
                        {"gpu_us", number(r.minimal.gpuUs)},
                        {"host_us", number(r.minimal.hostUs)},
                        {"wall_us", number(r.minimal.wallUs)},
                        {"overhead_us", number(launchOverheadUs(r.minimal))},
                        {"check", r.minimal.check}};
      if (!r.minimal.checkMessage.empty()) {
        row["minimal"]["check_message"] = r.minimal.checkMessage;
      }
      row["launch_ratio"] = number(launchRatio(r));
    }
    if (!r.error.empty()) {
      row["error"] = r.error;
    }
    rows.push_back(row);
  }
  const BenchSettings &s = info.settings;
  return {
      {"tool", "pq-bench"},
      {"device", info.device},
      {"sm", info.sm},
      {"copy_bw_tbps", info.bandwidthTbps},
      {"copy_bw_source", info.bandwidthSource},
      {"gpu_timing", info.gpuTiming},
      {"iters", s.iters},
      {"reps", s.reps},
      {"new_key_reps", s.newKeyReps},
      {"wall_iters", s.wallIters},
      {"new_keys", s.newKeys},
      {"graph", s.graph},
      {"minimal_sk",
       s.minimal ? nlohmann::json(kMinimalSeqLen) : nlohmann::json(nullptr)},
      {"seed", s.seed},
      {"rows", rows},
  };
}

Status writeJson(const std::string &path, const RunInfo &info,
                 const std::vector<BundleResult> &results) {
  std::ofstream file(path);
  file << toJson(info, results).dump(1) << "\n";
  file.close();
  if (!file) {
    return Status::invalid(path + ": cannot write the JSON report");
  }
  return Status::success();
}

} // namespace pqbench
