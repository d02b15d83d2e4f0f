//===- Quantize.cpp - Codes of new keys (SEMANTICS step 2) ----------------===//
//
// Nearest-centroid search per subspace in fp32. Sums run in increasing
// dimension order (the ip augmented dimension last) so results do not depend
// on the build; a NaN distance counts as +inf, and strict '<' keeps the
// lowest c among equal distances.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "pqrt/Layout.h"

#include <cmath>
#include <limits>
#include <vector>

namespace pqrt {
namespace detail {

/// The distance used to pick a code; NaN never beats a real distance.
float codeDistance(const float *x, const float *centroid, int64_t width) {
  float sum = 0.0f;
  for (int64_t i = 0; i < width; ++i) {
    float diff = x[i] - centroid[i];
    sum += diff * diff;
  }
  return std::isnan(sum) ? std::numeric_limits<float>::infinity() : sum;
}

int64_t nearestCentroid(const float *x, const float *centroids, int64_t count,
                        int64_t width) {
  int64_t best = 0;
  float bestDistance = codeDistance(x, centroids, width);
  for (int64_t c = 1; c < count; ++c) {
    float d = codeDistance(x, centroids + c * width, width);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/// ip -> l2 reduction: append sqrt(max(phi - ||x||^2, 0)); a NaN gap gives 0.
float squaredNorm(const float *x, int64_t width) {
  float norm = 0.0f;
  for (int64_t i = 0; i < width; ++i) {
    norm += x[i] * x[i];
  }
  return norm;
}

float augmentedDimension(const float *x, int64_t width, float phi) {
  float gap = phi - squaredNorm(x, width);
  return gap > 0.0f ? std::sqrt(gap) : 0.0f;
}

void quantizeKeys(const StepConfig &config, const StepArgs &args, int64_t from,
                  int64_t to) {
  const int64_t count = config.centroids();
  const int64_t subDim = config.subDim();
  const int64_t width = config.centroidDim();
  const bool ip = config.metric == Metric::InnerProduct;
  std::vector<float> centroids(count * width);
  std::vector<float> x(width);
  for (int64_t b = 0; b < config.batch; ++b) {
    for (int64_t kv = 0; kv < config.kvHeads; ++kv) {
      for (int64_t s = 0; s < config.subspaces; ++s) {
        // Widen this subspace's centroids once; they are reused for every key.
        for (int64_t c = 0; c < count; ++c) {
          for (int64_t i = 0; i < width; ++i) {
            centroids[c * width + i] =
                loadFloat(config.centroidType, args.centroids,
                          centroidOffset(config, b, kv, s, c, i));
          }
        }
        float phi = ip ? args.phi[phiOffset(config, b, kv, s)] : 0.0f;
        for (int64_t j = from; j < to; ++j) {
          int64_t pos = j + config.initOffset;
          for (int64_t i = 0; i < subDim; ++i) {
            x[i] = loadFloat(config.queryType, args.key,
                             keyOffset(config, b, kv, pos, s * subDim + i));
          }
          if (ip) {
            x[subDim] = augmentedDimension(x.data(), subDim, phi);
          }
          int64_t code =
              nearestCentroid(x.data(), centroids.data(), count, width);
          storeInt(codeType(config), args.codebook,
                   codeOffset(config, b, j, kv, s), code);
        }
      }
    }
  }
}

} // namespace detail
} // namespace pqrt
