//===- StepCompiler.h - From a model file to a callable step ----*- C++ -*-===//
//
// The compiler half of mpt-run: parses the model, expands its training step
// (mixed precision or fp32), reads the step's signature (the JSON the
// compiled object will carry, decoded as a runtime decodes it), then
// differentiates, lowers and compiles it to object code for this CPU (or
// takes that from the compile cache) and links it into the process.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_STEPCOMPILER_H
#define MPT_TOOLS_MPT_RUN_STEPCOMPILER_H

#include "mpt/Runtime/StepSignature.h"
#include "mpt/Runtime/Trainer.h"

#include "mpt/Dialect/MPT/IR/MPTOps.h"

#include "CompileCache.h"
#include "StepJIT.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
namespace mpt {

struct StepCompilerOptions {
  /// What to compile: the training step, or the gradient function of its
  /// loss (--mpt-gradient-function).
  ::mpt::runtime::StepKind kind = ::mpt::runtime::StepKind::Train;
  /// For a gradient function: promote the step's f32 tensors to f64.
  bool promoteF64 = false;
  /// fp32, f16 or bf16 (a training step).
  std::string precision = "fp32";
  /// Extra options of --auto-mixed-precision, as written in a pipeline.
  std::string ampOptions;
  /// The mpt.train_step to train; empty for the only one.
  std::string stepName;
  /// Return the parameter gradients from the step (mpt.grad results).
  bool exposeGradients = false;
  /// Also compile the step's evaluation function (a training step only),
  /// for validation: required (an error when the step has none), or
  /// wherever the step has one (for the trainers mpt-run emits).
  enum class Evaluation { None, Required, IfPossible };
  Evaluation evaluation = Evaluation::None;
  /// Threads of the compiled step's parallel loops: 1 runs them in the
  /// calling thread, 0 on every core (OpenMP's default).
  unsigned threads = 1;
  /// Run bf16 GEMMs on AMX tiles (the process must hold the permission).
  bool amx = false;
  /// The options of --mpt-data-parallel, which runs before the step is
  /// differentiated when set: a step for a data-parallel job.
  std::optional<std::string> dataParallel;
  /// More options of --mpt-lower-to-llvm: the GEMM kernels for this CPU
  /// (hostKernelOptions()).
  std::string kernelOptions;
  /// The compile cache to look the compiled step up in and store it in
  /// (see CompileCache.h); none to always compile.
  std::optional<CompileCacheConfig> cache;
  /// Report on stderr what the compile cache did.
  bool logCache = false;
  /// The GPU step's matrix products: generated or cublaslt (the `gemm`
  /// option of --mpt-lower-to-nvvm).
  std::string gpuGemm = "generated";
  /// The GPU the step's kernels are compiled for (the `chip` option of
  /// --mpt-lower-to-nvvm).
  std::string gpuChip = "sm_90";
};

/// Where the compiled step runs: this CPU (`--mpt-lower-to-llvm`), or a
/// CUDA GPU (`--mpt-lower-to-nvvm`; the host code calls the mgpu*
/// functions of MPT's CUDA runtime).
enum class StepDevice { CPU, CUDA };

class StepCompiler {
public:
  StepCompiler(MLIRContext &context, StepCompilerOptions options)
      : context(context), options(std::move(options)) {}

  /// Parses the model (the main buffer of `sourceMgr`), expands the step
  /// (or builds its gradient function) and reads its signature.
  /// Diagnostics go to the context's handler.
  LogicalResult load(llvm::SourceMgr &sourceMgr);
  const ::mpt::runtime::StepSignature &signature() const {
    return stepSignature;
  }
  /// The evaluation function's signature, when it was asked for and the
  /// step has one.
  const ::mpt::runtime::StepSignature *evaluationSignature() const {
    return hasEvaluation ? &evalSignature : nullptr;
  }
  /// The narrowest floating-point element type among the tensors of the
  /// loaded function, in bits: the precision its computation runs in.
  unsigned narrowestTensorFloatWidth() const { return narrowestWidth; }

  /// Compiles the loaded step and link()s it: compileObjects(), then
  /// link().
  FailureOr<::mpt::runtime::StepFunction> compile();
  /// Differentiates and lowers the loaded step and compiles it (with its
  /// evaluation function) to object code for this CPU, or takes that from
  /// the compile cache. staticMemoryBytes() is then known. Valid once.
  LogicalResult compileObjects();
  /// Links the object code of compileObjects() into this process, once its
  /// static memory is known to fit, with the compiled code's heap functions
  /// bound to the AllocationTracker; returns the step.
  FailureOr<::mpt::runtime::StepFunction> link();
  /// The evaluation function, once the step is linked.
  FailureOr<::mpt::runtime::StepFunction> compiledEvaluation();
  /// Differentiates the loaded step and lowers it to the LLVM dialect for
  /// `device`; compile() does this for the CPU. Valid once.
  LogicalResult lower(StepDevice device);
  /// The module, lowered by lower() or compile().
  ModuleOp getModule() { return *module; }
  /// For a GPU step whose products call cuBLASLt (gemm=cublaslt): the same
  /// step lowered with MPT's generated kernels for every product, which a
  /// trainer runs where cuBLASLt cannot compute them; null otherwise.
  /// Valid after lower().
  ModuleOp getGeneratedVariant() {
    return generatedVariant ? *generatedVariant : ModuleOp();
  }
  /// The shapes of the lowered step's cuBLASLt products, as
  /// cuda::prepareMatmulPlans takes them (empty when it has none). Valid
  /// after lower().
  llvm::ArrayRef<int64_t> libraryMatmulShapes() const { return libraryShapes; }

  /// Bytes of the compiled module's mutable globals: the static memory the
  /// step keeps its temporaries in. Valid after lower() or
  /// compileObjects().
  uint64_t staticMemoryBytes() const { return staticBytes; }
  /// Whether the step is compiled for a data-parallel job.
  bool dataParallel() const { return options.dataParallel.has_value(); }
  /// Whether a CPU step runs GEMMs on AMX tiles, which its process must be
  /// granted before the first step.
  bool compiledForAMX() const { return options.amx; }

private:
  LogicalResult expand();
  /// The pass pipeline that takes the loaded step to the LLVM dialect; a
  /// GPU step's products as `gpuGemm` says, when given, else as the options
  /// do.
  std::string loweringPipeline(StepDevice device,
                               llvm::StringRef gpuGemm = "") const;
  /// The compile cache's key of the loaded step for this CPU.
  std::string cacheKey();
  /// Lowers the loaded step and compiles it to object code.
  FailureOr<std::vector<std::string>> lowerToObjects();
  /// Runs the mixed-precision pipeline `pipeline` on the module with the
  /// pass's report on; when the pass leaves the step unchanged, its
  /// remarks become warnings, otherwise they are shown only if
  /// --amp-options asked for the report.
  LogicalResult runMixedPrecision(llvm::StringRef pipeline);
  /// Marks the parameters whose initialisation is not the default for
  /// their shape (the scale of a layer norm starts at one) with
  /// `mpt.param_init`, which the signature carries to the runtime.
  void recordParamInits(func::FuncOp step);
  /// Reads the original names of the step's parameters and buffers
  /// (`mpt.source_names`, which mpt-import writes) before the expansion
  /// drops the op that carries them, and marks the step function's
  /// parameters and buffers with them (`mpt.source_name`), for the
  /// signature.
  void readSourceNames(TrainStepOp step);
  /// Reads how each buffer starts (`mpt.buffer_inits`: "zeros" or "ones"
  /// per buffer), which recordParamInits() gives the step function's
  /// buffers as `mpt.param_init`; a malformed list is an error.
  LogicalResult readBufferInits(TrainStepOp step);
  void recordSourceNames(func::FuncOp step);
  /// Builds the step's signature as the compiled object will carry it and
  /// decodes it as a runtime does.
  LogicalResult readSignature(func::FuncOp step);
  LogicalResult readEvaluationSignature();
  /// Looks up `entry` in the linked objects and checks that the
  /// signature it carries is `json`.
  FailureOr<::mpt::runtime::StepFunction> lookupEntry(llvm::StringRef entry,
                                                      llvm::StringRef json);
  LogicalResult exposeGradientResults(func::FuncOp step);

  MLIRContext &context;
  StepCompilerOptions options;
  OwningOpRef<ModuleOp> module;
  OwningOpRef<ModuleOp> generatedVariant;
  std::vector<int64_t> libraryShapes;
  /// Parameter name -> its name in the source model, where they differ.
  llvm::StringMap<std::string> sourceNames;
  /// The initialisation of each buffer that `mpt.buffer_inits` gives.
  llvm::StringMap<std::string> bufferInits;
  std::string stepName;
  ::mpt::runtime::StepSignature stepSignature;
  /// The signature as JSON; the compiled object must carry the same.
  std::string signatureJson;
  bool hasEvaluation = false;
  ::mpt::runtime::StepSignature evalSignature;
  std::string evalSignatureJson;
  unsigned narrowestWidth = 0;
  std::optional<CompileCache> cache;
  /// The object code of the step, until it is linked.
  std::vector<std::string> objects;
  std::unique_ptr<StepJIT> jit;
  uint64_t staticBytes = 0;
};

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_STEPCOMPILER_H
