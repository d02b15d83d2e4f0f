//===- CpuBackend.cpp - The GPU tests' harness without a GPU ---------------===//
//
// "Device" memory is host memory; a run is pqrt_bundle_validate_step (every
// check pqrt_indexer_run makes) then pqrt_reference_run, with the runtime's
// num_cached rule; a build is pqrt_bundle_validate_build then
// pqrt_reference_build (whose initial indices and iterations are then host
// memory, as the CPU backend's "device" memory is); a "graph" records the runs made while capturing, with the
// num_cached of capture time, and replays them. This checks the harness, not
// the GPU: its outputs match the reference by construction, so the planted
// faults are what show that each check is able to fail.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"

#include <cstring>
#include <functional>
#include <map>
#include <vector>

namespace pqgpu {

namespace {

int64_t dtypeSize(pqrt_dtype type) {
  switch (type) {
  case PQRT_F32:
  case PQRT_I32:
    return 4;
  case PQRT_F16:
  case PQRT_BF16:
    return 2;
  case PQRT_I64:
    return 8;
  case PQRT_U8:
    return 1;
  }
  return 1;
}

class CpuBackend;

class CpuRunner : public Runner {
public:
  CpuRunner(CpuBackend &backend, const pqrt::Bundle &bundle, int64_t maxBatch)
      : backend(backend), bundle(bundle), maxBatch(maxBatch),
        config(bundle.config()) {}

  pqrt_status run(const pqrt_step &step, std::string &message) override;
  pqrt_status build(const pqrt_build &build, std::string &message) override;

  /// The reference step, as the kernels would run it, plus planted faults.
  void execute(pqrt_step step);

private:
  CpuBackend &backend;
  const pqrt::Bundle &bundle;
  int64_t maxBatch;
  pqrt_config config;
};

class CpuBackend : public Backend {
public:
  explicit CpuBackend(std::string fault) : fault(std::move(fault)) {}

  std::string description() const override {
    return "CPU backend (host memory + libpqrt's CPU reference; checks the "
           "harness, not a GPU)" +
           (fault.empty() ? std::string() : ", planted fault '" + fault + "'");
  }
  bool isGpu() const override { return false; }
  int sm() const override { return 0; }
  int smCount() const override { return 132; }

  std::string alloc(size_t bytes, DevPtr &out) override {
    auto block = std::make_unique<uint8_t[]>(bytes ? bytes : 1);
    // Fresh "device" memory is not zero on a GPU either.
    std::memset(block.get(), 0xEE, bytes ? bytes : 1);
    out = reinterpret_cast<DevPtr>(block.get());
    blocks[out] = std::move(block);
    return std::string();
  }
  void release(DevPtr pointer) override { blocks.erase(pointer); }
  std::string upload(DevPtr dst, const void *src, size_t bytes) override {
    if (!broken.empty()) {
      return broken;
    }
    std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
    return std::string();
  }
  std::string download(void *dst, DevPtr src, size_t bytes) override {
    if (!broken.empty()) {
      return broken;
    }
    std::memcpy(dst, reinterpret_cast<const void *>(src), bytes);
    return std::string();
  }
  std::string synchronize() override {
    // sticky: like a kernel fault, the 5th synchronization and everything
    // after it fails.
    if (fault == "sticky" && ++synchronizations >= 5 && broken.empty()) {
      broken = "planted sticky error (like CUDA_ERROR_ILLEGAL_ADDRESS)";
    }
    return broken;
  }
  std::string brokenReason() const override { return broken; }

  std::string createRunner(const pqrt::Bundle &bundle, int64_t maxBatch,
                           std::unique_ptr<Runner> &out) override {
    pqrt_bundle_info info;
    pqrt_bundle_info_init(&info);
    pqrt_status status = pqrt_bundle_get_info(bundle.get(), &info);
    if (status != PQRT_OK) {
      return pqrt_last_error();
    }
    if (maxBatch == 0) {
      maxBatch = info.static_batch;
    }
    if (maxBatch < 1 ||
        (info.static_batch != 0 && maxBatch != info.static_batch)) {
      return "createRunner: bad max batch " + std::to_string(maxBatch);
    }
    out = std::make_unique<CpuRunner>(*this, bundle, maxBatch);
    return std::string();
  }

  std::string beginCapture() override {
    dropGraph();
    capturing = true;
    return std::string();
  }
  std::string endCapture() override {
    if (!capturing) {
      return "endCapture: not capturing";
    }
    capturing = false;
    return std::string();
  }
  std::string replay() override {
    if (fault == "graph") {
      return std::string(); // a replay that does nothing
    }
    for (auto &work : graph) {
      work();
    }
    return std::string();
  }
  void dropGraph() override {
    capturing = false;
    graph.clear();
  }

  std::string fault;
  bool capturing = false;
  std::vector<std::function<void()>> graph;

private:
  std::map<DevPtr, std::unique_ptr<uint8_t[]>> blocks;
  std::string broken;
  int synchronizations = 0;
};

pqrt_status CpuRunner::run(const pqrt_step &step, std::string &message) {
  pqrt_status status = pqrt_bundle_validate_step(bundle.get(), maxBatch, &step);
  if (status != PQRT_OK) {
    message = pqrt_last_error();
    if (backend.fault == "validation" && step.weight_list && step.batch > 0 &&
        step.seq_len > 0) {
      std::memset(step.weight_list, 0, size_t(dtypeSize(config.weight_type)));
    }
    return status;
  }
  int64_t total = 0;
  int full = 0;
  pqrt_output_total(&config, step.seq_len, &total, &full);
  if (backend.capturing) {
    // Like captured kernels: the count of capture time, run at replay.
    const int64_t captured = *step.num_cached;
    backend.graph.push_back([this, step, captured] {
      pqrt_step copy = step;
      int64_t count = captured;
      copy.num_cached = &count;
      execute(copy);
    });
    if (backend.fault == "capture") {
      execute(step); // runs now, as an eager launch would
    }
    if (!full) {
      *step.num_cached = step.seq_len - config.init_offset;
    }
    return PQRT_OK;
  }
  const int64_t before = *step.num_cached;
  execute(step);
  if (backend.fault == "count") {
    *step.num_cached = before;
  }
  return PQRT_OK;
}

pqrt_status CpuRunner::build(const pqrt_build &build, std::string &message) {
  pqrt_status status =
      pqrt_bundle_validate_build(bundle.get(), maxBatch, &build);
  if (status == PQRT_OK) {
    status = pqrt_reference_build(&config, &build);
  }
  if (status != PQRT_OK) {
    message = pqrt_last_error();
    if (backend.fault == "validation" && build.centroids && build.batch > 0) {
      std::memset(build.centroids, 0, 1);
    }
    return status;
  }
  if (backend.fault == "kmeans" && build.kmeans_iter > 0) {
    // The last centroid's first value off by 1e-3 (f32 or bf16 alike: the
    // top bytes of either hold the exponent and leading mantissa bits).
    const int64_t groups = build.batch * config.kv_heads * config.subspaces;
    const int64_t width = config.head_dim / config.subspaces +
                          (config.metric == PQRT_METRIC_IP ? 1 : 0);
    const int64_t last = (groups * (int64_t(1) << config.bits) - 1) * width;
    if (config.centroid_type == PQRT_F32) {
      static_cast<float *>(build.centroids)[last] += 1e-3f;
    } else {
      auto *bits = static_cast<uint16_t *>(build.centroids);
      bits[last] = uint16_t(bits[last] + 8);
    }
  }
  return PQRT_OK;
}

void CpuRunner::execute(pqrt_step step) {
  const int64_t cachedBefore = *step.num_cached;
  const size_t weightSize = size_t(dtypeSize(config.weight_type));
  const size_t lastWeight =
      size_t(step.batch * config.heads * step.seq_len - 1) * weightSize;
  std::vector<uint8_t> kept(weightSize);
  auto *weights = static_cast<uint8_t *>(step.weight_list);
  std::memcpy(kept.data(), weights + lastWeight, weightSize);
  pqrt_status status = pqrt_reference_run(&config, &step);
  if (status != PQRT_OK) {
    return; // validated before; a failure here shows as wrong outputs
  }
  const std::string &fault = backend.fault;
  // nondeterministic: depends on what the outputs held before the run (the
  // harness's first fill is 0xA5, later runs use other bytes).
  if (fault == "unwritten" || (fault == "nondeterministic" && kept[0] != 0xA5)) {
    std::memcpy(weights + lastWeight, kept.data(), weightSize);
  }
  const int64_t n = step.seq_len - config.init_offset;
  if (fault == "codes" && cachedBefore < n) {
    // The last new key's first code, off by one.
    const int64_t centroids = int64_t(1) << config.bits;
    if (config.layout == PQRT_LAYOUT_SEED) {
      auto *codes = static_cast<int64_t *>(step.codebook);
      int64_t &code = codes[(n - 1) * config.kv_heads * config.subspaces];
      code = (code + 1) % centroids;
    } else {
      auto *codes = static_cast<uint8_t *>(step.codebook);
      uint8_t &code = codes[(n - 1) * config.subspaces];
      code = uint8_t((code + 1) % centroids);
    }
  }
}

} // namespace

const char *cpuFaultKinds() {
  return "unwritten codes count nondeterministic validation graph capture "
         "sticky kmeans";
}

std::unique_ptr<Backend> makeCpuBackend(const std::string &fault) {
  return std::make_unique<CpuBackend>(fault);
}

} // namespace pqgpu
