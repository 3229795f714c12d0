//===- HostCodeGen.cpp - Object code of a step for this CPU ---------------===//

#include "HostCodeGen.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <algorithm>
#include <thread>

using namespace mlir;
using namespace mlir::mpt;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Generates the object code of `module`, optimized already.
llvm::Expected<std::string> emitObject(llvm::Module &module,
                                       llvm::TargetMachine &machine) {
  llvm::SmallString<0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return makeError("the code generator for " +
                     machine.getTargetTriple().str() +
                     " cannot emit object files");
  passes.run(module);
  return std::string(object.str());
}

/// Optimizes `module` at -O3 for `target` and generates its object code.
llvm::Expected<std::string> optimizeAndEmit(llvm::Module &module,
                                            const HostTarget &target) {
  auto machine = createTargetMachine(target);
  if (!machine)
    return machine.takeError();
  module.setTargetTriple((*machine)->getTargetTriple());
  module.setDataLayout((*machine)->createDataLayout());
  auto optimize = makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                            machine->get());
  if (llvm::Error error = optimize(&module))
    return std::move(error);
  return emitObject(module, **machine);
}

/// Defines `__truncsfbf2`, compiler-rt's f32 -> bf16 rounding, which LLVM
/// calls on CPUs without AVX512-BF16 where it promotes bf16 values to f32
/// and rounds them back (the phis and moves of some bf16 vectors, outside
/// what mpt-cpu-expand-bf16-conversions rewrites), and which neither the
/// JIT nor the trainers would otherwise find: round to nearest even on the
/// f32 bits, a NaN kept a quiet NaN. Weak, so that objects of several steps
/// link together; unused where the CPU converts by itself.
void defineBF16Rounding(llvm::Module &module) {
  constexpr llvm::StringLiteral kName = "__truncsfbf2";
  if (llvm::Function *existing = module.getFunction(kName))
    if (!existing->isDeclaration())
      return;
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *i32 = llvm::Type::getInt32Ty(context);
  auto *type = llvm::FunctionType::get(llvm::Type::getBFloatTy(context),
                                       {llvm::Type::getFloatTy(context)},
                                       /*isVarArg=*/false);
  llvm::Function *function = llvm::cast<llvm::Function>(
      module.getOrInsertFunction(kName, type).getCallee());
  function->setLinkage(llvm::GlobalValue::WeakAnyLinkage);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", function));
  llvm::Value *bits = b.CreateBitCast(function->getArg(0), i32);
  llvm::Value *magnitude = b.CreateAnd(bits, 0x7FFFFFFF);
  llvm::Value *isNaN = b.CreateICmpUGT(magnitude, b.getInt32(0x7F800000));
  llvm::Value *high = b.CreateLShr(bits, 16);
  llvm::Value *bias = b.CreateAdd(b.CreateAnd(high, 1), b.getInt32(0x7FFF));
  llvm::Value *rounded = b.CreateLShr(b.CreateAdd(bits, bias), 16);
  llvm::Value *quietNaN = b.CreateOr(high, 0x40);
  llvm::Value *result = b.CreateSelect(isNaN, quietNaN, rounded);
  b.CreateRet(b.CreateBitCast(b.CreateTrunc(result, b.getInt16Ty()),
                              llvm::Type::getBFloatTy(context)));
}

unsigned countDefinedFunctions(const llvm::Module &module) {
  return llvm::count_if(module, [](const llvm::Function &function) {
    return !function.isDeclaration();
  });
}

} // namespace

HostTarget mlir::mpt::detectHostTarget() {
  HostTarget target;
  target.triple = llvm::sys::getProcessTriple();
  target.cpu = llvm::sys::getHostCPUName().str();
  std::vector<std::string> features;
  for (const llvm::StringMapEntry<bool> &feature :
       llvm::sys::getHostCPUFeatures())
    features.push_back((feature.second ? "+" : "-") + feature.first().str());
  llvm::sort(features);
  target.features = llvm::join(features, ",");
  return target;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
mlir::mpt::createTargetMachine(const HostTarget &target) {
  llvm::Triple triple(target.triple);
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return makeError("no code generator for " + target.triple + ": " + error);
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return makeError("cannot create a target machine for " + target.triple +
                     " (" + target.cpu + ")");
  return machine;
}

unsigned mlir::mpt::defaultCodeGenThreads() {
  // Beyond a few partitions, splitting costs more than it saves.
  constexpr unsigned kMaxThreads = 8;
  return std::min(kMaxThreads,
                  llvm::hardware_concurrency().compute_thread_count());
}

llvm::Expected<std::vector<std::string>>
mlir::mpt::compileToObjects(llvm::Module &module, const HostTarget &target,
                            unsigned partitions) {
  defineBF16Rounding(module);
  partitions = std::min(partitions, countDefinedFunctions(module));
  if (partitions <= 1) {
    llvm::Expected<std::string> object = optimizeAndEmit(module, target);
    if (!object)
      return object.takeError();
    return std::vector<std::string>{std::move(*object)};
  }

  // Each partition is optimized and code-generated on a thread of its own.
  // LLVM contexts are not shared between threads: a partition travels as
  // bitcode to a context of its own.
  std::vector<llvm::SmallString<0>> bitcode;
  llvm::SplitModule(
      module, partitions,
      [&](std::unique_ptr<llvm::Module> part) {
        llvm::raw_svector_ostream os(bitcode.emplace_back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false);
  std::vector<std::string> objects(bitcode.size()), errors(bitcode.size());
  std::vector<std::thread> threads;
  for (size_t index = 0; index < bitcode.size(); ++index)
    threads.emplace_back([&, index] {
      llvm::LLVMContext context;
      llvm::Expected<std::unique_ptr<llvm::Module>> part =
          llvm::parseBitcodeFile(
              llvm::MemoryBufferRef(
                  llvm::StringRef(bitcode[index].data(), bitcode[index].size()),
                  "partition"),
              context);
      llvm::Expected<std::string> object =
          part ? optimizeAndEmit(**part, target)
               : llvm::Expected<std::string>(part.takeError());
      if (object)
        objects[index] = std::move(*object);
      else
        errors[index] = llvm::toString(object.takeError());
    });
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &error : errors)
    if (!error.empty())
      return makeError(error);
  return objects;
}
