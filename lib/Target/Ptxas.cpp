//===- Ptxas.cpp - Assemble PTX with the CUDA toolkit's ptxas -------------===//

#include "pq/Target/Ptxas.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

std::optional<std::string> mlir::pq::findPtxas(StringRef hint) {
  if (!hint.empty()) {
    if (sys::fs::can_execute(hint)) {
      return hint.str();
    }
    return std::nullopt;
  }
  if (const char *cudaPath = std::getenv("CUDA_PATH")) {
    SmallString<256> candidate(cudaPath);
    sys::path::append(candidate, "bin", "ptxas");
    if (sys::fs::can_execute(candidate)) {
      return candidate.str().str();
    }
  }
  if (ErrorOr<std::string> found = sys::findProgramByName("ptxas")) {
    return *found;
  }
  if (sys::fs::can_execute("/usr/local/cuda/bin/ptxas")) {
    return std::string("/usr/local/cuda/bin/ptxas");
  }
  return std::nullopt;
}

/// Temporary file that removes itself.
namespace {
struct TempFile {
  SmallString<128> path;
  ~TempFile() {
    if (!path.empty()) {
      sys::fs::remove(path);
    }
  }
};
} // namespace

static int64_t sumSpills(StringRef log) {
  Regex spill("([0-9]+) bytes spill (stores|loads)");
  int64_t total = 0;
  SmallVector<StringRef> lines;
  log.split(lines, '\n');
  for (StringRef line : lines) {
    SmallVector<StringRef, 3> match;
    StringRef rest = line;
    while (spill.match(rest, &match)) {
      total += std::stoll(match[1].str());
      rest = rest.substr(rest.find(match[0]) + match[0].size());
    }
  }
  return total;
}

Expected<mlir::pq::PtxasResult> mlir::pq::runPtxas(StringRef ptxas,
                                                   StringRef ptx,
                                                   StringRef arch) {
  TempFile input, output, log;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("pq", "ptx", input.path)) {
    return createStringError(ec, "ptxas: cannot create a temporary file");
  }
  if (std::error_code ec =
          sys::fs::createTemporaryFile("pq", "cubin", output.path)) {
    return createStringError(ec, "ptxas: cannot create a temporary file");
  }
  if (std::error_code ec =
          sys::fs::createTemporaryFile("pq", "log", log.path)) {
    return createStringError(ec, "ptxas: cannot create a temporary file");
  }
  {
    std::error_code ec;
    raw_fd_ostream os(input.path, ec);
    if (ec) {
      return createStringError(ec, "ptxas: cannot write the PTX to '" +
                                       input.path + "': " + ec.message());
    }
    os << ptx;
    os.close();
    if (os.has_error()) {
      // Cleared so the stream does not abort the process when destroyed.
      std::error_code writeError = os.error();
      os.clear_error();
      return createStringError(writeError, "ptxas: cannot write the PTX to '" +
                                               input.path +
                                               "': " + writeError.message());
    }
  }
  std::string archFlag = ("-arch=" + arch).str();
  SmallVector<StringRef> args = {ptxas,    archFlag.c_str(), "-O3", "-v",
                                 input.path, "-o",            output.path};
  std::optional<StringRef> redirects[] = {std::nullopt, log.path.str(),
                                          log.path.str()};
  std::string message;
  int status = sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                   &message);
  PtxasResult result;
  if (auto buffer = MemoryBuffer::getFile(log.path)) {
    result.log = (*buffer)->getBuffer().str();
  }
  if (status != 0) {
    // > 0: ptxas's exit status; < 0: it did not run or crashed (`message`).
    std::string how = status > 0
                          ? "exited with status " + std::to_string(status)
                      : message.empty() ? "could not be run"
                                        : message;
    StringRef log = StringRef(result.log).trim();
    return createStringError(
        inconvertibleErrorCode(),
        "ptxas '" + ptxas.str() + "' failed for " + arch.str() + ": " + how +
            (log.empty() ? " and printed nothing" : ":\n" + log.str()));
  }
  auto cubin = MemoryBuffer::getFile(output.path, /*IsText=*/false);
  if (!cubin) {
    return createStringError(cubin.getError(), "ptxas wrote no cubin");
  }
  result.cubin = (*cubin)->getBuffer().str();
  result.spillBytes = sumSpills(result.log);
  return result;
}
