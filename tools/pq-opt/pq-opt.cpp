//===- pq-opt.cpp - The pq optimizer driver -------------------------------===//
//
// mlir-opt for pq: the pq dialect and passes plus the upstream dialects and
// passes the lowering pipeline uses. MlirOptMain's own file handling is
// replaced by pq's (ToolIO.h): absurdly nested input is refused before
// parsing, and a failed write is an error message rather than an abort.
//
//===----------------------------------------------------------------------===//

#include "pq/Registration.h"
#include "pq/Tools/ToolIO.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  DialectRegistry registry;
  pq::registerAllPQ(registry);
  auto [inputFile, outputFile] =
      registerAndParseCLIOptions(argc, argv, "pq optimizer driver\n", registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects()) {
    llvm::outs() << "Available Dialects: "
                 << llvm::join(registry.getDialectNames(), ",") << "\n";
    return failed(pq::finishStdout("pq-opt")) ? 1 : 0;
  }
  if (config.shouldListPasses()) {
    printRegisteredPasses();
    return failed(pq::finishStdout("pq-opt")) ? 1 : 0;
  }
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(inputFile, &error);
  if (!input) {
    llvm::WithColor::error(llvm::errs(), "pq-opt") << error << "\n";
    return 1;
  }
  if (failed(pq::checkInputNesting(*input))) {
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFile, &error);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "pq-opt") << error << "\n";
    return 1;
  }
  if (failed(MlirOptMain(output->os(), std::move(input), registry, config))) {
    return 1;
  }
  return failed(pq::finishOutput(*output, "pq-opt")) ? 1 : 0;
}
