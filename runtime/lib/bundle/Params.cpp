//===- Params.cpp - Kernel parameter names of the bundle ABI --------------===//

#include "Bundle.h"

#include <algorithm>

namespace pqrt {
namespace bundle {

namespace {

struct ParamEntry {
  ParamName name;
  const char *text;
  ParamKind kind;
};

constexpr ParamEntry kParams[kNumParamNames] = {
#define PQRT_PARAM_ENTRY(name, text, kind)                                     \
  {ParamName::name, text, ParamKind::kind},
    PQRT_KERNEL_PARAMS(PQRT_PARAM_ENTRY)
#undef PQRT_PARAM_ENTRY
};

const ParamEntry &entryOf(ParamName name) {
  return kParams[static_cast<int>(name)];
}

} // namespace

const char *paramNameText(ParamName name) { return entryOf(name).text; }

ParamKind paramKindOf(ParamName name) { return entryOf(name).kind; }

bool parseParamName(const std::string &text, ParamName &out) {
  for (const ParamEntry &entry : kParams) {
    if (text == entry.text) {
      out = entry.name;
      return true;
    }
  }
  return false;
}

bool stepMayTake(ParamName name) {
  switch (name) {
  case ParamName::Initial:
  case ParamName::Iterations:
  case ParamName::Seed:
  case ParamName::Iteration:
  case ParamName::KmeansIter:
    return false;
  default:
    return true;
  }
}

bool buildMayTake(ParamName name) {
  switch (name) {
  case ParamName::Query:
  case ParamName::SparseList:
  case ParamName::SparseLen:
  case ParamName::WeightList:
  case ParamName::NumCached:
    return false;
  default:
    return true;
  }
}

const char *buildPhaseText(BuildPhase phase) {
  switch (phase) {
  case BuildPhase::Prologue:
    return "prologue";
  case BuildPhase::Iteration:
    return "iteration";
  case BuildPhase::Epilogue:
    return "epilogue";
  }
  return "unknown";
}

bool Bundle::hasParam(ParamName name) const {
  return std::find(params.begin(), params.end(), name) != params.end();
}

bool BuildSpec::hasParam(ParamName name) const {
  return std::find(params.begin(), params.end(), name) != params.end();
}

} // namespace bundle
} // namespace pqrt
