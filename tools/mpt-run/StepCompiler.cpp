//===- StepCompiler.cpp - From a model file to a callable step ------------===//

#include "StepCompiler.h"
#include "CompileCache.h"
#include "HostCodeGen.h"

#include "mpt/Conversion/Passes.h"
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
#include "mpt/Conversion/GPU/LibraryMatmuls.h"
#endif
#include "mpt/Conversion/StepABI/StepSignatureJson.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Runtime/AllocationTracker.h"
#include "mpt/Runtime/Communicator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mpt;
namespace rt = ::mpt::runtime;

namespace {
/// The OpenMP runtime that multi-threaded steps call (LLVM's libomp).
constexpr const char *kOpenMPRuntime = "libomp.so.5";

/// What compiled the step: this executable (MPT's passes are linked into
/// it) and the LLVM it uses; a change to either may change the code.
/// Nothing when the executable cannot be read.
const std::optional<std::string> &compilerIdentity() {
  static const std::optional<std::string> identity =
      []() -> std::optional<std::string> {
    std::string executable = llvm::sys::fs::getMainExecutable(
        nullptr, reinterpret_cast<void *>(&compilerIdentity));
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> contents =
        llvm::MemoryBuffer::getFile(executable, /*IsText=*/false,
                                    /*RequiresNullTerminator=*/false);
    if (!contents)
      return std::nullopt;
    CacheKey key;
    key.add("llvm", LLVM_VERSION_STRING);
    key.add("executable", (*contents)->getBuffer());
    return key.hex();
  }();
  return identity;
}

/// Parses a textual pipeline into `pm`; syntax errors are reported through
/// the context's diagnostics.
/// Why `pipeline` does not parse into `pm`, or nothing when it does.
std::optional<std::string> pipelineError(llvm::StringRef pipeline,
                                         PassManager &pm) {
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  if (succeeded(parsePassPipeline(pipeline, pm, errorStream)))
    return std::nullopt;
  // The parser's first line says what is wrong; the rest repeats it.
  llvm::StringRef reason = llvm::StringRef(errors).split('\n').first;
  reason.consume_front("<Pass-Options-Parser>: ");
  return reason.str();
}

LogicalResult parsePipeline(ModuleOp module, llvm::StringRef pipeline,
                            PassManager &pm) {
  std::optional<std::string> reason = pipelineError(pipeline, pm);
  if (!reason)
    return success();
  return emitError(module.getLoc())
         << "invalid pass pipeline '" << pipeline << "': " << *reason;
}

/// Runs a textual pipeline on `module`; pipeline syntax errors and pass
/// failures are reported through the context's diagnostics.
LogicalResult runPipeline(ModuleOp module, llvm::StringRef pipeline) {
  PassManager pm(module.getContext());
  if (failed(parsePipeline(module, pipeline, pm)))
    return failure();
  return pm.run(module);
}

/// Whether a parameter is, possibly through casts, the scale (gamma) of a
/// layer norm, which starts at one rather than at random.
bool isLayerNormScale(Value value) {
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (auto norm = dyn_cast<LayerNormOp>(user);
        norm && norm.getGamma() == value)
      return true;
    if (auto cast = dyn_cast<CastOp>(user); cast && isLayerNormScale(cast))
      return true;
  }
  return false;
}

/// The bytes of the mutable globals that `entry` reaches, directly or
/// through the functions it calls: the temporaries the lowering placed in
/// static buffers are step memory as much as heap allocations are. An
/// evaluation function in the same module has buffers of its own.
uint64_t staticBytesOf(ModuleOp module, llvm::StringRef entry) {
  DataLayout layout(module);
  SymbolTable symbols(module);
  llvm::StringSet<> globals, visited;
  SmallVector<StringRef> functions = {entry};
  while (!functions.empty()) {
    auto func = symbols.lookup<LLVM::LLVMFuncOp>(functions.pop_back_val());
    if (!func || !visited.insert(func.getSymName()).second)
      continue;
    func.walk([&](Operation *op) {
      if (auto address = dyn_cast<LLVM::AddressOfOp>(op))
        globals.insert(address.getGlobalName());
      else if (auto call = dyn_cast<LLVM::CallOp>(op); call && call.getCallee())
        functions.push_back(*call.getCallee());
    });
  }
  uint64_t bytes = 0;
  module.walk([&](LLVM::GlobalOp global) {
    if (!global.getConstant() && globals.contains(global.getSymName()))
      bytes += layout.getTypeSize(global.getGlobalType());
  });
  return bytes;
}

/// The narrowest float element type of the tensors `func` computes with.
unsigned narrowestTensorFloatWidthIn(func::FuncOp func) {
  unsigned narrowest = 64;
  auto visit = [&](Value value) {
    auto tensor = dyn_cast<RankedTensorType>(value.getType());
    if (auto element =
            tensor ? dyn_cast<FloatType>(tensor.getElementType()) : nullptr)
      narrowest = std::min(narrowest, element.getWidth());
  };
  for (BlockArgument arg : func.getArguments())
    visit(arg);
  func.walk([&](Operation *op) { llvm::for_each(op->getResults(), visit); });
  return narrowest;
}

} // namespace

LogicalResult StepCompiler::load(llvm::SourceMgr &sourceMgr) {
  if (options.cache) {
    if (compilerIdentity())
      cache.emplace(*options.cache, options.logCache);
    else
      llvm::errs() << "mpt-run: warning: compile cache: cannot read this "
                      "executable to identify the compiler; the cache is not "
                      "used\n";
  }
  llvm::StringRef path = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
                             ->getBufferIdentifier();
  module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure();
  SmallVector<TrainStepOp> steps(module->getOps<TrainStepOp>());
  if (steps.empty())
    return emitError(module->getLoc())
           << "'" << path << "' holds no mpt.train_step to train";
  if (options.stepName.empty() && steps.size() > 1) {
    InFlightDiagnostic diag =
        emitError(module->getLoc())
        << "'" << path
        << "' holds several training steps; choose one with --step:";
    for (TrainStepOp step : steps)
      diag << " " << step.getSymName();
    return diag;
  }
  stepName = options.stepName.empty() ? steps.front().getSymName().str()
                                      : options.stepName;
  if (llvm::none_of(steps, [&](TrainStepOp step) {
        return step.getSymName() == stepName;
      }))
    return emitError(module->getLoc())
           << "'" << path << "' holds no mpt.train_step @" << stepName;
  TrainStepOp chosen = *llvm::find_if(
      steps, [&](TrainStepOp step) { return step.getSymName() == stepName; });
  readSourceNames(chosen);
  if (failed(readBufferInits(chosen)) || failed(expand()))
    return failure();
  bool gradient = options.kind == rt::StepKind::Gradient;
  std::string functionName = gradient ? stepName + "_grad" : stepName;
  auto step = module->lookupSymbol<func::FuncOp>(functionName);
  if (!step ||
      !step->hasAttr(gradient ? "mpt.gradient_function" : "mpt.train_step"))
    return emitError(module->getLoc())
           << "the expansion left no "
           << (gradient ? "gradient function @" : "step function @")
           << functionName;
  if (options.exposeGradients && failed(exposeGradientResults(step)))
    return failure();
  narrowestWidth = narrowestTensorFloatWidthIn(step);
  recordParamInits(step);
  recordSourceNames(step);
  if (failed(readSignature(step)))
    return failure();
  return options.evaluation != StepCompilerOptions::Evaluation::None
             ? readEvaluationSignature()
             : success();
}

LogicalResult StepCompiler::readEvaluationSignature() {
  auto function = module->lookupSymbol<func::FuncOp>(stepName + "_eval");
  if (!function &&
      options.evaluation == StepCompilerOptions::Evaluation::IfPossible)
    return success();
  if (!function || !function->hasAttr("mpt.evaluation_function"))
    return emitError(module->getLoc())
           << "the expansion left no evaluation function @" << stepName
           << "_eval";
  recordSourceNames(function);
  std::string entry =
      (function.getSymName() + StepABIOptions().entrySuffix).str();
  FailureOr<std::string> json = buildStepSignatureJson(function, entry);
  if (failed(json))
    return failure();
  rt::Expected<rt::StepSignature> decoded =
      rt::parseStepSignatureJson(*json, rt::StepKind::Evaluation);
  if (!decoded.ok())
    return function.emitError() << decoded.error().message();
  evalSignatureJson = std::move(*json);
  evalSignature = std::move(*decoded);
  hasEvaluation = true;
  return success();
}

LogicalResult StepCompiler::expand() {
  if (options.kind == rt::StepKind::Gradient)
    return runPipeline(*module, options.promoteF64
                                    ? "mpt-gradient-function{promote-f64=true}"
                                    : "mpt-gradient-function");
  // The evaluation function is the forward region in the step's
  // precision: built after the mixed-precision pass, before the expansion.
  std::string expansion = "mpt-expand-train-step";
  if (options.evaluation == StepCompilerOptions::Evaluation::Required)
    expansion = "mpt-evaluation-function," + expansion;
  else if (options.evaluation == StepCompilerOptions::Evaluation::IfPossible)
    expansion = "mpt-evaluation-function{required=false}," + expansion;
  if (options.precision == "fp32")
    return runPipeline(*module, expansion);
  std::string amp = "compute-type=" + options.precision;
  if (!options.ampOptions.empty())
    amp += " " + options.ampOptions;
  if (failed(runMixedPrecision("mpt-auto-mixed-precision{" + amp + "}")))
    return failure();
  return runPipeline(*module, expansion);
}

LogicalResult StepCompiler::runMixedPrecision(llvm::StringRef pipeline) {
  // The pass names its options' errors after itself; here the user wrote
  // them as --amp-options.
  ScopedDiagnosticHandler renameOption(&context, [&](Diagnostic &diag) {
    std::string text = diag.str();
    llvm::StringRef message(text);
    if (diag.getSeverity() != DiagnosticSeverity::Error ||
        !message.consume_front("--mpt-auto-mixed-precision: "))
      return failure();
    emitError(diag.getLocation()) << "--amp-options: " << message;
    return success();
  });
  PassManager parsed(&context);
  if (std::optional<std::string> reason = pipelineError(pipeline, parsed))
    return emitError(UnknownLoc::get(&context)) << "--amp-options: " << *reason;
  // The report is on so that a step the pass leaves unchanged says why;
  // options given later (--amp-options) override it.
  std::string reporting = pipeline.str();
  reporting.insert(reporting.find('{') + 1, "report=true ");
  bool reportWanted = llvm::any_of(
      llvm::split(options.ampOptions, ' '), [](llvm::StringRef option) {
        return option == "report" || option == "report=true" ||
               option == "report=1";
      });
  Operation *step = module->lookupSymbol(stepName);
  OperationFingerPrint before(step);
  SmallVector<std::pair<Location, std::string>> remarks;
  {
    ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Remark)
        return failure();
      remarks.emplace_back(diag.getLocation(), diag.str());
      return success();
    });
    if (failed(runPipeline(*module, reporting)))
      return failure();
  }
  // A step left as it was trains in the precision it was written in: the
  // user asked for another, so the pass's reason is a warning.
  bool unchanged = OperationFingerPrint(step) == before;
  for (auto &[loc, text] : remarks) {
    if (unchanged)
      emitWarning(loc) << text;
    else if (reportWanted)
      emitRemark(loc) << text;
  }
  return success();
}

LogicalResult StepCompiler::exposeGradientResults(func::FuncOp step) {
  SmallVector<GradientOp> gradients(step.getOps<GradientOp>());
  if (gradients.size() != 1)
    return step.emitError()
           << "expected one mpt.gradient to expose, found " << gradients.size();
  GradientOp gradient = gradients.front();
  auto ret = cast<func::ReturnOp>(step.getBody().front().getTerminator());
  SmallVector<Type> resultTypes(step.getResultTypes());
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned i = 0, e = step.getNumResults(); i < e; ++i)
    resultAttrs.push_back(step.getResultAttrDict(i));
  Builder b(&context);
  for (auto [wrt, grad] : llvm::zip(gradient.getWrt(), gradient.getGrads())) {
    auto arg = dyn_cast<BlockArgument>(wrt);
    auto name =
        arg ? step.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "mpt.param")
            : StringAttr();
    if (!name)
      return gradient.emitError()
             << "differentiates with respect to a value that is not a "
                "parameter of the step";
    ret.getOperandsMutable().append(grad);
    resultTypes.push_back(grad.getType());
    resultAttrs.push_back(
        b.getDictionaryAttr(b.getNamedAttr("mpt.grad", name)));
  }
  step.setFunctionType(b.getFunctionType(step.getArgumentTypes(), resultTypes));
  step.setAllResultAttrs(resultAttrs);
  return success();
}

void StepCompiler::readSourceNames(TrainStepOp step) {
  // Parameters, then buffers, as the step's block arguments.
  ArrayRef<BlockArgument> modelTensors =
      step.getBodyBlock().getArguments().take_front(step.getNumParams() +
                                                    step.getNumBuffers());
  if (auto names = step->getAttrOfType<ArrayAttr>("mpt.source_names"))
    for (auto [index, arg] : llvm::enumerate(modelTensors))
      if (auto source = dyn_cast_or_null<StringAttr>(
              index < names.size() ? names[index] : Attribute()))
        if (source.getValue() != step.getArgName(arg.getArgNumber()))
          sourceNames[step.getArgName(arg.getArgNumber())] = source.str();
}

LogicalResult StepCompiler::readBufferInits(TrainStepOp step) {
  auto inits = step->getAttrOfType<ArrayAttr>("mpt.buffer_inits");
  if (!inits)
    return success();
  if (inits.size() != step.getNumBuffers())
    return step.emitOpError()
           << "has " << inits.size() << " 'mpt.buffer_inits', expected one "
           << "per buffer (" << step.getNumBuffers() << ")";
  for (auto [init, buffer] : llvm::zip(inits, step.getBuffers())) {
    auto name = dyn_cast<StringAttr>(init);
    if (!name || (name.getValue() != rt::paramInitName(rt::ParamInit::Zeros) &&
                  name.getValue() != rt::paramInitName(rt::ParamInit::Ones)))
      return step.emitOpError()
             << "'mpt.buffer_inits' must hold \"zeros\" or \"ones\" per "
                "buffer, found "
             << init << " for buffer '"
             << step.getArgName(buffer.getArgNumber()) << "'";
    bufferInits[step.getArgName(buffer.getArgNumber())] = name.str();
  }
  return success();
}

void StepCompiler::recordSourceNames(func::FuncOp step) {
  Builder b(&context);
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i)
    for (StringRef role : {"mpt.param", "mpt.buffer"})
      if (auto name = step.getArgAttrOfType<StringAttr>(i, role))
        if (auto source = sourceNames.find(name.getValue());
            source != sourceNames.end())
          step.setArgAttr(i, kSourceNameAttrName,
                          b.getStringAttr(source->second));
}

void StepCompiler::recordParamInits(func::FuncOp step) {
  Builder b(&context);
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i) {
    if (step.getArgAttr(i, "mpt.param") &&
        isLayerNormScale(step.getArgument(i)))
      step.setArgAttr(i, kParamInitAttrName,
                      b.getStringAttr(rt::paramInitName(rt::ParamInit::Ones)));
    if (auto name = step.getArgAttrOfType<StringAttr>(i, "mpt.buffer"))
      if (auto init = bufferInits.find(name.getValue());
          init != bufferInits.end())
        step.setArgAttr(i, kParamInitAttrName, b.getStringAttr(init->second));
  }
}

LogicalResult StepCompiler::readSignature(func::FuncOp step) {
  // The entry point the step ABI will give the step, by its default suffix.
  std::string entry = (step.getSymName() + StepABIOptions().entrySuffix).str();
  FailureOr<std::string> json = buildStepSignatureJson(step, entry);
  if (failed(json))
    return failure();
  rt::Expected<rt::StepSignature> decoded =
      rt::parseStepSignatureJson(*json, options.kind);
  if (!decoded.ok())
    return step.emitError() << decoded.error().message();
  signatureJson = std::move(*json);
  stepSignature = std::move(*decoded);
  return success();
}

std::string StepCompiler::loweringPipeline(StepDevice device,
                                           llvm::StringRef gpuGemm) const {
  // A step for a data-parallel job averages its gradients over the ranks
  // before it is differentiated.
  std::string dataParallel =
      options.dataParallel ? "mpt-data-parallel{" + *options.dataParallel + "},"
                           : "";
  if (device == StepDevice::CUDA)
    return dataParallel + "mpt-differentiate,mpt-lower-to-nvvm{gemm=" +
           (gpuGemm.empty() ? options.gpuGemm : gpuGemm.str()) +
           " chip=" + options.gpuChip + "}";
  return dataParallel + "mpt-differentiate,mpt-lower-to-llvm{threads=" +
         std::to_string(options.threads) + (options.amx ? " amx=true " : " ") +
         options.kernelOptions + "}";
}

LogicalResult StepCompiler::lower(StepDevice device) {
  // A step whose products call cuBLASLt comes with a variant that runs
  // generated kernels instead, for where cuBLASLt cannot run them.
  bool library = device == StepDevice::CUDA && options.gpuGemm == "cublaslt";
  OwningOpRef<ModuleOp> generated;
  if (library)
    generated = module->clone();
  if (failed(runPipeline(*module, loweringPipeline(device))))
    return failure();
  staticBytes = staticBytesOf(*module, stepSignature.entry);
  if (!library)
    return success();
#ifdef MPT_TRAINER_MAIN_CUDA_ARCHIVE
  FailureOr<SmallVector<int64_t>> shapes = collectLibraryMatmulShapes(*module);
  if (failed(shapes))
    return failure();
  libraryShapes.assign(shapes->begin(), shapes->end());
#endif
  if (libraryShapes.empty())
    return success();
  if (failed(runPipeline(*generated, loweringPipeline(device, "generated"))))
    return failure();
  staticBytes =
      std::max(staticBytes, staticBytesOf(*generated, stepSignature.entry));
  generatedVariant = std::move(generated);
  return success();
}

std::string StepCompiler::cacheKey() {
  CacheKey key;
  key.add("format", "mpt-step-object-2");
  key.add("compiler", *compilerIdentity());
  HostTarget target = detectHostTarget();
  key.add("triple", target.triple);
  key.add("cpu", target.cpu);
  key.add("features", target.features);
  key.add("pipeline", loweringPipeline(StepDevice::CPU));
  key.add("kind",
          options.kind == rt::StepKind::Gradient ? "gradient" : "train");
  key.add("promote-f64", options.promoteF64 ? "true" : "false");
  key.add("precision", options.precision);
  key.add("amp-options", options.ampOptions);
  key.add("step", stepName);
  key.add("expose-gradients", options.exposeGradients ? "true" : "false");
  key.add("evaluation", hasEvaluation ? "true" : "false");
  // The expanded step: whatever reached the IR from the model and the
  // options above.
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, OpPrintingFlags().assumeVerified());
  key.add("module", text);
  return key.hex();
}

FailureOr<std::vector<std::string>> StepCompiler::lowerToObjects() {
  if (failed(lower(StepDevice::CPU)))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, "step");
  if (!llvmModule)
    return emitError(module->getLoc())
           << "translating the step to LLVM IR failed";
  llvm::Expected<std::vector<std::string>> objects = mpt::compileToObjects(
      *llvmModule, detectHostTarget(), defaultCodeGenThreads());
  if (!objects)
    return emitError(module->getLoc()) << "compiling the step failed: "
                                       << llvm::toString(objects.takeError());
  return std::move(*objects);
}

LogicalResult StepCompiler::compileObjects() {
  std::string key = cache ? cacheKey() : std::string();
  std::optional<CachedStep> cached = cache ? cache->lookup(key) : std::nullopt;
  if (cached) {
    objects = std::move(cached->objects);
    staticBytes = cached->staticBytes;
    return success();
  }
  FailureOr<std::vector<std::string>> compiled = lowerToObjects();
  if (failed(compiled))
    return failure();
  objects = std::move(*compiled);
  if (cache)
    cache->store(key, CachedStep{objects, staticBytes});
  return success();
}

FailureOr<rt::StepFunction> StepCompiler::compile() {
  if (failed(compileObjects()))
    return failure();
  return link();
}

FailureOr<rt::StepFunction> StepCompiler::link() {
  // Parallel loops become OpenMP worksharing loops, which call into the
  // OpenMP runtime; the JIT resolves them from the loaded library.
  if (options.threads != 1) {
    std::string error;
    if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(kOpenMPRuntime,
                                                          &error))
      return emitError(module->getLoc())
             << "--threads=" << options.threads << " needs the OpenMP runtime "
             << kOpenMPRuntime << ": " << error
             << " (install libomp-dev, or use --threads=1)";
  }
  llvm::Expected<std::unique_ptr<StepJIT>> linked = StepJIT::link(objects);
  if (!linked)
    return emitError(UnknownLoc::get(&context))
           << "loading the compiled step failed: "
           << llvm::toString(linked.takeError());
  jit = std::move(*linked);
  // The objects are in the JIT's memory now.
  objects.clear();
  return lookupEntry(stepSignature.entry, signatureJson);
}

FailureOr<rt::StepFunction> StepCompiler::compiledEvaluation() {
  if (!jit || !hasEvaluation)
    return emitError(module->getLoc())
           << "the evaluation function was not compiled";
  return lookupEntry(evalSignature.entry, evalSignatureJson);
}

/// The object code describes its own ABI (what an ahead-of-time trainer
/// reads); it must be the signature the training loop was prepared for.
FailureOr<rt::StepFunction> StepCompiler::lookupEntry(llvm::StringRef entry,
                                                      llvm::StringRef json) {
  llvm::Expected<void *> function = jit->lookup(entry);
  if (!function)
    return emitError(module->getLoc())
           << "the compiled module has no entry point '" << entry
           << "': " << llvm::toString(function.takeError());
  llvm::Expected<void *> compiled = jit->lookup((entry + "_signature").str());
  if (!compiled)
    return emitError(module->getLoc())
           << "the compiled module has no signature '" << entry
           << "_signature': " << llvm::toString(compiled.takeError());
  if (llvm::StringRef(static_cast<const char *>(*compiled)) != json)
    return emitError(module->getLoc())
           << "the compiled step's signature does not match the step "
              "function it was compiled from: "
           << static_cast<const char *>(*compiled) << " instead of " << json;
  return reinterpret_cast<rt::StepFunction>(*function);
}
