//===- TrainerEmitter.h - Ahead-of-time trainers ----------------*- C++ -*-===//
//
// `mpt-run --emit-trainer DIR`: compiles the loaded step to object code and
// links it with the trainer main (TrainerMain.cpp) and MPT's runtime into
// DIR/trainer, an executable that trains the step without LLVM or MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_TOOLS_MPT_RUN_TRAINEREMITTER_H
#define MPT_TOOLS_MPT_RUN_TRAINEREMITTER_H

#include "StepCompiler.h"

#include <string>

namespace mlir {
namespace mpt {

struct TrainerEmitterOptions {
  StepDevice device = StepDevice::CPU;
  /// The directory to create; it must not exist, or be empty.
  std::string outputDir;
  /// Threads of the step's parallel loops (links the OpenMP runtime when
  /// not 1).
  unsigned threads = 1;
};

/// Whether trainers for `device` can be linked: this build has the
/// runtime libraries they need.
bool canEmitTrainerFor(StepDevice device);

/// Lowers the loaded step for the device, emits its object code and links
/// the trainer. The trainer is built in a temporary directory beside the
/// output and renamed into place, so no partial output is ever left.
LogicalResult emitTrainer(StepCompiler &compiler,
                          const TrainerEmitterOptions &options);

} // namespace mpt
} // namespace mlir

#endif // MPT_TOOLS_MPT_RUN_TRAINEREMITTER_H
