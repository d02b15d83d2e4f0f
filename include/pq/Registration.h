//===- Registration.h - Register everything pq tools need -------*- C++ -*-===//

#ifndef PQ_REGISTRATION_H
#define PQ_REGISTRATION_H

namespace mlir {
class DialectRegistry;
namespace pq {

/// Registers the pq dialect and passes, and the upstream dialects, passes
/// and translations the pq pipeline uses. pq-opt and pq-compile both call it.
void registerAllPQ(DialectRegistry &registry);

} // namespace pq
} // namespace mlir

#endif // PQ_REGISTRATION_H
