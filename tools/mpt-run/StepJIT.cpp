//===- StepJIT.cpp - Loading a compiled step into this process ------------===//

#include "StepJIT.h"

#include "mpt/Runtime/AllocationTracker.h"

#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::mpt;
namespace rt = ::mpt::runtime;

llvm::Expected<std::unique_ptr<StepJIT>>
StepJIT::link(llvm::ArrayRef<std::string> objects) {
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return jit.takeError();
  // The step's own heap use is what the tracker measures: these
  // definitions come before the process's.
  llvm::orc::SymbolMap tracked;
  for (const rt::AllocationTracker::Binding &binding :
       rt::AllocationTracker::bindings())
    tracked[(*jit)->mangleAndIntern(binding.symbol)] = {
        llvm::orc::ExecutorAddr::fromPtr(binding.function),
        llvm::JITSymbolFlags::Exported};
  if (llvm::Error error = (*jit)->getMainJITDylib().define(
          llvm::orc::absoluteSymbols(std::move(tracked))))
    return std::move(error);
  for (const std::string &object : objects)
    if (llvm::Error error =
            (*jit)->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(object)))
      return std::move(error);
  return std::unique_ptr<StepJIT>(new StepJIT(std::move(*jit)));
}

llvm::Expected<void *> StepJIT::lookup(llvm::StringRef name) {
  llvm::Expected<llvm::orc::ExecutorAddr> address = jit->lookup(name);
  if (!address)
    return address.takeError();
  return address->toPtr<void *>();
}
