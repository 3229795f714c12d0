//===- mpt-opt.cpp - The MPT optimizer driver -----------------------------===//
//
// mlir-opt with the mpt dialect, its passes, and the upstream dialects and
// passes that MPT's pipelines use.
//
//===----------------------------------------------------------------------===//

#include "mpt/Dialect/MPT/IR/MPTDialect.h"
#include "mpt/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::mpt::registerMPTPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  registry.insert<mlir::mpt::MPTDialect>();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "MPT mixed-precision training compiler driver\n", registry));
}
