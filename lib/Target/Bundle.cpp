//===- Bundle.cpp - Write .pqmod module bundles ---------------------------===//

#include "pq/Target/Bundle.h"

#include "dialects/pq/PQDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace mlir::pq;
namespace json = llvm::json;

static StringRef typeName(Type type) {
  if (type.isF32()) {
    return "f32";
  }
  if (type.isF16()) {
    return "f16";
  }
  if (type.isBF16()) {
    return "bf16";
  }
  if (type.isInteger(64)) {
    return "i64";
  }
  if (type.isInteger(32)) {
    return "i32";
  }
  return "u8";
}

/// Element type of the kernel parameter `name` (a 1-D memref).
static Type paramElement(gpu::GPUFuncOp kernel, StringRef name) {
  auto names = kernel->getAttrOfType<ArrayAttr>("pq.params");
  for (auto [index, attr] : llvm::enumerate(names)) {
    if (cast<StringAttr>(attr).getValue() == name) {
      Type type = kernel.getArgumentTypes()[index];
      if (auto memref = dyn_cast<MemRefType>(type)) {
        return memref.getElementType();
      }
      return type;
    }
  }
  return {};
}

/// The CTAs per cluster of a kernel (1 unless it is a `cluster` kernel).
static int64_t clusterSize(gpu::GPUFuncOp kernel) {
  auto size = kernel->getAttrOfType<IntegerAttr>("pq.cluster");
  return size ? size.getInt() : 1;
}

/// The parameter list every kernel of an entry takes.
static json::Array paramList(gpu::GPUFuncOp kernel) {
  json::Array params;
  auto names = kernel->getAttrOfType<ArrayAttr>("pq.params");
  for (auto [attr, type] : llvm::zip(names, kernel.getArgumentTypes())) {
    params.push_back(json::Object{
        {"name", cast<StringAttr>(attr).getValue()},
        {"kind", isa<MemRefType>(type) ? "memref" : "i64"}});
  }
  return params;
}

/// The launch geometry of each kernel, in launch order; a build kernel's
/// also names its phase.
static json::Array kernelList(ArrayRef<gpu::GPUFuncOp> kernels) {
  json::Array list;
  for (gpu::GPUFuncOp kernel : kernels) {
    json::Array grid;
    for (int64_t extent :
         kernel->getAttrOfType<DenseI64ArrayAttr>("pq.grid").asArrayRef()) {
      if (extent < 0) {
        grid.push_back("batch");
      } else {
        grid.push_back(extent);
      }
    }
    json::Object spec{
        {"name", kernel.getName()},
        {"grid", std::move(grid)},
        {"block",
         json::Array{kernel->getAttrOfType<IntegerAttr>("pq.block").getInt(),
                     1, 1}},
        {"smem", kernel->getAttrOfType<IntegerAttr>("pq.smem").getInt()},
        {"cluster", json::Array{clusterSize(kernel), 1, 1}},
    };
    if (auto phase = kernel->getAttrOfType<StringAttr>("pq.phase")) {
      spec["phase"] = phase.getValue();
    }
    if (auto timers = kernel->getAttrOfType<ArrayAttr>("pq.phase_timers")) {
      json::Array names;
      for (Attribute name : timers) {
        names.push_back(cast<StringAttr>(name).getValue());
      }
      spec["phase_timers"] = std::move(names);
    }
    list.push_back(std::move(spec));
  }
  return list;
}

/// Every kernel of `kernels` belongs to one entry; `what` names the kind.
static LogicalResult oneEntry(ModuleOp module,
                              ArrayRef<gpu::GPUFuncOp> kernels,
                              StringRef what) {
  StringAttr entry = kernels.front()->getAttrOfType<StringAttr>("pq.entry");
  for (gpu::GPUFuncOp kernel : kernels) {
    if (kernel->getAttrOfType<StringAttr>("pq.entry") != entry) {
      return module.emitError()
             << "pq-compile: the module holds several pq " << what << " ('"
             << entry.getValue() << "' and '"
             << kernel->getAttrOfType<StringAttr>("pq.entry").getValue()
             << "'); a bundle holds one";
    }
  }
  return success();
}

/// The "build" object: the index build serving the step of `stepKernel`,
/// which must agree with it on everything the two share.
static FailureOr<json::Object> buildManifestEntry(
    ModuleOp module, gpu::GPUFuncOp stepKernel,
    ArrayRef<gpu::GPUFuncOp> kernels) {
  if (failed(oneEntry(module, kernels, "index builds"))) {
    return failure();
  }
  gpu::GPUFuncOp first = kernels.front();
  auto step = stepKernel->getAttrOfType<StepAttr>("pq.step");
  auto buildStep = first->getAttrOfType<StepAttr>("pq.step");
  auto stepShape = stepKernel->getAttrOfType<DenseI64ArrayAttr>("pq.shape");
  auto buildShape = first->getAttrOfType<DenseI64ArrayAttr>("pq.shape");
  auto tiling = stepKernel->getAttrOfType<TilingAttr>("pq.tiling");
  // Step shape: batch, heads, kv_heads, head_dim, S; build: batch,
  // kv_heads, head_dim, S.
  bool sameShape = stepShape[0] == buildShape[0] &&
                   stepShape[2] == buildShape[1] &&
                   stepShape[3] == buildShape[2] &&
                   stepShape[4] == buildShape[3];
  bool sameStep = step.getBits() == buildStep.getBits() &&
                  step.getInitOffset() == buildStep.getInitOffset() &&
                  step.getMetric() == buildStep.getMetric();
  bool sameTypes =
      paramElement(first, "key") == paramElement(stepKernel, "query") &&
      paramElement(first, "centroids") ==
          paramElement(stepKernel, "centroids") &&
      paramElement(first, "codes") == paramElement(stepKernel, "codes");
  if (!sameShape || !sameStep || !sameTypes ||
      first->getAttrOfType<LayoutAttr>("pq.layout") !=
          stepKernel->getAttrOfType<LayoutAttr>("pq.layout") ||
      first->getAttrOfType<IntegerAttr>("pq.max_seq_len").getInt() !=
          tiling.getMaxSeqLen()) {
    return module.emitError()
           << "pq-compile: the index build '"
           << first->getAttrOfType<StringAttr>("pq.entry").getValue()
           << "' does not match the step '"
           << stepKernel->getAttrOfType<StringAttr>("pq.entry").getValue()
           << "' (batch, kv_heads, head_dim, subspaces, bits, init_offset, "
              "metric, layout, key/centroid/code types and max_seq_len must "
              "agree)";
  }
  return json::Object{
      {"entry", first->getAttrOfType<StringAttr>("pq.entry").getValue()},
      {"workspace_bytes_per_batch",
       first->getAttrOfType<IntegerAttr>("pq.workspace_bytes_per_batch")
           .getInt()},
      {"params", paramList(first)},
      {"kernels", kernelList(kernels)},
  };
}

FailureOr<json::Object> mlir::pq::buildManifest(ModuleOp module) {
  SmallVector<gpu::GPUFuncOp> kernels, buildKernels;
  module.walk([&](gpu::GPUFuncOp func) {
    if (func->hasAttr("pq.build")) {
      buildKernels.push_back(func);
    } else if (func->hasAttr("pq.params")) {
      kernels.push_back(func);
    }
  });
  if (kernels.empty()) {
    return module.emitError()
           << "pq-compile: no pq step kernels in the module (a bundle needs "
              "a pq step; an index build alone is not launchable)";
  }
  if (failed(oneEntry(module, kernels, "steps"))) {
    return failure();
  }
  StringAttr entry = kernels.front()->getAttrOfType<StringAttr>("pq.entry");
  gpu::GPUFuncOp first = kernels.front();
  auto step = first->getAttrOfType<StepAttr>("pq.step");
  auto tiling = first->getAttrOfType<TilingAttr>("pq.tiling");
  auto shape = first->getAttrOfType<DenseI64ArrayAttr>("pq.shape");
  auto layout = first->getAttrOfType<LayoutAttr>("pq.layout");
  auto quantize = first->getAttrOfType<BoolAttr>("pq.quantize");
  if (!step || !tiling || !shape || shape.size() != 5 || !layout ||
      !quantize) {
    return first.emitError()
           << "pq-compile: kernel lacks the pq.* attributes convert-pq-to-gpu "
              "writes";
  }

  json::Object stepJson{
      {"batch", shape[0]},
      {"heads", shape[1]},
      {"kv_heads", shape[2]},
      {"head_dim", shape[3]},
      {"subspaces", shape[4]},
      {"bits", step.getBits()},
      {"sink", step.getSink()},
      {"window", step.getWindow()},
      {"heavy", step.getHeavy()},
      {"init_offset", step.getInitOffset()},
      {"metric", stringifyMetric(step.getMetric())},
      {"layout", stringifyLayout(layout.getValue())},
      {"query_type", typeName(paramElement(first, "query"))},
      {"centroid_type", typeName(paramElement(first, "centroids"))},
      {"weight_type", typeName(paramElement(first, "weight_list"))},
      {"index_type", typeName(paramElement(first, "sparse_list"))},
      {"quantize", quantize.getValue()},
      {"max_seq_len", tiling.getMaxSeqLen()},
  };

  json::Object build;
  if (!buildKernels.empty()) {
    FailureOr<json::Object> entryJson =
        buildManifestEntry(module, first, buildKernels);
    if (failed(entryJson)) {
      return failure();
    }
    build = std::move(*entryJson);
  }

  json::Object manifest{
      {"format", "pqmod"},
      {"version", 1},
      {"producer", "pq-compile"},
      {"entry", entry.getValue()},
      {"step", std::move(stepJson)},
      {"strategy", stringifyStrategy(tiling.getStrategy())},
      {"workspace_bytes_per_batch",
       first->getAttrOfType<IntegerAttr>("pq.workspace_bytes_per_batch")
           .getInt()},
      {"params", paramList(first)},
      {"kernels", kernelList(kernels)},
  };
  if (!build.empty()) {
    manifest["build"] = std::move(build);
  }
  return manifest;
}

std::string mlir::pq::contentHash(llvm::StringRef bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "fnv1a64:" << llvm::format_hex_no_prefix(hash, 16);
  return text;
}

std::string mlir::pq::writeBundle(json::Object manifest,
                                  const std::vector<DeviceImage> &images) {
  std::string section;
  json::Array imageList;
  for (const DeviceImage &image : images) {
    imageList.push_back(json::Object{
        {"arch", image.arch},
        {"format", image.format},
        {"offset", static_cast<int64_t>(section.size())},
        {"size", static_cast<int64_t>(image.bytes.size())},
    });
    section += image.bytes;
  }
  manifest["images"] = std::move(imageList);
  manifest["content_hash"] = contentHash(section);

  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", json::Value(std::move(manifest)));
  std::string bundle = "PQMOD01\n";
  char length[8];
  llvm::support::endian::write64le(length, text.size());
  bundle.append(length, sizeof(length));
  bundle += text;
  bundle += section;
  return bundle;
}
