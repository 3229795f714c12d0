//===- TrainerEmitter.cpp - Ahead-of-time trainers ------------------------===//

#include "TrainerEmitter.h"
#include "HostCodeGen.h"

#include "mpt/Runtime/CUDA.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mpt;

namespace {
/// The names TrainerMain.cpp links against, whatever the step is called.
constexpr const char *kStepSymbol = "mpt_trainer_step";
constexpr const char *kSignatureSymbol = "mpt_trainer_signature";
constexpr const char *kStaticBytesSymbol = "mpt_trainer_static_bytes";
constexpr const char *kDataParallelSymbol = "mpt_trainer_data_parallel";
constexpr const char *kTileRegistersSymbol = "mpt_trainer_tile_registers";
constexpr const char *kEvaluateSymbol = "mpt_trainer_evaluate";
constexpr const char *kEvaluationSignatureSymbol =
    "mpt_trainer_evaluation_signature";
constexpr const char *kMatmulShapesSymbol = "mpt_trainer_matmul_shapes";
constexpr const char *kMatmulShapeCountSymbol =
    "mpt_trainer_matmul_shape_count";
constexpr const char *kGeneratedStepSymbol = "mpt_trainer_generated_step";
constexpr const char *kGeneratedEvaluateSymbol =
    "mpt_trainer_generated_evaluate";
/// What the generated variant's own symbols are renamed with.
constexpr const char *kGeneratedPrefix = "mpt.generated.";

/// Removes a temporary build directory unless it was renamed into place.
class TemporaryDirectory {
public:
  explicit TemporaryDirectory(std::string path) : path(std::move(path)) {}
  ~TemporaryDirectory() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
  const std::string &get() const { return path; }
  void release() { path.clear(); }

private:
  std::string path;
};

/// Exports the entry point `entry` and its signature as `symbol` and
/// `signatureSymbol`.
LogicalResult exportEntry(llvm::Module &module, llvm::StringRef entry,
                          const char *symbol, const char *signatureSymbol,
                          Location loc) {
  llvm::Function *function = module.getFunction(entry);
  llvm::GlobalVariable *signature =
      module.getGlobalVariable((entry + "_signature").str(), true);
  if (!function || !signature)
    return emitError(loc) << "the compiled module has no '" << entry
                          << "' and '" << entry << "_signature' to export";
  llvm::GlobalAlias::create(symbol, function);
  llvm::GlobalAlias::create(signatureSymbol, signature);
  return success();
}

/// Exports the step, its signature, its static memory, whether it is
/// compiled for a data-parallel job and whether for AMX tiles, and the
/// evaluation function and its signature when there is one, under the names the
/// trainer main expects.
LogicalResult addTrainerSymbols(llvm::Module &module, StepCompiler &compiler,
                                StepDevice device, Location loc) {
  if (failed(exportEntry(module, compiler.signature().entry, kStepSymbol,
                         kSignatureSymbol, loc)))
    return failure();
  if (const ::mpt::runtime::StepSignature *evaluation =
          compiler.evaluationSignature())
    if (failed(exportEntry(module, evaluation->entry, kEvaluateSymbol,
                           kEvaluationSignatureSymbol, loc)))
      return failure();
  uint64_t staticBytes = compiler.staticMemoryBytes();
  auto *i64 = llvm::Type::getInt64Ty(module.getContext());
  new llvm::GlobalVariable(
      module, i64, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantInt::get(i64, staticBytes), kStaticBytesSymbol);
  new llvm::GlobalVariable(module, i64, /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(i64, compiler.dataParallel()),
                           kDataParallelSymbol);
  new llvm::GlobalVariable(
      module, i64, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantInt::get(i64, device == StepDevice::CPU &&
                                      compiler.compiledForAMX()),
      kTileRegistersSymbol);
  return success();
}

/// Exports the table of the step's cuBLASLt products, which the GPU
/// trainer gives cuda::prepareMatmulPlans at start-up (none when the step
/// has none).
void addMatmulShapes(llvm::Module &module, llvm::ArrayRef<int64_t> shapes) {
  llvm::LLVMContext &context = module.getContext();
  auto *i64 = llvm::Type::getInt64Ty(context);
  // One value at least: a zero-length array is not a valid C++ object.
  llvm::SmallVector<int64_t> values(shapes);
  size_t count = values.size() / MptMatmulShapeFields;
  if (values.empty())
    values.push_back(0);
  llvm::Constant *table = llvm::ConstantDataArray::get(context, values);
  new llvm::GlobalVariable(module, table->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, table,
                           kMatmulShapesSymbol);
  new llvm::GlobalVariable(
      module, i64, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantInt::get(i64, count), kMatmulShapeCountSymbol);
}

/// Makes the generated variant of a step linkable beside the step: its
/// definitions renamed and local to it, its step and evaluation function
/// exported as the trainer's generated ones.
LogicalResult exportGeneratedVariant(llvm::Module &module,
                                     StepCompiler &compiler, Location loc) {
  llvm::Function *step = module.getFunction(compiler.signature().entry);
  const ::mpt::runtime::StepSignature *evaluation =
      compiler.evaluationSignature();
  llvm::Function *evaluate =
      evaluation ? module.getFunction(evaluation->entry) : nullptr;
  if (!step || (evaluation && !evaluate))
    return emitError(loc) << "the step's generated variant has no '"
                          << compiler.signature().entry << "' to export";
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.isDeclaration() || value.getName().starts_with("llvm."))
      continue;
    value.setName(kGeneratedPrefix + value.getName());
    value.setLinkage(llvm::GlobalValue::InternalLinkage);
    value.setVisibility(llvm::GlobalValue::DefaultVisibility);
    if (auto *object = llvm::dyn_cast<llvm::GlobalObject>(&value))
      object->setComdat(nullptr);
  }
  llvm::GlobalAlias::create(kGeneratedStepSymbol, step);
  if (evaluate)
    llvm::GlobalAlias::create(kGeneratedEvaluateSymbol, evaluate);
  return success();
}

/// Compiles `module` as the JIT compiles a step (HostCodeGen.h) into
/// object files `name`N.o in `dir`; returns their paths.
FailureOr<std::vector<std::string>> emitObjects(llvm::Module &module,
                                                const std::string &dir,
                                                llvm::StringRef name,
                                                Location loc) {
  llvm::Expected<std::vector<std::string>> objects =
      compileToObjects(module, detectHostTarget(), defaultCodeGenThreads());
  if (!objects)
    return emitError(loc) << "compiling the step failed: "
                          << llvm::toString(objects.takeError());
  std::vector<std::string> paths;
  for (auto [index, object] : llvm::enumerate(*objects)) {
    std::string path = dir + "/" + name.str() + std::to_string(index) + ".o";
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
    if (!ec) {
      os << object;
      os.close();
      ec = os.error();
    }
    if (ec)
      return emitError(loc)
             << "cannot write '" << path << "': " << ec.message();
    paths.push_back(path);
  }
  return paths;
}

/// Runs the C++ compiler as the linker; its messages become the error.
LogicalResult link(llvm::ArrayRef<std::string> args, llvm::StringRef logPath,
                   Location loc) {
  llvm::ErrorOr<std::string> compiler =
      llvm::sys::fs::exists(MPT_CXX_COMPILER)
          ? std::string(MPT_CXX_COMPILER)
          : llvm::sys::findProgramByName("c++");
  if (!compiler)
    return emitError(loc) << "no C++ compiler to link the trainer with: "
                          << MPT_CXX_COMPILER << " is gone and no c++ is "
                          << "on PATH";
  llvm::SmallVector<llvm::StringRef> argv{*compiler};
  argv.append(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath, logPath};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*compiler, argv, std::nullopt, redirects,
                                     0, 0, &error);
  if (rc == 0)
    return success();
  auto log = llvm::MemoryBuffer::getFile(logPath);
  return emitError(loc) << "linking the trainer failed ("
                        << (error.empty() ? "exit " + std::to_string(rc)
                                          : error)
                        << "):\n"
                        << (log ? (*log)->getBuffer().rtrim() : "");
}
} // namespace

bool mlir::mpt::canEmitTrainerFor(StepDevice device) {
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
  return true;
#else
  return device == StepDevice::CPU;
#endif
}

LogicalResult mlir::mpt::emitTrainer(StepCompiler &compiler,
                                     const TrainerEmitterOptions &options) {
  Location loc = compiler.getModule().getLoc();
  llvm::SmallString<256> output(options.outputDir);
  llvm::sys::path::remove_dots(output, /*remove_dot_dot=*/true);
  if (llvm::sys::fs::exists(output)) {
    std::error_code ec;
    llvm::sys::fs::directory_iterator entries(output, ec);
    if (ec || entries != llvm::sys::fs::directory_iterator())
      return emitError(loc) << "--emit-trainer: '" << options.outputDir
                            << "' exists and is not an empty directory";
  }
  llvm::StringRef parent = llvm::sys::path::parent_path(output);
  if (!parent.empty() && !llvm::sys::fs::is_directory(parent))
    return emitError(loc) << "--emit-trainer: the parent directory '" << parent
                          << "' of '" << options.outputDir
                          << "' does not exist";
  if (failed(compiler.lower(options.device)))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> module =
      translateModuleToLLVMIR(compiler.getModule(), llvmContext, "step");
  if (!module)
    return emitError(loc) << "translating the step to LLVM IR failed";
  if (failed(addTrainerSymbols(*module, compiler, options.device, loc)))
    return failure();
  if (options.device == StepDevice::CUDA)
    addMatmulShapes(*module, compiler.libraryMatmulShapes());
  std::unique_ptr<llvm::Module> generated;
  if (ModuleOp variant = compiler.getGeneratedVariant()) {
    generated = translateModuleToLLVMIR(variant, llvmContext, "step-generated");
    if (!generated)
      return emitError(loc)
             << "translating the step's generated variant to LLVM IR failed";
    if (failed(exportGeneratedVariant(*generated, compiler, loc)))
      return failure();
  }
  // Beside the output, so that the final rename stays on one file system.
  llvm::SmallString<256> temporaryPath;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory(
          output + ".partial", temporaryPath))
    return emitError(loc) << "--emit-trainer: cannot create a directory "
                             "beside '"
                          << options.outputDir << "': " << ec.message();
  TemporaryDirectory temporary(temporaryPath.str().str());

  std::string dir = temporary.get();
  FailureOr<std::vector<std::string>> objects =
      emitObjects(*module, dir, "step", loc);
  if (failed(objects))
    return failure();
  if (generated) {
    FailureOr<std::vector<std::string>> variantObjects =
        emitObjects(*generated, dir, "step-generated", loc);
    if (failed(variantObjects))
      return failure();
    llvm::append_range(*objects, *variantObjects);
  }

  std::vector<std::string> args{"-o", dir + "/trainer"};
  llvm::append_range(args, *objects);
  if (options.device == StepDevice::CUDA) {
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
    // The runtime again after the CUDA runtime, whose device collectives
    // call it.
    args.insert(args.end(), {MPT_TRAINER_MAIN_CUDA_ARCHIVE, MPT_RUNTIME_ARCHIVE,
                             MPT_CUDA_RUNTIME_ARCHIVE, MPT_RUNTIME_ARCHIVE,
                             "-L" MPT_CUDA_LIBRARY_DIR, "-lcuda", "-ldl"});
#endif
  } else {
    args.insert(args.end(), {MPT_TRAINER_MAIN_ARCHIVE, MPT_RUNTIME_ARCHIVE});
  }
  // Multi-threaded steps call LLVM's OpenMP runtime.
  if (options.threads != 1)
    args.insert(args.end(), {"-L" MPT_OPENMP_LIBRARY_DIR, "-lomp",
                             "-Wl,-rpath," MPT_OPENMP_LIBRARY_DIR});
  // -ldl: the runtime loads the MPI backend when a launcher starts it.
  args.insert(args.end(), {"-lm", "-lpthread", "-ldl"});
  if (failed(link(args, dir + "/link.log", loc)))
    return failure();
  // A data-parallel trainer finds the MPI backend beside itself.
  if (compiler.dataParallel()) {
#ifdef MPT_COMM_MPI_LIBRARY
    if (std::error_code ec = llvm::sys::fs::copy_file(
            MPT_COMM_MPI_LIBRARY,
            dir + "/" + llvm::sys::path::filename(MPT_COMM_MPI_LIBRARY)))
      return emitError(loc)
             << "cannot copy the MPI backend " << MPT_COMM_MPI_LIBRARY
             << " beside the trainer: " << ec.message();
#else
    llvm::errs() << "mpt-run: warning: MPT was built without MPI "
                    "(libopenmpi-dev): the trainer runs in one process only\n";
#endif
  }
  for (const std::string &object : *objects)
    llvm::sys::fs::remove(object);
  llvm::sys::fs::remove(dir + "/link.log");
  if (std::error_code ec = llvm::sys::fs::rename(dir, output))
    return emitError(loc) << "--emit-trainer: cannot move the trainer to '"
                          << options.outputDir << "': " << ec.message();
  temporary.release();
  return success();
}
