//===- BuildAssignShared.cpp - What the assignment kernels share ---------===//

#include "BuildAssignShared.h"
#include "CodeReader.h"

#include <limits>

using namespace mlir;
using namespace mlir::pq;
using arith::CmpIPredicate;

AssignColumns::AssignColumns(const BuildInfo &info)
    : subDim(info.subDim()), width(info.width()),
      exactPoints(info.keyType.isBF16() || info.keyType.isF16()) {
  mma = exactPoints && info.metric == Metric::ip ? subDim + 2 : width;
}

std::pair<Value, Value> mlir::pq::splitTf32(KernelBuilder &kb, Value x) {
  ImplicitLocOpBuilder &b = kb.b;
  Value bits = arith::BitcastOp::create(b, b.getI32Type(), x);
  Value hiBits = kb.bitAnd(bits, kb.i32(0xFFFFE000u));
  Value hi = arith::BitcastOp::create(b, b.getF32Type(), hiBits);
  Value lo = kb.subf(x, hi);
  return {hiBits, arith::BitcastOp::create(b, b.getI32Type(), lo)};
}

AssignSources::AssignSources(KernelBuilder &kb, const BuildInfo &info,
                             const KernelArgs &args, const BuildGroup &g,
                             bool final)
    : info(info), args(args), g(g), columns(info), final(final) {
  if (!final) {
    working = regionView(kb, args, g, BuildRegion::Centroids);
  }
}

Value AssignSources::centroid(KernelBuilder &kb, Value c, Value dim) const {
  Value row =
      kb.add(kb.mul(final ? g.group : g.local, kb.idx(info.centroids)), c);
  Value at = kb.add(kb.mul(row, kb.idx(columns.width)), dim);
  return final ? kb.toF32(kb.load(args.centroids, at)) : kb.load(working, at);
}

Value AssignSources::centroidColumn(KernelBuilder &kb, Value c,
                                    Value dim) const {
  return centroid(kb, c, kb.minu(dim, kb.idx(columns.width - 1)));
}

Value AssignSources::pointColumn(KernelBuilder &kb, Value point,
                                 Value dim) const {
  if (!columns.exactPoints || columns.mma == columns.width) {
    return loadPoint(kb, info, args, g, point, dim);
  }
  // The ip column's hi part at ds, its lo part at ds + 1 (key columns are
  // their own hi part).
  ImplicitLocOpBuilder &b = kb.b;
  Value v = loadPoint(kb, info, args, g, point,
                      kb.minu(dim, kb.idx(columns.subDim)));
  auto [hiBits, loBits] = splitTf32(kb, v);
  Value isLo = kb.cmp(CmpIPredicate::eq, dim, kb.idx(columns.subDim + 1));
  return arith::BitcastOp::create(b, b.getF32Type(),
                                  kb.select(isLo, loBits, hiBits));
}

void mlir::pq::storeCentroidNorms(KernelBuilder &kb,
                                  const AssignSources &sources, Value norms,
                                  int64_t padded) {
  ImplicitLocOpBuilder &b = kb.b;
  const float inf = std::numeric_limits<float>::infinity();
  kb.forEachThread(kb.idx(padded), [&](Value c) {
    Value real = kb.cmp(CmpIPredicate::ult, c, kb.idx(sources.info.centroids));
    Value norm = kb.ifThenElse(
        real, TypeRange{b.getF32Type()},
        [&]() -> SmallVector<Value> {
          return {kb.forLoop(
              kb.idx(0), kb.idx(sources.columns.width), kb.idx(1),
              ValueRange{kb.f32(0.0f)},
              [&](Value i, ValueRange sum) -> SmallVector<Value> {
                Value v = sources.centroid(kb, c, i);
                return {kb.fma(v, v, sum[0])};
              })[0]};
        },
        [&]() -> SmallVector<Value> { return {kb.f32(inf)}; })[0];
    kb.store(norm, norms, c);
  });
}

void mlir::pq::storeCode(KernelBuilder &kb, const BuildInfo &info,
                         const KernelArgs &args, const BuildGroup &g,
                         Value codes, Value point, Value code, bool final) {
  ImplicitLocOpBuilder &b = kb.b;
  if (!final) {
    kb.store(arith::TruncIOp::create(b, b.getI8Type(), code), codes,
             kb.add(kb.mul(g.local, kb.idx(info.maxPoints())), point));
    return;
  }
  Value stored = info.codeType.isInteger(8)
                     ? Value(arith::TruncIOp::create(b, info.codeType, code))
                     : Value(arith::ExtUIOp::create(b, info.codeType, code));
  Value at = kb.add(firstCodeIndex(kb, info.layout, info.kvHeads,
                                   info.subspaces, args.codeCapacity, g.batch,
                                   g.kvHead, point),
                    g.s);
  kb.store(stored, args.codes, at);
}

Value mlir::pq::assignCtaActive(KernelBuilder &kb, const BuildInfo &info,
                                const KernelArgs &args, const BuildGroup &g,
                                Value firstTile, int64_t tilePoints,
                                bool final) {
  Value active = kb.cmp(CmpIPredicate::ult,
                        kb.mul(firstTile, kb.idx(tilePoints)), g.n);
  if (!final) {
    active = kb.andI1(active, kb.notI1(buildStopped(kb, info, args)));
  }
  return active;
}
