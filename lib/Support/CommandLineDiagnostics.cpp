//===- CommandLineDiagnostics.cpp - Errors of the command line ------------===//

#include "mpt/Support/CommandLineDiagnostics.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static StringRef severityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Remark:
    return "remark";
  case DiagnosticSeverity::Note:
    return "note";
  }
  llvm_unreachable("unknown diagnostic severity");
}

LogicalResult mlir::mpt::printCommandLineDiagnostic(StringRef tool,
                                                    Diagnostic &diag) {
  if (!isa<UnknownLoc>(diag.getLocation()))
    return failure();
  auto print = [&](const Diagnostic &d) {
    // Upstream's option parser ends its messages in a newline.
    llvm::errs() << tool << ": " << severityName(d.getSeverity()) << ": "
                 << StringRef(d.str()).rtrim() << "\n";
  };
  print(diag);
  for (const Diagnostic &note : diag.getNotes())
    print(note);
  return success();
}

mlir::mpt::CommandLineDiagnosticHandler::CommandLineDiagnosticHandler(
    MLIRContext *context, StringRef tool)
    : ScopedDiagnosticHandler(context, [tool = tool.str()](Diagnostic &diag) {
        return printCommandLineDiagnostic(tool, diag);
      }) {}
