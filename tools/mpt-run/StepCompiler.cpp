//===- StepCompiler.cpp - From a model file to a callable step ------------===//

#include "StepCompiler.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"
#include "mpt/Runtime/AllocationTracker.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mpt;
namespace rt = ::mpt::runtime;

namespace {
/// The OpenMP runtime that multi-threaded steps call (LLVM's libomp).
constexpr const char *kOpenMPRuntime = "libomp.so.5";

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

/// The runtime's element type of a value type (its element type for a
/// tensor), if the step ABI supports it.
std::optional<rt::DType> dtypeOf(Type type) {
  std::string name;
  llvm::raw_string_ostream os(name);
  getElementTypeOrSelf(type).print(os);
  return rt::parseDType(name);
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

/// The role attribute (`mpt.<role>`) among a value's attributes.
FailureOr<rt::TensorSpec> describe(Type type, DictionaryAttr attrs,
                                   function_ref<InFlightDiagnostic()> error) {
  rt::TensorSpec spec;
  std::optional<NamedAttribute> roleAttr;
  for (NamedAttribute attr :
       attrs ? attrs.getValue() : ArrayRef<NamedAttribute>{})
    if (attr.getName().getValue().starts_with("mpt."))
      roleAttr = attr;
  std::optional<rt::Role> role =
      roleAttr ? rt::parseRole(roleAttr->getName().getValue().drop_front(4))
               : std::nullopt;
  if (!role)
    return error() << "has no mpt.* role attribute the runtime knows";
  spec.role = *role;
  if (auto name = dyn_cast<StringAttr>(roleAttr->getValue()))
    spec.name = name.str();
  std::optional<rt::DType> dtype = dtypeOf(type);
  if (!dtype)
    return error() << "has type " << type
                   << ", but the runtime supports f16, bf16, f32, f64 and "
                      "i1-i64 elements";
  spec.dtype = *dtype;
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    if (!tensor.hasStaticShape())
      return error() << "has type " << type
                     << ", but the runtime needs static shapes";
    spec.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  } else if (isa<ShapedType>(type)) {
    return error() << "has type " << type
                   << ", but the runtime needs ranked tensors or scalars";
  }
  return spec;
}
} // namespace

LogicalResult StepCompiler::load(llvm::SourceMgr &sourceMgr) {
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

LogicalResult StepCompiler::readSignature(func::FuncOp step) {
  rt::StepSignature &sig = stepSignature;
  sig.kind = options.kind;
  sig.name = step.getSymName().str();
  if (Attribute optimizer = step->getAttr("mpt.optimizer")) {
    llvm::raw_string_ostream os(sig.optimizer);
    optimizer.print(os);
  }
  if (auto scale = step->getAttrOfType<LossScaleAttr>("mpt.loss_scale")) {
    sig.lossScale.mode =
        scale.getMode() == LossScaleMode::Dynamic  ? rt::LossScaleMode::Dynamic
        : scale.getMode() == LossScaleMode::Static ? rt::LossScaleMode::Static
                                                   : rt::LossScaleMode::None;
    sig.lossScale.init = scale.getInit().convertToDouble();
    sig.lossScale.hysteresis = scale.getHysteresis();
    sig.lossScale.minScale = scale.getMinScale().convertToDouble();
  }
  FunctionType type = step.getFunctionType();
  for (unsigned i = 0, e = type.getNumInputs(); i < e; ++i) {
    FailureOr<rt::TensorSpec> spec =
        describe(type.getInput(i), step.getArgAttrDict(i), [&] {
          return step.emitError() << "argument #" << i << " of the step";
        });
    if (failed(spec))
      return failure();
    if (spec->role == rt::Role::Param)
      spec->init = isLayerNormScale(step.getArgument(i))
                       ? rt::ParamInit::Ones
                       : rt::defaultParamInit(spec->shape);
    sig.args.push_back(std::move(*spec));
  }
  for (unsigned i = 0, e = type.getNumResults(); i < e; ++i) {
    FailureOr<rt::TensorSpec> spec =
        describe(type.getResult(i), step.getResultAttrDict(i), [&] {
          return step.emitError() << "result #" << i << " of the step";
        });
    if (failed(spec))
      return failure();
    sig.results.push_back(std::move(*spec));
  }
  return success();
}

LogicalResult StepCompiler::lower(StepDevice device) {
  std::string lowering = device == StepDevice::CUDA
                             ? "mpt-differentiate,mpt-lower-to-nvvm"
                             : "mpt-differentiate,mpt-lower-to-llvm{threads=" +
                                   std::to_string(options.threads) +
                                   (options.amx ? " amx=true}" : "}");
  if (failed(runPipeline(*module, lowering)))
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

FailureOr<rt::StepFunction> StepCompiler::compile() {
  if (failed(lower(StepDevice::CPU)))
    return failure();
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

  ExecutionEngineOptions engineOptions;
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3,
                                               /*sizeLevel=*/0,
                                               /*targetMachine=*/nullptr);
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto created = ExecutionEngine::create(*module, engineOptions);
  if (!created)
    return emitError(module->getLoc())
           << "JIT compilation failed: " << llvm::toString(created.takeError());
  engine = std::move(*created);
  // The step's own heap use is what the tracker measures: its malloc/free
  // (and the aligned variants) resolve to the tracked functions.
  engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    for (const rt::AllocationTracker::Binding &binding :
         rt::AllocationTracker::bindings())
      symbols[interner(binding.symbol)] = {
          llvm::orc::ExecutorAddr::fromPtr(binding.function),
          llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  engine->initialize();

  std::string entry = stepSignature.entryPoint();
  llvm::Expected<void *> function = engine->lookup(entry);
  if (!function)
    return emitError(module->getLoc())
           << "the compiled module has no entry point '" << entry
           << "': " << llvm::toString(function.takeError());
  llvm::Expected<void *> json = engine->lookup(entry + "_signature");
  if (!json)
    return emitError(module->getLoc())
           << "the compiled module has no signature '" << entry
           << "_signature': " << llvm::toString(json.takeError());
  if (failed(checkCompiledSignature(static_cast<const char *>(*json))))
    return failure();
  return reinterpret_cast<rt::StepFunction>(*function);
}

/// The object code describes its own ABI (what an ahead-of-time trainer
/// reads); it must agree with what the training loop was prepared for.
LogicalResult StepCompiler::checkCompiledSignature(llvm::StringRef json) {
  rt::Expected<rt::StepSignature> compiled =
      rt::parseStepSignatureJson(json, stepSignature.kind);
  if (!compiled.ok())
    return emitError(module->getLoc()) << compiled.error().message();
  auto same = [](const std::vector<rt::TensorSpec> &a,
                 const std::vector<rt::TensorSpec> &b) {
    return llvm::equal(a, b,
                       [](const rt::TensorSpec &x, const rt::TensorSpec &y) {
                         return x.role == y.role && x.name == y.name &&
                                x.dtype == y.dtype && x.shape == y.shape;
                       });
  };
  const rt::LossScaleConfig &a = compiled->lossScale,
                            &b = stepSignature.lossScale;
  if (!same(compiled->args, stepSignature.args) ||
      !same(compiled->results, stepSignature.results) || a.mode != b.mode ||
      a.init != b.init || a.hysteresis != b.hysteresis ||
      a.minScale != b.minScale)
    return emitError(module->getLoc())
           << "the compiled step's signature does not match the step "
              "function it was compiled from";
  return success();
}
