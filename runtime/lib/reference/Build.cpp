//===- Build.cpp - The index build: k-means per subspace ------------------===//
//
// SEMANTICS.md "Building the index", one group (b, kv head, subspace) at a
// time inside each Lloyd iteration, because the early stop looks at every
// group. Points are re-read from the key cache each pass (fp32 widening is
// cheap next to the distances), so memory stays at a group's centroids.
//
//===----------------------------------------------------------------------===//

#include "pqrt/Build.h"

#include "Internal.h"
#include "pqrt/Layout.h"
#include "pqrt/pqrt_limits.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

namespace pqrt {

namespace {

std::string str(int64_t value) { return std::to_string(value); }

/// SEMANTICS.md's early-stop threshold on (sum_c ||c_new - c_old||)^2.
constexpr double kStopShift = 1e-4;

uint64_t splitMix64(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// One group's points: position j of the group, widened to fp32, with the
/// ip dimension appended.
struct GroupPoints {
  const StepConfig &config;
  const BuildArgs &args;
  int64_t b, kv, s;
  float phi = 0.0f; // metric ip

  /// The key's ds columns of subspace s, widened.
  void loadColumns(int64_t j, float *x) const {
    const int64_t subDim = config.subDim();
    const int64_t pos = j + config.initOffset;
    for (int64_t i = 0; i < subDim; ++i) {
      x[i] = loadFloat(config.queryType, args.key,
                       keyOffset(config, b, kv, pos, s * subDim + i));
    }
  }

  void load(int64_t j, float *x) const {
    loadColumns(j, x);
    if (config.metric == Metric::InnerProduct) {
      x[config.subDim()] = detail::augmentedDimension(x, config.subDim(), phi);
    }
  }

  /// phi = max over the points of ||x||^2 (NaN norms never win).
  float maxNorm(int64_t n) const {
    std::vector<float> x(config.subDim());
    float best = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
      loadColumns(j, x.data());
      const float norm = detail::squaredNorm(x.data(), config.subDim());
      if (norm > best) {
        best = norm;
      }
    }
    return best;
  }
};

/// One Lloyd step of a group: assignment, then means (an empty cluster keeps
/// its centroid). Returns sum_c ||c_new - c_old|| in double.
double lloydStep(const GroupPoints &points, int64_t n, int64_t count,
                 int64_t width, std::vector<float> &centroids) {
  std::vector<double> sums(count * width, 0.0);
  std::vector<int64_t> members(count, 0);
  std::vector<float> x(width);
  for (int64_t j = 0; j < n; ++j) {
    points.load(j, x.data());
    int64_t c = detail::nearestCentroid(x.data(), centroids.data(), count,
                                        width);
    ++members[c];
    for (int64_t i = 0; i < width; ++i) {
      sums[c * width + i] += x[i];
    }
  }
  double shift = 0.0;
  for (int64_t c = 0; c < count; ++c) {
    if (members[c] == 0) {
      continue;
    }
    double moved = 0.0;
    for (int64_t i = 0; i < width; ++i) {
      float mean = float(sums[c * width + i] / double(members[c]));
      double d = double(mean) - double(centroids[c * width + i]);
      moved += d * d;
      centroids[c * width + i] = mean;
    }
    shift += std::sqrt(moved);
  }
  return shift;
}

} // namespace

void initialIndices(uint64_t seed, int64_t group, int64_t n, int64_t count,
                    int64_t *out) {
  uint64_t state = seed + uint64_t(group + 1) * 0x9E3779B97F4A7C15ull;
  // A Fisher-Yates shuffle of [0, n) that only remembers moved entries.
  std::unordered_map<int64_t, int64_t> moved;
  auto at = [&](int64_t i) {
    auto it = moved.find(i);
    return it == moved.end() ? i : it->second;
  };
  for (int64_t i = 0; i < count; ++i) {
    int64_t j = i + int64_t(splitMix64(state) % uint64_t(n - i));
    int64_t picked = at(j);
    moved[j] = at(i);
    out[i] = picked;
  }
}

Status validateBuild(const StepConfig &config, const BuildArgs &args) {
  Status status = validateConfig(config);
  if (status.ok()) {
    status = validateSeqLen(args.seqLen);
  }
  if (!status.ok()) {
    return status;
  }
  const int64_t n = args.seqLen - config.initOffset;
  const int64_t count = config.centroids();
  if (n < count) {
    return Status::invalid(
        "seq_len: n = sk - init_offset = " + str(n) +
        " keys to cluster are fewer than C = 2^bits = " + str(count) +
        " centroids");
  }
  if (args.kmeansIter < 0 || args.kmeansIter > PQRT_MAX_KMEANS_ITER) {
    return Status::invalid("kmeans_iter: " + str(args.kmeansIter) +
                           " is not in [0, " + str(PQRT_MAX_KMEANS_ITER) +
                           "] (PQRT_MAX_KMEANS_ITER)");
  }
  BufferElements elements;
  status = stepBufferElements(config, args.seqLen, elements);
  if (!status.ok()) {
    return status;
  }
  struct Required {
    const char *name;
    const void *pointer;
    const char *expected;
  };
  const bool ip = config.metric == Metric::InnerProduct;
  for (const Required &r :
       {Required{"key", args.key, "[b, h_kv, key_capacity, d]"},
        Required{"centroids", args.centroids, "[b, h_kv, S, C, ds']"},
        Required{"codebook", args.codebook, "n rows or more"},
        Required{"num_cached", args.numCached, "a pointer for n"},
        Required{"phi", ip ? static_cast<const void *>(args.phi) : &config,
                 "[b * h_kv * S] f32 for metric ip"}}) {
    if (!r.pointer) {
      return Status::invalid(std::string(r.name) + ": is null; expected " +
                             r.expected);
    }
  }
  if (config.keyCapacity < args.seqLen) {
    return Status::invalid("key: key_capacity " + str(config.keyCapacity) +
                           " is less than sk " + str(args.seqLen));
  }
  if (config.codeCapacity < n) {
    return Status::invalid("codebook: code_capacity " +
                           str(config.codeCapacity) + " is less than n = " +
                           str(n));
  }
  if (args.initial) {
    std::vector<int64_t> group(count);
    for (int64_t g = 0; g < buildGroups(config); ++g) {
      std::copy(args.initial + g * count, args.initial + (g + 1) * count,
                group.begin());
      std::sort(group.begin(), group.end());
      if (group.front() < 0 || group.back() >= n) {
        int64_t bad = group.front() < 0 ? group.front() : group.back();
        return Status::invalid("initial: group " + str(g) + " has index " +
                               str(bad) + " outside [0, n = " + str(n) + ")");
      }
      auto repeat = std::adjacent_find(group.begin(), group.end());
      if (repeat != group.end()) {
        return Status::invalid("initial: group " + str(g) +
                               " repeats point index " + str(*repeat) +
                               "; the C indices of a group must be distinct");
      }
    }
  }
  return Status::success();
}

Status referenceBuild(const StepConfig &config, const BuildArgs &args) {
  Status status = validateBuild(config, args);
  if (!status.ok()) {
    return status;
  }
  const int64_t n = args.seqLen - config.initOffset;
  const int64_t count = config.centroids();
  const int64_t width = config.centroidDim();
  const int64_t groups = buildGroups(config);
  const bool ip = config.metric == Metric::InnerProduct;

  std::vector<GroupPoints> points;
  std::vector<std::vector<float>> centroids(groups);
  std::vector<int64_t> picks(count);
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t s = g % config.subspaces;
    const int64_t kv = (g / config.subspaces) % config.kvHeads;
    const int64_t b = g / (config.subspaces * config.kvHeads);
    points.push_back(GroupPoints{config, args, b, kv, s});
    if (ip) {
      points.back().phi = points.back().maxNorm(n);
    }
    if (args.initial) {
      std::copy(args.initial + g * count, args.initial + (g + 1) * count,
                picks.begin());
    } else {
      initialIndices(args.seed, g, n, count, picks.data());
    }
    centroids[g].resize(count * width);
    for (int64_t c = 0; c < count; ++c) {
      points[g].load(picks[c], centroids[g].data() + c * width);
    }
  }

  int64_t ran = 0;
  while (ran < args.kmeansIter) {
    bool converged = true;
    for (int64_t g = 0; g < groups; ++g) {
      double shift = lloydStep(points[g], n, count, width, centroids[g]);
      converged = converged && shift * shift < kStopShift;
    }
    ++ran;
    if (converged) {
      break;
    }
  }

  std::vector<float> stored(count * width);
  std::vector<float> x(width);
  for (int64_t g = 0; g < groups; ++g) {
    const GroupPoints &p = points[g];
    for (int64_t c = 0; c < count; ++c) {
      for (int64_t i = 0; i < width; ++i) {
        const int64_t at = centroidOffset(config, p.b, p.kv, p.s, c, i);
        storeFloat(config.centroidType, args.centroids, at,
                   centroids[g][c * width + i]);
        stored[c * width + i] =
            loadFloat(config.centroidType, args.centroids, at);
      }
    }
    if (ip) {
      args.phi[phiOffset(config, p.b, p.kv, p.s)] = p.phi;
    }
    for (int64_t j = 0; j < n; ++j) {
      p.load(j, x.data());
      storeInt(codeType(config), args.codebook,
               codeOffset(config, p.b, j, p.kv, p.s),
               detail::nearestCentroid(x.data(), stored.data(), count, width));
    }
  }
  *args.numCached = n;
  if (args.iterations) {
    *args.iterations = ran;
  }
  return Status::success();
}

} // namespace pqrt
