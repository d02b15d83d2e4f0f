//===- Report.cpp - What pq-run prints ------------------------------------===//

#include "Report.h"

#include "CApiBridge.h"

#include "pqrt/Compare.h"
#include "pqrt/Layout.h"

#include <algorithm>
#include <cstring>

namespace pqrun {

namespace {

using pqrt::Status;
using pqrt::StepBuffers;
using pqrt::StepConfig;

std::string str(int64_t value) { return std::to_string(value); }

std::string plural(int64_t count, const char *noun) {
  return str(count) + " " + noun + (count == 1 ? "" : "s");
}

int64_t indexed(const StepConfig &c, int64_t sk) {
  return std::max<int64_t>(sk - c.initOffset, 0);
}

int64_t threshold(const StepConfig &c) {
  return c.heavy + c.initOffset + 1 + c.centroids();
}

/// "[a..b]" when entries [begin, end) of the row ascend by one, else the
/// first few values.
std::string describeRange(const std::vector<int64_t> &row, int64_t begin,
                          int64_t end) {
  if (begin >= end) {
    return "[]";
  }
  bool contiguous = true;
  for (int64_t e = begin + 1; e < end; ++e) {
    contiguous = contiguous && row[e] == row[e - 1] + 1;
  }
  if (contiguous) {
    return end - begin == 1 ? "[" + str(row[begin]) + "]"
                            : "[" + str(row[begin]) + ".." +
                                  str(row[end - 1]) + "]";
  }
  std::string text = "(";
  for (int64_t e = begin; e < end && e < begin + 6; ++e) {
    text += (e > begin ? ", " : "") + str(row[e]);
  }
  return text + (end - begin > 6 ? ", ...)" : ")");
}

/// Weight row sums as "2304 in every row" or "min .. max over N rows".
std::string weightSums(const StepBuffers &buf) {
  const StepConfig &c = buf.config;
  double low = 0, high = 0;
  for (int64_t row = 0; row < c.batch * c.heads; ++row) {
    double sum = 0;
    for (int64_t p = 0; p < buf.seqLen; ++p) {
      sum += pqrt::loadFloat(c.weightType, buf.weightList.data(),
                             row * buf.seqLen + p);
    }
    low = row ? std::min(low, sum) : sum;
    high = row ? std::max(high, sum) : sum;
  }
  char text[96];
  if (low == high) {
    std::snprintf(text, sizeof(text), "%.0f in all %lld rows", low,
                  (long long)(c.batch * c.heads));
  } else {
    std::snprintf(text, sizeof(text), "%.0f to %.0f over %lld rows", low,
                  high, (long long)(c.batch * c.heads));
  }
  return text;
}

/// Weights 1 exactly at the positions `actual` lists and 0 elsewhere, and
/// row sums equal to the reference's (SEMANTICS.md "Checking").
Status checkWeights(const StepBuffers &reference, const StepBuffers &actual) {
  const StepConfig &c = actual.config;
  std::vector<char> listed(actual.seqLen);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      std::fill(listed.begin(), listed.end(), 0);
      for (int64_t p : actual.listRow(b, h)) {
        if (p >= 0 && p < actual.seqLen) {
          listed[p] = 1;
        }
      }
      std::vector<float> got = actual.weightRow(b, h),
                         want = reference.weightRow(b, h);
      double gotSum = 0, wantSum = 0;
      for (int64_t p = 0; p < actual.seqLen; ++p) {
        float expected = listed[p] ? 1.0f : 0.0f;
        if (got[p] != expected) {
          return Status::mismatch(
              "b " + str(b) + ", h " + str(h) + ", position " + str(p) +
              ": weight " + std::to_string(got[p]) + ", expected " +
              (listed[p] ? "1 (listed in sparse_list)" : "0 (not listed)"));
        }
        gotSum += got[p];
        wantSum += want[p];
      }
      if (gotSum != wantSum) {
        return Status::mismatch("b " + str(b) + ", h " + str(h) +
                                ": row sum " + std::to_string(gotSum) +
                                ", reference " + std::to_string(wantSum));
      }
    }
  }
  return Status::success();
}

Status checkLengths(const StepBuffers &reference, const StepBuffers &actual) {
  const StepConfig &c = actual.config;
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      if (actual.lenAt(b, h) != reference.lenAt(b, h)) {
        return Status::mismatch("b " + str(b) + ", h " + str(h) + ": " +
                                str(actual.lenAt(b, h)) + ", expected " +
                                str(reference.lenAt(b, h)));
      }
    }
  }
  return Status::success();
}

/// The codebook rows both runs filled must agree (exactly, for now: a GPU
/// executor may need the tie-aware rule of near-equal distances here).
Status checkCodes(const StepBuffers &reference, const StepBuffers &actual) {
  if (actual.numCached != reference.numCached) {
    return Status::mismatch("n_cached after the step is " +
                            str(actual.numCached) + ", expected " +
                            str(reference.numCached));
  }
  const StepConfig &c = actual.config;
  const int64_t rows = std::min(actual.numCached, c.codeCapacity);
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t j = 0; j < rows; ++j) {
      for (int64_t kv = 0; kv < c.kvHeads; ++kv) {
        for (int64_t s = 0; s < c.subspaces; ++s) {
          if (actual.code(b, j, kv, s) != reference.code(b, j, kv, s)) {
            return Status::mismatch(
                "b " + str(b) + ", row " + str(j) + ", kv " + str(kv) +
                ", s " + str(s) + ": code " + str(actual.code(b, j, kv, s)) +
                ", expected " + str(reference.code(b, j, kv, s)));
          }
        }
      }
    }
  }
  return Status::success();
}

void printVerdict(std::FILE *out, const char *output, const Status &status) {
  if (status.ok()) {
    std::fprintf(out, "  %-12s PASS\n", output);
  } else {
    std::fprintf(out, "  %-12s FAIL  %s\n", output, status.message.c_str());
  }
}

} // namespace

void printStep(std::FILE *out, const StepBuffers &buf,
               const std::string &configOrigin,
               const std::string &inputOrigin, int64_t numCachedBefore) {
  const StepConfig &c = buf.config;
  std::fprintf(out,
               "step     %s: h %lld, h_kv %lld, d %lld, S %lld, bits %lld "
               "(C %lld), %s, %s layout\n",
               configOrigin.c_str(), (long long)c.heads, (long long)c.kvHeads,
               (long long)c.headDim, (long long)c.subspaces,
               (long long)c.bits, (long long)c.centroids(),
               pqrt::metricName(c.metric), pqrt::layoutName(c.layout));
  std::fprintf(out,
               "         sink %lld, window %lld, heavy %lld, init_offset "
               "%lld; query/key %s, centroids %s, weights %s, sparse_list "
               "%s\n",
               (long long)c.sink, (long long)c.window, (long long)c.heavy,
               (long long)c.initOffset, pqrt::elementTypeName(c.queryType),
               pqrt::elementTypeName(c.centroidType),
               pqrt::elementTypeName(c.weightType),
               pqrt::elementTypeName(c.indexType));
  const int64_t n = indexed(c, buf.seqLen);
  std::fprintf(out,
               "call     b %lld, sk %lld, n %lld, n_cached %lld (%s to "
               "quantize); inputs %s\n",
               (long long)c.batch, (long long)buf.seqLen, (long long)n,
               (long long)numCachedBefore,
               plural(std::max<int64_t>(n - numCachedBefore, 0), "new key")
                   .c_str(),
               inputOrigin.c_str());
}

std::string describeRow(const StepBuffers &buf, int64_t b, int64_t head) {
  const StepConfig &c = buf.config;
  std::vector<int64_t> row = buf.listRow(b, head);
  const int64_t total = int64_t(row.size());
  if (pqrt::isFullAttention(c, buf.seqLen)) {
    return "all " + str(total) + " tokens " + describeRange(row, 0, total);
  }
  const int64_t sinkEnd = std::min(c.sink, buf.seqLen);
  const int64_t k = std::min(c.heavy, indexed(c, buf.seqLen));
  const int64_t heavyEnd = sinkEnd + k;
  std::string text;
  if (sinkEnd > 0) {
    text += "sink " + describeRange(row, 0, sinkEnd) + " + ";
  }
  text += str(k) + " heavy";
  if (k > 0) {
    text += " (first: ";
    for (int64_t e = sinkEnd; e < heavyEnd && e < sinkEnd + 8; ++e) {
      text += (e > sinkEnd ? ", " : "") + str(row[e]);
    }
    text += k > 8 ? ", ...)" : ")";
  }
  if (heavyEnd < total) {
    text += " + window " + describeRange(row, heavyEnd, total);
  }
  return text;
}

void printResult(std::FILE *out, const StepBuffers &buf,
                 int64_t numCachedBefore, int64_t rows) {
  const StepConfig &c = buf.config;
  const int64_t sk = buf.seqLen;
  if (pqrt::isFullAttention(c, sk)) {
    std::fprintf(out,
                 "path     full attention (sk %lld <= heavy + init_offset + "
                 "1 + C = %lld): nothing quantized or scored\n",
                 (long long)sk, (long long)threshold(c));
    std::fprintf(out, "total    %lld per row\n", (long long)buf.total);
  } else {
    const int64_t n = indexed(c, sk);
    std::fprintf(out,
                 "path     sparse (sk %lld > heavy + init_offset + 1 + C = "
                 "%lld); quantized %s, n_cached now %lld\n",
                 (long long)sk, (long long)threshold(c),
                 plural(buf.numCached - numCachedBefore, "new key").c_str(),
                 (long long)buf.numCached);
    std::fprintf(out,
                 "total    %lld per row = sink %lld + heavy %lld + window "
                 "%lld\n",
                 (long long)buf.total, (long long)std::min(c.sink, sk),
                 (long long)std::min(c.heavy, n),
                 (long long)std::min(c.window, sk));
  }
  const int64_t shown = std::min(rows, c.batch * c.heads);
  for (int64_t r = 0; r < shown; ++r) {
    int64_t b = r / c.heads, h = r % c.heads;
    char label[48];
    std::snprintf(label, sizeof(label), "b%lld h%lld", (long long)b,
                  (long long)h);
    std::fprintf(out, "%-8s %s\n", label, describeRow(buf, b, h).c_str());
  }
  std::fprintf(out, "weights  row sums %s\n", weightSums(buf).c_str());
}

bool checkOutputs(std::FILE *out, StepBuffers &reference,
                  const StepBuffers &actual) {
  const StepConfig &c = actual.config;
  std::fprintf(out, "check    against an independent run of the CPU "
                    "reference (tie-aware, SEMANTICS.md)\n");
  std::vector<float> scores;
  const float *scoreData = nullptr;
  if (!pqrt::isFullAttention(c, actual.seqLen)) {
    Status status = pqrt::referenceScores(c, reference.args(), scores);
    if (!status.ok()) {
      std::fprintf(out, "  reference scores: %s\n", status.message.c_str());
      std::fprintf(out, "check    FAIL\n");
      return false;
    }
    scoreData = scores.data();
  }
  // sparse_list alone: the actual list with weights derived from it, so the
  // comparison's weight checks cannot blame the list for weight_list.
  std::vector<uint8_t> derived(actual.weightList.size());
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      const int64_t base = (b * c.heads + h) * actual.seqLen;
      for (int64_t p = 0; p < actual.seqLen; ++p) {
        pqrt::storeFloat(c.weightType, derived.data(), base + p, 0.0f);
      }
      for (int64_t p : actual.listRow(b, h)) {
        if (p >= 0 && p < actual.seqLen) {
          pqrt::storeFloat(c.weightType, derived.data(), base + p, 1.0f);
        }
      }
    }
  }
  pqrt::StepOutputs listOnly{actual.sparseList.data(),
                             reference.sparseLen.data(), derived.data()};
  Status list = compareWithReference(c, actual.seqLen, reference.outputs(),
                                     scoreData, listOnly);
  Status lengths = checkLengths(reference, actual);
  Status weights = checkWeights(reference, actual);
  Status codes = checkCodes(reference, actual);
  printVerdict(out, "sparse_list", list);
  printVerdict(out, "sparse_len", lengths);
  printVerdict(out, "weight_list", weights);
  printVerdict(out, "codes", codes);
  // The whole comparison as the library defines it, as a cross-check.
  Status all = compareWithReference(c, actual.seqLen, reference.outputs(),
                                    scoreData, actual.outputs());
  const bool pass = list.ok() && lengths.ok() && weights.ok() && codes.ok() &&
                    all.ok();
  if (!all.ok() && list.ok() && lengths.ok() && weights.ok()) {
    std::fprintf(out, "  pqrt_reference_compare: %s\n", all.message.c_str());
  }
  std::fprintf(out, "check    %s\n", pass ? "PASS" : "FAIL");
  return pass;
}

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

} // namespace

void printBench(std::FILE *out, const std::string &executor,
                const BenchTimes &times) {
  const std::vector<double> &wall = times.wall;
  if (wall.empty()) {
    return;
  }
  const auto [low, high] = std::minmax_element(wall.begin(), wall.end());
  if (times.gpu.empty()) {
    std::fprintf(out,
                 "bench    %s: median %.3f ms per step over %zu runs (min "
                 "%.3f, max %.3f)\n",
                 executor.c_str(), median(wall) * 1e3, wall.size(),
                 *low * 1e3, *high * 1e3);
    return;
  }
  // GPU steps take microseconds: print them so.
  std::fprintf(out,
               "bench    %s: median %.1f us wall per step (launch + stream "
               "sync; min %.1f, max %.1f), median %.1f us GPU (CUDA events) "
               "over %zu runs\n",
               executor.c_str(), median(wall) * 1e6, *low * 1e6, *high * 1e6,
               median(times.gpu) * 1e6, wall.size());
}

} // namespace pqrun
