//===- ValidationHelpers.h - Shared checks of rejected steps ----*- C++ -*-===//
//
// A valid step to break one rule at a time, and the check that a rejected
// call names the argument and writes nothing.
//
//===----------------------------------------------------------------------===//

#ifndef PQ_TEST_UNIT_VALIDATIONHELPERS_H
#define PQ_TEST_UNIT_VALIDATIONHELPERS_H

#include "RandomStep.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pqrt {
namespace test {

/// ip metric, GQA, 16-bit types and three keys to quantize: the step reads
/// and writes every buffer, so each rule can be broken in isolation.
inline StepBuffers validStep() {
  StepConfig c;
  c.batch = 2;
  c.heads = 4;
  c.kvHeads = 2;
  c.headDim = 8;
  c.subspaces = 2;
  c.bits = 3;
  c.sink = c.window = c.initOffset = 2;
  c.heavy = 3;
  c.metric = Metric::InnerProduct;
  c.layout = CodeLayout::Compact;
  c.queryType = ElementType::BF16;
  c.centroidType = ElementType::F32;
  c.weightType = ElementType::F16;
  c.indexType = ElementType::I64;
  // Threshold 3 + 2 + 1 + 8 = 14; sk = 19 gives n = 17, 14 cached.
  return makeRandomStep(c, 19, 14, 42, DataMode::Random);
}

/// `call` must fail with InvalidArgument naming every part, and leave the
/// outputs, codebook and numCached of `buf` untouched.
template <typename Call>
void expectRejected(StepBuffers &buf, const std::vector<std::string> &parts,
                    Call call) {
  StepBuffers before = buf;
  Status status = call();
  EXPECT_EQ(status.code, StatusCode::InvalidArgument) << status.message;
  for (const std::string &part : parts) {
    EXPECT_NE(status.message.find(part), std::string::npos)
        << "'" << part << "' not in: " << status.message;
  }
  EXPECT_EQ(buf.sparseList, before.sparseList);
  EXPECT_EQ(buf.sparseLen, before.sparseLen);
  EXPECT_EQ(buf.weightList, before.weightList);
  EXPECT_EQ(buf.codebook, before.codebook);
  EXPECT_EQ(buf.numCached, before.numCached);
}

/// referenceStep with a modified config on `buf`'s (valid) buffers.
inline void expectConfigRejected(StepBuffers &buf, const StepConfig &config,
                                 const std::vector<std::string> &parts) {
  expectRejected(buf, parts, [&] { return referenceStep(config, buf.args()); });
  EXPECT_FALSE(validateConfig(config).ok());
}

/// referenceStep with modified args.
inline void expectArgsRejected(StepBuffers &buf, const StepArgs &args,
                               const std::vector<std::string> &parts) {
  expectRejected(buf, parts, [&] { return referenceStep(buf.config, args); });
}

} // namespace test
} // namespace pqrt

#endif // PQ_TEST_UNIT_VALIDATIONHELPERS_H
