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
#include "mpt/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

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

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "MPT mixed-precision training compiler driver\n", registry));
}
