//===- mpt-opt.cpp - The MPT optimizer driver -----------------------------===//
//
// mlir-opt with the mpt dialect, its passes, and the upstream dialects and
// passes that MPT's pipelines use.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/CPU/Passes.h"
#include "mpt/Conversion/GPU/Passes.h"
#include "mpt/Dialect/MPT/IR/MPTAdjointInterface.h"
#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Support/CommandLineDiagnostics.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::mpt::registerMPTPasses();
  mlir::mpt::registerCPUConversionPasses();
  mlir::mpt::registerGPUConversionPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  registry.insert<mlir::mpt::MPTDialect>();
  mlir::mpt::registerAdjointInterfaceModels(registry);

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "MPT mixed-precision training compiler driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  // These modes print nothing of their own, or check every diagnostic
  // against the input: upstream's driver as it is.
  if (config.shouldShowDialects() || config.shouldListPasses() ||
      config.shouldVerifyDiagnostics())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));

  llvm::InitLLVM initLLVM(argc, argv);
  // Errors without a location come from the command line (a pass option, a
  // pipeline): report them as the tool's own, `mpt-opt: error: ...`, not at
  // `<unknown>:0`. The handler is registered in each context before the
  // pipeline is built, after the driver's source-manager handler, so it
  // sees every diagnostic first.
  config.setPassPipelineSetupFn([upstream = config](mlir::PassManager &pm) {
    pm.getContext()->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &diag) {
          return mlir::mpt::printCommandLineDiagnostic("mpt-opt", diag);
        });
    return upstream.setupPassPipeline(pm);
  });
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &errorMessage);
  std::unique_ptr<llvm::ToolOutputFile> output =
      input ? mlir::openOutputFile(outputFilename, &errorMessage) : nullptr;
  if (!output) {
    llvm::errs() << "mpt-opt: error: " << errorMessage << "\n";
    return EXIT_FAILURE;
  }
  if (failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return EXIT_FAILURE;
  // Nothing is written unless everything succeeded.
  output->keep();
  return EXIT_SUCCESS;
}
