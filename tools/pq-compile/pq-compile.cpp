//===- pq-compile.cpp - Compile a pq step into a module bundle ------------===//
//
// pq-compile in.mlir --target=sm_80 [--target=sm_90] -o out.pqmod
//
// Runs the pq pipeline (fuse, tile, lower to GPU, NVVM, PTX), assembles a
// cubin per arch with ptxas when the CUDA toolkit is installed, and writes
// the bundle of docs/BUNDLE.md. --emit stops at an earlier stage.
//
//===----------------------------------------------------------------------===//

#include "dialects/pq/PQDialect.h"
#include "pq/Pipeline.h"
#include "pq/Registration.h"
#include "pq/Target/Bundle.h"
#include "pq/Target/Ptxas.h"
#include "pq/Tools/ToolIO.h"
#include "pq/Utils/KernelPlan.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace llvm;

namespace {
enum class Emit { Mlir, Llvm, Ptx, Bundle };

cl::OptionCategory category("pq-compile options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir>"),
                               cl::init("-"), cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::list<std::string>
    targets("target",
            cl::desc("GPU architecture: sm_80, sm_86, sm_89, sm_90 or sm_90a; "
                     "repeat to bundle several"),
            cl::cat(category));
cl::opt<Emit> emit(
    "emit", cl::desc("Stage to stop at"), cl::init(Emit::Bundle),
    cl::values(clEnumValN(Emit::Mlir, "mlir", "gpu.module kernels (MLIR)"),
               clEnumValN(Emit::Llvm, "llvm", "LLVM/NVVM-dialect kernels"),
               clEnumValN(Emit::Ptx, "ptx", "PTX text"),
               clEnumValN(Emit::Bundle, "bundle", "a .pqmod bundle")),
    cl::cat(category));
cl::opt<int64_t> maxSeqLen("max-seq-len",
                           cl::desc("Largest sequence length to support"),
                           cl::init(131072), cl::cat(category));
cl::opt<int64_t> clusterSize(
    "cluster-size",
    cl::desc("CTAs per thread-block cluster of a `cluster` tiling (sm_90; 1 "
             "to 16); 0: pq-tile chooses"),
    cl::init(0), cl::cat(category));
cl::opt<int64_t> rowGroups(
    "row-groups",
    cl::desc("Clusters a query group's rows are split over in a `cluster` "
             "tiling (sm_90; a divisor of heads / kv_heads); 0: pq-tile "
             "chooses"),
    cl::init(0), cl::cat(category));
cl::opt<bool> phaseTimers(
    "phase-timers",
    cl::desc("Each CTA of a row or cluster step kernel records %globaltimer "
             "at its phase boundaries into the workspace (docs/BUNDLE.md, "
             "Phase timers; bench/phase_timers.py reads them)"),
    cl::init(false), cl::cat(category));
cl::opt<bool> printPipeline("print-pipeline",
                            cl::desc("Print the pass pipeline and exit"),
                            cl::cat(category));
cl::opt<std::string> ptxasPath("ptxas",
                               cl::desc("ptxas to use (default: search)"),
                               cl::init(""), cl::cat(category));
cl::opt<bool> noCubin("no-cubin", cl::desc("Bundle PTX only"),
                      cl::cat(category));

int fail(const Twine &message) {
  WithColor::error(errs(), "pq-compile") << message << "\n";
  return 1;
}

/// The pipeline up to `stage`; `tileTarget` decides tile sizes.
void buildPipeline(PassManager &pm, StringRef tileTarget, Emit stage) {
  pq::buildPQToGPUPipeline(pm, {tileTarget.str(), maxSeqLen, clusterSize,
                               rowGroups, phaseTimers});
  if (stage == Emit::Mlir) {
    return;
  }
  pq::buildGPUToNVVMPipeline(pm);
  if (stage == Emit::Llvm) {
    return;
  }
  pq::buildNVVMToPTXPipeline(pm);
}

/// Every requested arch as an NVVM target of the kernels' gpu.module.
void retarget(ModuleOp module) {
  SmallVector<mlir::Attribute> nvvmTargets;
  for (const std::string &chip : targets) {
    nvvmTargets.push_back(NVVM::NVVMTargetAttr::get(
        module.getContext(), /*optLevel=*/3, "nvptx64-nvidia-cuda", chip));
  }
  module.walk([&](gpu::GPUModuleOp gpuModule) {
    gpuModule.setTargetsAttr(ArrayAttr::get(module.getContext(), nvvmTargets));
  });
}

/// PTX per arch, in --target order.
std::vector<pq::DeviceImage> collectPtx(ModuleOp module) {
  std::vector<pq::DeviceImage> images;
  module.walk([&](gpu::BinaryOp binary) {
    for (mlir::Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      auto nvvm = cast<NVVM::NVVMTargetAttr>(object.getTarget());
      images.push_back({nvvm.getChip().str(), "ptx",
                        object.getObject().getValue().str()});
    }
  });
  return images;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  DialectRegistry registry;
  pq::registerAllPQ(registry);
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "pq-compile: pq step -> PTX/cubin bundle\n");

  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // A failing op inside a generated kernel would otherwise print the kernel.
  context.printOpOnDiagnostic(false);

  if (targets.empty()) {
    return fail("no --target given; use one or more of " +
                pq::TargetAttr::knownChips());
  }
  // Tile for the arch with the least shared memory so one manifest fits
  // all; of equal ones a portable chip, so that arch-specific features
  // (sm_90a's wgmma) are used only when every image can run them.
  pq::TargetAttr tileTarget;
  for (const std::string &chip : targets) {
    pq::TargetAttr known = pq::TargetAttr::getKnown(&context, chip);
    if (!known) {
      return fail("unknown --target '" + chip + "'; known: " +
                  pq::TargetAttr::knownChips());
    }
    bool portable = !StringRef(chip).ends_with("a");
    if (!tileTarget || known.getSmem() < tileTarget.getSmem() ||
        (known.getSmem() == tileTarget.getSmem() && portable)) {
      tileTarget = known;
    }
  }
  if (maxSeqLen < 1 || maxSeqLen > pq::TilingAttr::kMaxSeqLen) {
    return fail("--max-seq-len must be in [1, " +
                Twine(pq::TilingAttr::kMaxSeqLen) + "], got " +
                Twine(maxSeqLen));
  }

  if (clusterSize < 0 || clusterSize > pq::kMaxClusterSize) {
    return fail("--cluster-size must be in [0, " +
                Twine(pq::kMaxClusterSize) + "] (0: pq-tile chooses), got " +
                Twine(clusterSize));
  }
  if (rowGroups < 0 || rowGroups > pq::kMaxRowGroups) {
    return fail("--row-groups must be in [0, " + Twine(pq::kMaxRowGroups) +
                "] (0: pq-tile chooses), got " + Twine(rowGroups));
  }

  if (printPipeline) {
    PassManager pm(&context);
    buildPipeline(pm, tileTarget.getChip(), emit);
    pm.printAsTextualPipeline(outs());
    outs() << "\n";
    return failed(pq::finishStdout("pq-compile")) ? 1 : 0;
  }

  std::string error;
  std::unique_ptr<MemoryBuffer> input = openInputFile(inputFile, &error);
  if (!input) {
    return fail(error);
  }
  if (failed(pq::checkInputNesting(*input))) {
    return 1;
  }
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module) {
    return 1;
  }

  // Stage 1: pq -> gpu.module kernels, then every arch as a target.
  PassManager toGPU(&context);
  pq::buildPQToGPUPipeline(toGPU,
                           {tileTarget.getChip().str(), maxSeqLen, clusterSize,
                            rowGroups, phaseTimers});
  if (failed(applyPassManagerCLOptions(toGPU)) || failed(toGPU.run(*module))) {
    return 1;
  }
  retarget(*module);
  FailureOr<json::Object> manifest = pq::buildManifest(*module);
  if (failed(manifest)) {
    return 1;
  }

  std::unique_ptr<ToolOutputFile> output = openOutputFile(outputFile, &error);
  if (!output) {
    return fail(error);
  }
  if (emit != Emit::Mlir) {
    PassManager rest(&context);
    pq::buildGPUToNVVMPipeline(rest);
    if (emit != Emit::Llvm) {
      pq::buildNVVMToPTXPipeline(rest);
    }
    if (failed(applyPassManagerCLOptions(rest)) ||
        failed(rest.run(*module))) {
      return 1;
    }
  }
  if (emit == Emit::Mlir || emit == Emit::Llvm) {
    module->print(output->os());
    return failed(pq::finishOutput(*output, "pq-compile")) ? 1 : 0;
  }

  std::vector<pq::DeviceImage> images = collectPtx(*module);
  if (emit == Emit::Ptx) {
    for (const pq::DeviceImage &image : images) {
      if (images.size() > 1) {
        output->os() << "// pq-compile: " << image.arch << "\n";
      }
      output->os() << image.bytes;
    }
    return failed(pq::finishOutput(*output, "pq-compile")) ? 1 : 0;
  }

  std::optional<std::string> ptxas =
      noCubin ? std::nullopt : pq::findPtxas(ptxasPath);
  if (!noCubin && !ptxasPath.empty() && !ptxas) {
    return fail("--ptxas '" + ptxasPath + "' is not an executable");
  }
  std::vector<pq::DeviceImage> cubins;
  for (const pq::DeviceImage &image : images) {
    if (!ptxas) {
      break;
    }
    Expected<pq::PtxasResult> result =
        pq::runPtxas(*ptxas, image.bytes, image.arch);
    if (!result) {
      return fail(toString(result.takeError()));
    }
    if (result->spillBytes > 0) {
      WithColor::warning(errs(), "pq-compile")
          << image.arch << ": ptxas reports " << result->spillBytes
          << " bytes of register spills\n";
    }
    cubins.push_back({image.arch, "cubin", std::move(result->cubin)});
  }
  images.insert(images.end(), cubins.begin(), cubins.end());
  output->os() << pq::writeBundle(std::move(*manifest), images);
  return failed(pq::finishOutput(*output, "pq-compile")) ? 1 : 0;
}
