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

/// The near-tie tolerance of x between centroids ca and cb (both the
/// actual build's), widened by what the centroid tolerance can move d.
double tieTolerance(pqrt::ElementType type, const std::vector<float> &x,
                    const float *ca, const float *cb, bool widen) {
  const size_t width = x.size();
  double tolerance =
      kBuildTolerance * (squaredNorm(x.data(), width) +
                         std::max(squaredNorm(ca, width),
                                  squaredNorm(cb, width)));
  if (widen) {
    tolerance += slack(type, x, ca) + slack(type, x, cb);
  }
  return tolerance;
}

/// The codes of one group: near-ties and codes of diverged runs are
/// counted into `out`; anything else is a mismatch.
Status compareCodes(const Group &g, int64_t n, const void *refCodes,
                    const void *gotCodes, bool allowDivergence,
                    BuildComparison &out) {
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
    const double tolerance = tieTolerance(c.centroidType, x, ca, cr, true);
    if (std::isnan(da) || std::isnan(dr) ||
        std::fabs(da - dr) <= tolerance) {
      ++out.nearTies; // a NaN key has no nearest centroid to judge
      continue;
    }
    if (da < dr && allowDivergence) {
      ++out.diverged; // the reference's code is worse on these centroids
      continue;
    }
    return Status::mismatch(
        name + ": got " + str(a) + ", the reference " + str(r) +
        "; with the built centroids d(x, c_" + str(a) + ") = " + num(da) +
        " and d(x, c_" + str(r) + ") = " + num(dr) +
        ", not a near-tie (tolerance " + num(tolerance) + ")" +
        (da < dr ? "; the built centroids differ from the reference's (T = 0 "
                   "gathers the same points)"
                 : "; the built code is not the nearest built centroid"));
  }
  return Status::success();
}

/// After the runs diverged: every built code the nearest built centroid
/// (up to the near-tie tolerance); adds both runs' reconstruction errors.
Status checkOwnCentroids(const Group &g, int64_t n, const void *refCodes,
                         const void *gotCodes, double &errorRef,
                         double &errorGot) {
  const StepConfig &c = g.c;
  const pqrt::ElementType type = pqrt::codeType(c);
  const size_t width = size_t(g.width());
  std::vector<float> x;
  for (int64_t j = 0; j < n; ++j) {
    const int64_t at = pqrt::codeOffset(c, g.b, j, g.kv, g.s);
    const int64_t r = pqrt::loadInt(type, refCodes, at);
    const int64_t a = pqrt::loadInt(type, gotCodes, at);
    g.loadPoint(j, x);
    const double da = distance(x, g.actual.data() + size_t(a) * width);
    int64_t best = a;
    double nearest = da;
    for (int64_t k = 0; k < c.centroids(); ++k) {
      const double d = distance(x, g.actual.data() + size_t(k) * width);
      if (d < nearest) {
        nearest = d;
        best = k;
      }
    }
    const double tolerance =
        tieTolerance(c.centroidType, x, g.actual.data() + size_t(a) * width,
                     g.actual.data() + size_t(best) * width, false);
    if (da - nearest > tolerance) {
      return Status::mismatch(
          "codes: " + g.where() + ", key " + str(j) + ": got " + str(a) +
          ", but built centroid " + str(best) + " is nearer (" + num(nearest) +
          " against " + num(da) + ", tolerance " + num(tolerance) + ")");
    }
    if (!std::isnan(da)) {
      errorGot += da;
      errorRef += distance(x, g.reference.data() + size_t(r) * width);
    }
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
  if (nearTies == 0 && diverged == 0) {
    text += " equal";
  }
  if (nearTies > 0) {
    text += ", " + str(nearTies) + " differ at near-ties";
  }
  if (diverged > 0) {
    text += ", " + str(diverged) +
            " differ after the runs diverged (each the nearest of its own "
            "centroids; reconstruction error " +
            num(reconstructionError * 100) + "% off the reference's)";
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
                             const BuildOutputs &actual,
                             const BuildCheckOptions &options) {
  BuildComparison out;
  const int64_t n = seqLen - config.initOffset;
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
        out.status = compareCodes(g, n, reference.codebook, actual.codebook,
                                  options.allowDivergence, out);
        if (!out.status.ok()) {
          return out;
        }
        groups.push_back(std::move(g));
      }
    }
  }
  if (out.diverged > 0) {
    // Different k-means runs from here: judge the built one on its own.
    double errorRef = 0, errorGot = 0;
    for (const Group &g : groups) {
      out.status = checkOwnCentroids(g, n, reference.codebook,
                                     actual.codebook, errorRef, errorGot);
      if (!out.status.ok()) {
        return out;
      }
    }
    out.reconstructionError =
        errorRef > 0 ? std::fabs(errorGot - errorRef) / errorRef : errorGot;
    if (!(out.reconstructionError <= options.reconstructionTolerance)) {
      out.status = Status::mismatch(
          "the runs diverged (" + str(out.diverged) +
          " codes differ beyond near-ties) and the built index's "
          "reconstruction error " +
          num(errorGot) + " is " + num(out.reconstructionError * 100) +
          "% off the reference's " + num(errorRef) + " (at most " +
          num(options.reconstructionTolerance * 100) + "%)");
    }
    return out;
  }
  if (reference.iterations && actual.iterations &&
      *reference.iterations != *actual.iterations) {
    out.status = Status::mismatch(
        "iterations: got " + str(*actual.iterations) + ", the reference " +
        str(*reference.iterations));
    return out;
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
