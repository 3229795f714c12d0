//===- StepCompiler.cpp - From a model file to a callable step ------------===//

#include "StepCompiler.h"
#include "CompileCache.h"
#include "HostCodeGen.h"

#include "mpt/Conversion/Passes.h"
#include "mpt/Conversion/StepABI/StepSignatureJson.h"
#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/STLExtras.h"
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

/// Runs a textual pipeline on `module`; pipeline syntax errors and pass
/// failures are reported through the context's diagnostics.
LogicalResult runPipeline(ModuleOp module, llvm::StringRef pipeline) {
  PassManager pm(module.getContext());
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  if (failed(parsePassPipeline(pipeline, pm, errorStream))) {
    // The parser's first line says what is wrong; the rest repeats it.
    llvm::StringRef reason = llvm::StringRef(errors).split('\n').first;
    reason.consume_front("<Pass-Options-Parser>: ");
    return emitError(module.getLoc())
           << "invalid pass pipeline '" << pipeline << "': " << reason;
  }
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
  if (failed(expand()))
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
  return readSignature(step);
}

LogicalResult StepCompiler::expand() {
  if (options.kind == rt::StepKind::Gradient)
    return runPipeline(*module, options.promoteF64
                                    ? "mpt-gradient-function{promote-f64=true}"
                                    : "mpt-gradient-function");
  if (options.precision == "fp32")
    return runPipeline(*module, "mpt-expand-train-step");
  std::string amp = "compute-type=" + options.precision;
  if (!options.ampOptions.empty())
    amp += " " + options.ampOptions;
  return runPipeline(*module, "mpt-auto-mixed-precision{" + amp +
                                  "},mpt-expand-train-step");
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

void StepCompiler::recordParamInits(func::FuncOp step) {
  Builder b(&context);
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i)
    if (step.getArgAttr(i, "mpt.param") &&
        isLayerNormScale(step.getArgument(i)))
      step.setArgAttr(i, kParamInitAttrName,
                      b.getStringAttr(rt::paramInitName(rt::ParamInit::Ones)));
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

std::string StepCompiler::loweringPipeline(StepDevice device) const {
  if (device == StepDevice::CUDA)
    return "mpt-differentiate,mpt-lower-to-nvvm";
  return "mpt-differentiate,mpt-lower-to-llvm{threads=" +
         std::to_string(options.threads) + (options.amx ? " amx=true}" : "}");
}

LogicalResult StepCompiler::lower(StepDevice device) {
  if (failed(runPipeline(*module, loweringPipeline(device))))
    return failure();
  // Temporaries the lowering placed in static buffers are step memory as
  // much as heap allocations are.
  DataLayout layout(*module);
  module->walk([&](LLVM::GlobalOp global) {
    if (!global.getConstant())
      staticBytes += layout.getTypeSize(global.getGlobalType());
  });
  return success();
}

std::string StepCompiler::cacheKey() {
  CacheKey key;
  key.add("format", "mpt-step-object-1");
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
  // The expanded step: whatever reached the IR from the model and the
  // options above.
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, OpPrintingFlags().assumeVerified());
  key.add("module", text);
  return key.hex();
}

FailureOr<std::vector<std::string>> StepCompiler::compileToObjects() {
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

FailureOr<rt::StepFunction> StepCompiler::compile() {
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

  std::string key = cache ? cacheKey() : std::string();
  std::optional<CachedStep> step = cache ? cache->lookup(key) : std::nullopt;
  if (!step) {
    FailureOr<std::vector<std::string>> objects = compileToObjects();
    if (failed(objects))
      return failure();
    step = CachedStep{std::move(*objects), staticBytes};
    if (cache)
      cache->store(key, *step);
  }
  staticBytes = step->staticBytes;

  llvm::Expected<std::unique_ptr<StepJIT>> linked =
      StepJIT::link(step->objects);
  if (!linked)
    return emitError(module->getLoc()) << "loading the compiled step failed: "
                                       << llvm::toString(linked.takeError());
  jit = std::move(*linked);
  const std::string &entry = stepSignature.entry;
  llvm::Expected<void *> function = jit->lookup(entry);
  if (!function)
    return emitError(module->getLoc())
           << "the compiled module has no entry point '" << entry
           << "': " << llvm::toString(function.takeError());
  llvm::Expected<void *> json = jit->lookup(entry + "_signature");
  if (!json)
    return emitError(module->getLoc())
           << "the compiled module has no signature '" << entry
           << "_signature': " << llvm::toString(json.takeError());
  if (failed(checkCompiledSignature(static_cast<const char *>(*json))))
    return failure();
  return reinterpret_cast<rt::StepFunction>(*function);
}

/// The object code describes its own ABI (what an ahead-of-time trainer
/// reads); it must be the signature the training loop was prepared for.
LogicalResult StepCompiler::checkCompiledSignature(llvm::StringRef json) {
  if (json != signatureJson)
    return emitError(module->getLoc())
           << "the compiled step's signature does not match the step "
              "function it was compiled from: "
           << json << " instead of " << signatureJson;
  return success();
}
