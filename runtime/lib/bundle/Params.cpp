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
    {ParamName::Query, "query", ParamKind::Memref},
    {ParamName::Key, "key", ParamKind::Memref},
    {ParamName::Centroids, "centroids", ParamKind::Memref},
    {ParamName::Phi, "phi", ParamKind::Memref},
    {ParamName::Codes, "codes", ParamKind::Memref},
    {ParamName::SparseList, "sparse_list", ParamKind::Memref},
    {ParamName::SparseLen, "sparse_len", ParamKind::Memref},
    {ParamName::WeightList, "weight_list", ParamKind::Memref},
    {ParamName::Workspace, "workspace", ParamKind::Memref},
    {ParamName::SeqLen, "seq_len", ParamKind::I64},
    {ParamName::NumCached, "num_cached", ParamKind::I64},
    {ParamName::KeyCapacity, "key_capacity", ParamKind::I64},
    {ParamName::CodeCapacity, "code_capacity", ParamKind::I64},
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

bool Bundle::hasParam(ParamName name) const {
  return std::find(params.begin(), params.end(), name) != params.end();
}

} // namespace bundle
} // namespace pqrt
