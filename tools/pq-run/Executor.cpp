//===- Executor.cpp - What runs the step ----------------------------------===//

#include "Executor.h"

namespace pqrun {

namespace {

class CpuReferenceExecutor final : public Executor {
public:
  std::string name() const override { return "cpu reference"; }
  pqrt::Status run(const pqrt::StepConfig &config,
                   const pqrt::StepArgs &args) override {
    return pqrt::referenceStep(config, args);
  }
};

} // namespace

std::unique_ptr<Executor> makeCpuReferenceExecutor() {
  return std::make_unique<CpuReferenceExecutor>();
}

pqrt::Status selectExecutor(Device device, const std::string &bundle,
                            std::unique_ptr<Executor> &executor,
                            std::string &note) {
  if (!bundle.empty()) {
    return {pqrt::StatusCode::Unsupported,
            "running a compiled bundle ('" + bundle +
                "') needs the GPU runtime (libpqrt), which is in progress; "
                "run the CPU reference with --device=cpu and a --preset or "
                "flags instead"};
  }
  switch (device) {
  case Device::Gpu:
    return {pqrt::StatusCode::Unsupported,
            "--device=gpu needs a compiled bundle (pq-run BUNDLE.pqmod, "
            "from pq-compile), and GPU execution is not available yet: the "
            "GPU runtime is in progress; use --device=cpu or --device=auto"};
  case Device::Auto:
    note = "--device=auto: no compiled bundle given, so the step runs on the "
           "CPU reference";
    break;
  case Device::Cpu:
    break;
  }
  executor = makeCpuReferenceExecutor();
  return pqrt::Status::success();
}

} // namespace pqrun
