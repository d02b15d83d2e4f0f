//===- Select.cpp - Window mask and heavy selection (steps 4, 5) ----------===//
//
// The k best indices under the order "larger score first, lower index among
// equals". That order is total on canonical scores, so the set is unique and
// independent of the algorithm; partial_sort is plenty for an oracle.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace pqrt {
namespace detail {

void selectHeavy(float *scores, int64_t n, int64_t ws, int64_t k,
                 std::vector<int64_t> &heavy) {
  for (int64_t j = std::max<int64_t>(ws, 0); j < n; ++j) {
    scores[j] = -std::numeric_limits<float>::infinity();
  }
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), int64_t(0));
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [scores](int64_t a, int64_t b) {
                      return ranksBefore(scores[a], a, scores[b], b);
                    });
  heavy.assign(order.begin(), order.begin() + k);
  std::sort(heavy.begin(), heavy.end());
}

} // namespace detail
} // namespace pqrt
