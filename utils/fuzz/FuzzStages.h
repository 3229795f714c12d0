//===- FuzzStages.h - Stages of the compiler fuzz targets -------*- C++ -*-===//
//
// What FuzzCompile.cpp and FuzzImport.cpp share: running one stage of
// passes on an input's module, and aborting on a compiler bug. The two
// targets also share __asan_default_options (FuzzStages.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_UTILS_FUZZ_FUZZSTAGES_H
#define MPT_UTILS_FUZZ_FUZZSTAGES_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"

#include <string>

namespace mpt_fuzz {

/// Reports a compiler bug an input found (`what`, the diagnostics so far and
/// `op`, when not null) and aborts, as a crash does.
[[noreturn]] void bug(const llvm::Twine &what, const std::string &diagnostics,
                      mlir::Operation *op);

/// Runs `pipeline` on `module` with a pass manager of its own. Returns false
/// when the stage fails (with a diagnostic, which is fine); aborts when it
/// succeeds and leaves IR that does not verify.
bool runStage(mlir::ModuleOp module, llvm::StringRef pipeline,
              const std::string &diagnostics);

} // namespace mpt_fuzz

#endif // MPT_UTILS_FUZZ_FUZZSTAGES_H
