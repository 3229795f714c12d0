//===- CommandLineDiagnostics.h - Errors of the command line ----*- C++ -*-===//
//
// A diagnostic without a location in any file comes from the command line
// (a pass option, a pipeline string): the tools report it as their own,
// `<tool>: error: ...`, instead of at `<unknown>:0`.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_SUPPORT_COMMANDLINEDIAGNOSTICS_H
#define MPT_SUPPORT_COMMANDLINEDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
namespace mpt {

/// Prints `diag` and its notes as `<tool>: <severity>: <message>` when it
/// has no file location and returns success; returns failure (leaving it to
/// the next handler) otherwise.
LogicalResult printCommandLineDiagnostic(llvm::StringRef tool,
                                         Diagnostic &diag);

/// Registers printCommandLineDiagnostic for `tool` on `context` for its
/// lifetime; registered after a source-manager handler, it sees every
/// diagnostic first.
class CommandLineDiagnosticHandler : public ScopedDiagnosticHandler {
public:
  CommandLineDiagnosticHandler(MLIRContext *context, llvm::StringRef tool);
};

} // namespace mpt
} // namespace mlir

#endif // MPT_SUPPORT_COMMANDLINEDIAGNOSTICS_H
