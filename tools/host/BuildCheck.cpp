//===- BuildCheck.cpp - A GPU-built index against the reference's ---------===//

#include "pqhost/BuildCheck.h"

#include "pqrt/Layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace pqhost {

using pqrt::Status;
using pqrt::StepConfig;

namespace {

std::string str(int64_t value) { return std::to_string(value); }

std::string num(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

/// How far one stored centroid value may lie from the reference's.
double valueTolerance(pqrt::ElementType type, double reference) {
  double tolerance = kBuildTolerance * std::max(1.0, std::fabs(reference));
  if (type == pqrt::ElementType::BF16 && reference != 0.0 &&
      std::isfinite(reference)) {
    int exponent = 0;
    std::frexp(reference, &exponent); // |v| in [2^(e-1), 2^e)
    tolerance = std::max(tolerance, std::ldexp(1.0, exponent - 8));
  }
  return tolerance;
}

bool sameFloat(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) ||
         std::memcmp(&a, &b, sizeof(float)) == 0;
}

/// One group's points and both builds' centroids, widened.
struct Group {
  const StepConfig &c;
  const void *key;
  int64_t b, kv, s;
  float phi = 0.0f;
  std::vector<float> reference, actual; // [C][width]

  int64_t width() const { return c.centroidDim(); }

  void loadCentroids(const void *base, std::vector<float> &out) const {
    out.resize(size_t(c.centroids() * width()));
    for (int64_t k = 0; k < c.centroids(); ++k) {
      for (int64_t i = 0; i < width(); ++i) {
        out[size_t(k * width() + i)] = pqrt::loadFloat(
            c.centroidType, base, pqrt::centroidOffset(c, b, kv, s, k, i));
      }
    }
  }

  /// Point j as the build sees it (ip: with sqrt(max(phi - ||x||^2, 0))).
  void loadPoint(int64_t j, std::vector<float> &x) const {
    const int64_t ds = c.subDim();
    x.resize(size_t(width()));
    float norm = 0.0f;
    for (int64_t i = 0; i < ds; ++i) {
      x[size_t(i)] = pqrt::loadFloat(
          c.queryType, key,
          pqrt::keyOffset(c, b, kv, j + c.initOffset, s * ds + i));
      norm += x[size_t(i)] * x[size_t(i)];
    }
    if (c.metric == pqrt::Metric::InnerProduct) {
      const float gap = phi - norm;
      x[size_t(ds)] = gap > 0.0f ? std::sqrt(gap) : 0.0f;
    }
  }

  std::string where() const {
    return "b " + str(b) + ", kv " + str(kv) + ", s " + str(s);
  }
};

double distance(const std::vector<float> &x, const float *centroid) {
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = double(x[i]) - double(centroid[i]);
    sum += d * d;
  }
  return sum;
}

double squaredNorm(const float *v, size_t width) {
  double sum = 0;
  for (size_t i = 0; i < width; ++i) {
    sum += double(v[i]) * double(v[i]);
  }
  return sum;
}

/// How much the centroid tolerance lets d(x, c) move: sum_i 2 |x_i - c_i|
/// u_i + u_i^2.
double slack(pqrt::ElementType type, const std::vector<float> &x,
             const float *centroid) {
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double u = valueTolerance(type, centroid[i]);
    sum += 2.0 * std::fabs(double(x[i]) - double(centroid[i])) * u + u * u;
  }
  return sum;
}

/// The codes of one group; counts near-ties into `out`.
Status compareCodes(const Group &g, int64_t n, const void *refCodes,
                    const void *gotCodes, BuildComparison &out) {
  const StepConfig &c = g.c;
  const pqrt::ElementType type = pqrt::codeType(c);
  const int64_t count = c.centroids();
  const size_t width = size_t(g.width());
  std::vector<float> x;
  for (int64_t j = 0; j < n; ++j) {
    const int64_t at = pqrt::codeOffset(c, g.b, j, g.kv, g.s);
    const int64_t r = pqrt::loadInt(type, refCodes, at);
    const int64_t a = pqrt::loadInt(type, gotCodes, at);
    ++out.codes;
    if (a == r) {
      continue;
    }
    const std::string name = "codes: " + g.where() + ", key " + str(j);
    if (a < 0 || a >= count) {
      return Status::mismatch(name + ": code " + str(a) + " is outside [0, " +
                              str(count) + ")");
    }
    g.loadPoint(j, x);
    const float *ca = g.actual.data() + size_t(a) * width;
    const float *cr = g.actual.data() + size_t(r) * width;
    const double da = distance(x, ca);
    const double dr = distance(x, cr);
    const double tolerance =
        kBuildTolerance * (squaredNorm(x.data(), width) +
                           std::max(squaredNorm(ca, width),
                                    squaredNorm(cr, width))) +
        slack(c.centroidType, x, ca) + slack(c.centroidType, x, cr);
    if (std::isnan(da) || std::isnan(dr) ||
        std::fabs(da - dr) <= tolerance) {
      ++out.nearTies; // a NaN key has no nearest centroid to judge
      continue;
    }
    return Status::mismatch(
        name + ": got " + str(a) + ", the reference " + str(r) +
        "; with the built centroids d(x, c_" + str(a) + ") = " + num(da) +
        " and d(x, c_" + str(r) + ") = " + num(dr) +
        ", not a near-tie (tolerance " + num(tolerance) + ")" +
        (da < dr ? "; the runs' centroids diverged before the last pass"
                 : "; the built code is not the nearest built centroid"));
  }
  return Status::success();
}

Status compareCentroids(const Group &g, BuildComparison &out) {
  const int64_t width = g.width();
  for (size_t i = 0; i < g.reference.size(); ++i) {
    const double want = g.reference[i];
    const double got = g.actual[i];
    if (std::isnan(want) && std::isnan(got)) {
      continue;
    }
    const double error = std::fabs(got - want);
    out.maxCentroidError =
        std::max(out.maxCentroidError, error / std::max(1.0, std::fabs(want)));
    if (!(error <= valueTolerance(g.c.centroidType, want))) {
      return Status::mismatch(
          "centroids: " + g.where() + ", centroid " +
          str(int64_t(i) / width) + ", column " + str(int64_t(i) % width) +
          ": got " + num(got) + ", the reference " + num(want) +
          " (tolerance " + num(valueTolerance(g.c.centroidType, want)) + ")");
    }
  }
  return Status::success();
}

} // namespace

std::string BuildComparison::summary() const {
  std::string text = str(codes) + " codes";
  if (nearTies == 0) {
    text += " equal";
  } else {
    text += ", " + str(nearTies) + " differ at near-ties";
  }
  if (centroidsChecked) {
    text += ", centroids within " + num(maxCentroidError);
  } else {
    text += " (centroids not compared)";
  }
  return text;
}

BuildComparison compareBuild(const StepConfig &config, int64_t seqLen,
                             const void *key, const BuildOutputs &reference,
                             const BuildOutputs &actual) {
  BuildComparison out;
  const int64_t n = seqLen - config.initOffset;
  if (reference.iterations && actual.iterations &&
      *reference.iterations != *actual.iterations) {
    out.status = Status::mismatch(
        "iterations: got " + str(*actual.iterations) + ", the reference " +
        str(*reference.iterations));
    return out;
  }
  const bool ip = config.metric == pqrt::Metric::InnerProduct;
  std::vector<Group> groups;
  for (int64_t b = 0; b < config.batch; ++b) {
    for (int64_t kv = 0; kv < config.kvHeads; ++kv) {
      for (int64_t s = 0; s < config.subspaces; ++s) {
        Group g{config, key, b, kv, s, 0.0f, {}, {}};
        if (ip) {
          const int64_t at = pqrt::phiOffset(config, b, kv, s);
          if (!sameFloat(reference.phi[at], actual.phi[at])) {
            out.status = Status::mismatch(
                "phi: " + g.where() + ": got " + num(actual.phi[at]) +
                ", the reference " + num(reference.phi[at]));
            return out;
          }
          g.phi = reference.phi[at];
        }
        g.loadCentroids(reference.centroids, g.reference);
        g.loadCentroids(actual.centroids, g.actual);
        out.status =
            compareCodes(g, n, reference.codebook, actual.codebook, out);
        if (!out.status.ok()) {
          return out;
        }
        groups.push_back(std::move(g));
      }
    }
  }
  if (out.nearTies > 0) {
    return out;
  }
  out.centroidsChecked = true;
  for (const Group &g : groups) {
    out.status = compareCentroids(g, out);
    if (!out.status.ok()) {
      break;
    }
  }
  return out;
}

} // namespace pqhost
