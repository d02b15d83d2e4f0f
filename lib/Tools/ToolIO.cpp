//===- ToolIO.cpp - Input and output checks shared by pq's tools ----------===//

#include "pq/Tools/ToolIO.h"

#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace mlir::pq {

namespace {

/// The first character where the nesting exceeds the limit, or null.
const char *findTooDeep(StringRef text) {
  unsigned depth = 0;
  const char *end = text.end();
  for (const char *p = text.begin(); p != end; ++p) {
    switch (*p) {
    case '"': // a string: skip to its unescaped end
      for (++p; p != end && *p != '"'; ++p) {
        if (*p == '\\' && p + 1 != end) {
          ++p;
        }
      }
      if (p == end) {
        return nullptr;
      }
      break;
    case '/':
      if (p + 1 != end && p[1] == '/') { // a comment: skip the line
        while (p + 1 != end && p[1] != '\n') {
          ++p;
        }
      }
      break;
    case '-': // "->" is an arrow, not a closing bracket
      if (p + 1 != end && p[1] == '>') {
        ++p;
      }
      break;
    case '{':
    case '(':
    case '[':
    case '<':
      if (*p == '<' && p + 1 != end && p[1] == '=') {
        ++p;
        break;
      }
      if (++depth > kMaxInputNesting) {
        return p;
      }
      break;
    case '}':
    case ')':
    case ']':
    case '>':
      if (*p == '>' && p + 1 != end && p[1] == '=') {
        ++p;
        break;
      }
      // A stray closer is the parser's to report; never let it hide depth.
      depth = depth == 0 ? 0 : depth - 1;
      break;
    default:
      break;
    }
  }
  return nullptr;
}

LogicalResult reportWriteError(raw_fd_ostream &os, StringRef file,
                               StringRef tool) {
  if (!os.has_error()) {
    return success();
  }
  WithColor::error(errs(), tool)
      << "cannot write '" << file << "': " << os.error().message() << "\n";
  os.clear_error();
  return failure();
}

} // namespace

LogicalResult checkInputNesting(const MemoryBuffer &input) {
  const char *where = findTooDeep(input.getBuffer());
  if (!where) {
    return success();
  }
  // Line and column by hand: the offending line may be megabytes long, and
  // SourceMgr would print it whole.
  StringRef before =
      input.getBuffer().take_front(where - input.getBufferStart());
  size_t line = before.count('\n') + 1;
  size_t lineStart = before.rfind('\n');
  size_t column = lineStart == StringRef::npos ? before.size() + 1
                                               : before.size() - lineStart;
  errs() << input.getBufferIdentifier() << ":" << line << ":" << column
         << ": error: brackets nest more than " << kMaxInputNesting
         << " levels deep here; such input is refused before parsing (MLIR's "
            "parser would run out of stack)\n";
  return failure();
}

LogicalResult finishOutput(ToolOutputFile &output, StringRef tool) {
  raw_fd_ostream &os = output.os();
  os.flush();
  // stdout ("-") is not the tool's to close; a file's close can fail too.
  if (!os.has_error() && output.getFilename() != "-") {
    os.close();
  }
  StringRef name =
      output.getFilename() == "-" ? "<stdout>" : output.getFilename();
  if (failed(reportWriteError(os, name, tool))) {
    return failure();
  }
  output.keep();
  return success();
}

LogicalResult finishStdout(StringRef tool) {
  outs().flush();
  return reportWriteError(outs(), "<stdout>", tool);
}

} // namespace mlir::pq
