//===- Compare.cpp - Tie-aware comparison of step outputs -----------------===//
//
// Rows are checked in (b, h) order and, within a row, in the order of
// SEMANTICS.md "Checking an implementation", so the reported mismatch is the
// first one and the message points at the part that is wrong.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Compare.h"
#include "Internal.h"
#include "pqrt/Layout.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <utility>

namespace pqrt {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

std::string str(double value) {
  std::ostringstream out;
  out << std::setprecision(9) << value;
  return out.str();
}

/// One (b, h) row of both outputs.
struct Row {
  const StepConfig &config;
  const StepOutputs &reference;
  const StepOutputs &actual;
  int64_t sk, total, b, head;

  int64_t index() const { return b * config.heads + head; }
  std::string where(const char *output) const {
    return std::string(output) + ": b " + str(b) + ", h " + str(head);
  }
  int64_t entry(const StepOutputs &out, int64_t e) const {
    return loadInt(config.indexType, out.sparseList, index() * total + e);
  }
  float weight(const StepOutputs &out, int64_t p) const {
    return loadFloat(config.weightType, out.weightList, index() * sk + p);
  }
};

Status checkLength(const Row &row) {
  int64_t expected = row.total;
  for (const StepOutputs *out : {&row.reference, &row.actual}) {
    int64_t got = out->sparseLen[row.index()];
    if (got != expected) {
      return Status::mismatch(
          row.where("sparse_len") + ": expected total " + str(expected) +
          ", got " + str(got) +
          (out == &row.reference ? " in the reference" : ""));
    }
  }
  return Status::success();
}

Status checkExact(const Row &row, int64_t begin, int64_t end,
                  const char *part) {
  for (int64_t e = begin; e < end; ++e) {
    int64_t expected = row.entry(row.reference, e),
            got = row.entry(row.actual, e);
    if (got != expected) {
      return Status::mismatch(row.where("sparse_list") + ", entry " + str(e) +
                              " (" + part + " part): expected " +
                              str(expected) + ", got " + str(got));
    }
  }
  return Status::success();
}

Status checkHeavyOrder(const Row &row, int64_t begin, int64_t end, int64_t n) {
  int64_t low = row.config.initOffset, high = row.config.initOffset + n;
  for (int64_t e = begin; e < end; ++e) {
    int64_t p = row.entry(row.actual, e);
    if (p < low || p >= high) {
      return Status::mismatch(row.where("sparse_list") + ", entry " + str(e) +
                              " (heavy part): position " + str(p) +
                              " is outside [init_offset, sk) = [" + str(low) +
                              ", " + str(high) + ")");
    }
    if (e > begin && p <= row.entry(row.actual, e - 1)) {
      return Status::mismatch(row.where("sparse_list") + ", entry " + str(e) +
                              " (heavy part): position " + str(p) +
                              " does not ascend after " +
                              str(row.entry(row.actual, e - 1)));
    }
  }
  return Status::success();
}

/// (masked reference score, position) of each heavy entry, best first.
std::vector<std::pair<float, int64_t>>
heavyScores(const Row &row, const StepOutputs &out, int64_t begin, int64_t end,
            const float *scores, int64_t ws) {
  std::vector<std::pair<float, int64_t>> result;
  for (int64_t e = begin; e < end; ++e) {
    int64_t p = row.entry(out, e), j = p - row.config.initOffset;
    float score = j < ws ? detail::canonicalScore(scores[j])
                         : -std::numeric_limits<float>::infinity();
    result.emplace_back(score, p);
  }
  std::sort(result.begin(), result.end(), [](const auto &a, const auto &b) {
    return detail::ranksBefore(a.first, a.second, b.first, b.second);
  });
  return result;
}

bool scoresMatch(float a, float b, const CompareOptions &options) {
  if (a == b) {
    return true;
  }
  if (!std::isfinite(a) || !std::isfinite(b)) {
    return false;
  }
  double scale = std::max(std::fabs(double(a)), std::fabs(double(b)));
  return std::fabs(double(a) - double(b)) <=
         options.relativeTolerance * scale + options.absoluteTolerance;
}

Status checkHeavyScores(const Row &row, int64_t begin, int64_t end,
                        const float *scores, int64_t ws,
                        const CompareOptions &options) {
  auto expected = heavyScores(row, row.reference, begin, end, scores, ws);
  auto got = heavyScores(row, row.actual, begin, end, scores, ws);
  for (size_t r = 0; r < got.size(); ++r) {
    if (!scoresMatch(expected[r].first, got[r].first, options)) {
      return Status::mismatch(
          row.where("sparse_list") + ", heavy part: rank " + str(int64_t(r)) +
          " of the sorted reference scores differs: reference set has " +
          str(double(expected[r].first)) + " (position " +
          str(expected[r].second) + "), implementation set has " +
          str(double(got[r].first)) + " (position " + str(got[r].second) + ")");
    }
  }
  return Status::success();
}

Status checkWeights(const Row &row) {
  std::vector<char> listed(row.sk, 0);
  for (int64_t e = 0; e < row.total; ++e) {
    int64_t p = row.entry(row.actual, e);
    if (p < 0 || p >= row.sk) {
      return Status::mismatch(row.where("sparse_list") + ", entry " + str(e) +
                              ": position " + str(p) +
                              " is outside [0, sk) = "
                              "[0, " +
                              str(row.sk) + ")");
    }
    listed[p] = 1;
  }
  double expectedSum = 0.0, gotSum = 0.0;
  for (int64_t p = 0; p < row.sk; ++p) {
    float got = row.weight(row.actual, p);
    float expected = listed[p] ? 1.0f : 0.0f;
    if (got != expected) {
      return Status::mismatch(row.where("weight_list") + ", position " +
                              str(p) + ": expected " + str(double(expected)) +
                              (listed[p] ? " (listed" : " (not listed") +
                              " in sparse_list), got " + str(double(got)));
    }
    gotSum += got;
    expectedSum += row.weight(row.reference, p);
  }
  if (gotSum != expectedSum) {
    return Status::mismatch(row.where("weight_list") + ": row sum expected " +
                            str(expectedSum) + ", got " + str(gotSum));
  }
  return Status::success();
}

Status compareRow(const Row &row, const float *scores,
                  const CompareOptions &options) {
  const StepConfig &c = row.config;
  Status status = checkLength(row);
  if (isFullAttention(c, row.sk)) {
    if (status.ok()) {
      status = checkExact(row, 0, row.total, "full");
    }
  } else {
    int64_t n = row.sk - c.initOffset;
    int64_t ws = std::max<int64_t>(0, row.sk - c.window - c.initOffset);
    int64_t sinkEnd = std::min(c.sink, row.sk);
    int64_t heavyEnd = sinkEnd + std::min(c.heavy, n);
    if (status.ok()) {
      status = checkExact(row, 0, sinkEnd, "sink");
    }
    if (status.ok()) {
      status = checkExact(row, heavyEnd, row.total, "window");
    }
    if (status.ok()) {
      status = checkHeavyOrder(row, sinkEnd, heavyEnd, n);
    }
    if (status.ok()) {
      status = checkHeavyScores(row, sinkEnd, heavyEnd,
                                scores + row.index() * n, ws, options);
    }
  }
  if (status.ok()) {
    status = checkWeights(row);
  }
  return status;
}

} // namespace

Status detail::validateOutputSizes(const StepConfig &config, int64_t seqLen,
                                   BufferElements &elements) {
  Status status = validateConfig(config);
  if (status.ok()) {
    status = validateSeqLen(seqLen);
  }
  if (status.ok()) {
    status = stepBufferElements(config, seqLen, elements);
  }
  return status;
}

StepOutputs outputsOf(const StepArgs &args) {
  return {args.sparseList, args.sparseLen, args.weightList};
}

Status compareOutputs(const StepConfig &config, int64_t seqLen,
                      const StepOutputs &reference, const float *scores,
                      const StepOutputs &actual,
                      const CompareOptions &options) {
  BufferElements elements;
  Status status = detail::validateOutputSizes(config, seqLen, elements);
  if (!status.ok()) {
    return status;
  }
  for (const StepOutputs *out : {&reference, &actual}) {
    const char *name = out == &reference ? "reference" : "actual";
    if (!out->sparseList || !out->sparseLen || !out->weightList) {
      return Status::invalid(
          std::string(name) +
          ": sparse_list, sparse_len and weight_list must all "
          "be non-null");
    }
  }
  if (!scores && !isFullAttention(config, seqLen)) {
    return Status::invalid("scores: is null; expected the reference scores "
                           "[b, h, n] from referenceScores");
  }
  const int64_t total = outputTotal(config, seqLen);
  for (int64_t b = 0; b < config.batch; ++b) {
    for (int64_t head = 0; head < config.heads; ++head) {
      Row row{config, reference, actual, seqLen, total, b, head};
      status = compareRow(row, scores, options);
      if (!status.ok()) {
        return status;
      }
    }
  }
  return Status::success();
}

} // namespace pqrt
