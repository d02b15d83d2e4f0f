//===- BenchIndex.cpp - The bundles a benchmark run times -----------------===//

#include "BenchIndex.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace pqbench {

using pqrt::Status;

Status readBenchIndex(const std::string &indexPath, const std::string &only,
                      std::vector<BenchEntry> &entries) {
  std::ifstream in(indexPath);
  if (!in) {
    return Status::invalid(indexPath + ": cannot open (make it with "
                                       "scripts/make-bench-bundles.py)");
  }
  std::set<std::string> wanted;
  std::stringstream names(only);
  for (std::string name; std::getline(names, name, ',');) {
    if (!name.empty()) {
      wanted.insert(name);
    }
  }
  const std::filesystem::path dir =
      std::filesystem::path(indexPath).parent_path();
  try {
    const nlohmann::json index = nlohmann::json::parse(in);
    if (!index.is_array()) {
      return Status::invalid(indexPath + ": expected a JSON array of bundles");
    }
    for (const nlohmann::json &row : index) {
      BenchEntry e;
      e.name = row.at("name").get<std::string>();
      e.shape = row.value("shape", e.name);
      e.layout = row.value("layout", std::string());
      e.series = row.value("series", std::string());
      e.batch = row.at("bench_batch").get<int64_t>();
      e.seqLen = row.at("bench_seq_len").get<int64_t>();
      if (e.batch < 1 || e.seqLen < 1) {
        return Status::invalid(indexPath + ": " + e.name +
                               ": bench_batch and bench_seq_len must be at "
                               "least 1");
      }
      e.path = (dir / (row.value("bundle", e.name) + ".pqmod")).string();
      if (wanted.empty() || wanted.count(e.name)) {
        entries.push_back(e);
      }
    }
    for (const BenchEntry &e : entries) {
      wanted.erase(e.name);
    }
  } catch (const nlohmann::json::exception &error) {
    return Status::invalid(indexPath + ": " + error.what());
  }
  if (!only.empty() && !wanted.empty()) {
    return Status::invalid("--only: no bundle named '" + *wanted.begin() +
                           "' in " + indexPath);
  }
  return Status::success();
}

} // namespace pqbench
