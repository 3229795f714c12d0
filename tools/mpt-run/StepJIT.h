//===- StepJIT.h - Loading a compiled step into this process ----*- C++ -*-===//
//
// Links the object code of a step (from the compiler or from the compile
// cache) into this process with ORC's JIT linker, its heap functions bound
// to the runtime's allocation tracker, and finds its symbols.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_STEPJIT_H
#define MPT_TOOLS_MPT_RUN_STEPJIT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace mlir {
namespace mpt {

class StepJIT {
public:
  /// Links `objects` together into this process, all of them at once (a
  /// failure, such as no memory for their sections, is this function's
  /// error); the objects' calls to malloc, free and their kin go to the
  /// allocation tracker.
  static llvm::Expected<std::unique_ptr<StepJIT>>
  link(llvm::ArrayRef<std::string> objects);

  /// The address of the symbol `name` of the linked objects.
  llvm::Expected<void *> lookup(llvm::StringRef name);

private:
  explicit StepJIT(std::unique_ptr<llvm::orc::LLJIT> jit)
      : jit(std::move(jit)) {}

  std::unique_ptr<llvm::orc::LLJIT> jit;
};

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_STEPJIT_H
