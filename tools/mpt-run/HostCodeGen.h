//===- HostCodeGen.h - Object code of a step for this CPU -------*- C++ -*-===//
//
// The LLVM half of compiling a step for the CPU, shared by the JIT and the
// ahead-of-time trainers so that both run the same code: the target (this
// CPU and every feature it has), the -O3 optimization, and code generation
// into object files, in parallel on several threads for a large step.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_HOSTCODEGEN_H
#define MPT_TOOLS_MPT_RUN_HOSTCODEGEN_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
namespace mpt {

/// The machine the code is generated for.
struct HostTarget {
  std::string triple;
  std::string cpu;
  /// Every feature of the CPU, `+name` or `-name`, sorted.
  std::string features;
};

/// This machine, as LLVM sees it.
HostTarget detectHostTarget();

/// A target machine for `target` at -O3, for position-independent code.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const HostTarget &target);

/// How many threads compileToObjects uses by default: the hardware's, up to
/// a few.
unsigned defaultCodeGenThreads();

/// Splits `module` into up to `partitions` groups of functions, optimizes
/// each at -O3 for `target` and generates its object code, one group per
/// thread. Linked together, the objects define what `module` defines.
llvm::Expected<std::vector<std::string>>
compileToObjects(llvm::Module &module, const HostTarget &target,
                 unsigned partitions);

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_HOSTCODEGEN_H
