//===- StepJIT.cpp - Loading a compiled step into this process ------------===//

#include "StepJIT.h"

#include "mpt/Runtime/AllocationTracker.h"

#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/ExecutionEngine/Orc/ObjectFileInterface.h"
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
  // ORC links lazily, at the first lookup, and reports why linking failed
  // (no memory for the sections, ...) on its own: keep the first reason.
  auto failure = std::make_shared<std::string>();
  llvm::orc::ExecutionSession &session = (*jit)->getExecutionSession();
  session.setErrorReporter([failure](llvm::Error error) {
    std::string message = llvm::toString(std::move(error));
    if (failure->empty())
      *failure = std::move(message);
  });
  llvm::orc::SymbolLookupSet defined;
  for (const std::string &object : objects) {
    std::unique_ptr<llvm::MemoryBuffer> buffer =
        llvm::MemoryBuffer::getMemBufferCopy(object);
    auto interface =
        llvm::orc::getObjectFileInterface(session, buffer->getMemBufferRef());
    if (!interface)
      return interface.takeError();
    for (const auto &symbol : interface->SymbolFlags)
      if (symbol.second.isExported())
        defined.add(symbol.first);
    if (llvm::Error error = (*jit)->addObjectFile(std::move(buffer)))
      return std::move(error);
  }
  // Linking everything now makes a failure an error of loading the step,
  // not of the first symbol looked up.
  llvm::Expected<llvm::orc::SymbolMap> linked = session.lookup(
      llvm::orc::makeJITDylibSearchOrder(&(*jit)->getMainJITDylib()),
      std::move(defined));
  if (!linked) {
    if (failure->empty())
      return linked.takeError();
    llvm::consumeError(linked.takeError());
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *failure);
  }
  return std::unique_ptr<StepJIT>(new StepJIT(std::move(*jit)));
}

llvm::Expected<void *> StepJIT::lookup(llvm::StringRef name) {
  llvm::Expected<llvm::orc::ExecutorAddr> address = jit->lookup(name);
  if (!address)
    return address.takeError();
  return address->toPtr<void *>();
}
