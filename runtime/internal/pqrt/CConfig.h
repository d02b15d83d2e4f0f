//===- CConfig.h - pqrt_config <-> StepConfig -------------------*- C++ -*-===//
//
// The C API's pqrt_config and the C++ StepConfig describe the same static
// settings; C++ hosts that link libpqrt statically use these conversions
// instead of mapping the fields again.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_CCONFIG_H
#define PQRT_CCONFIG_H

#include "pqrt/Config.h"
#include "pqrt/pqrt.h"

namespace pqrt {
namespace capi {

/// C config -> StepConfig (batch 1, capacities 0); InvalidArgument for a
/// null config, a wrong struct_size (as every C API call checks it) and
/// enum values outside their pqrt_* enums. Sizes are checked later, by
/// validateConfig.
Status fromCConfig(const pqrt_config *config, StepConfig &out);
/// StepConfig -> C config, struct_size set (pqrt_config_init).
pqrt_config toCConfig(const StepConfig &config);

} // namespace capi
} // namespace pqrt

#endif // PQRT_CCONFIG_H
