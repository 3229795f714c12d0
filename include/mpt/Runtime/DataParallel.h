//===- DataParallel.h - Keeping the ranks of a job in step ------*- C++ -*-===//
//
// In a data-parallel run every rank holds a replica of the whole training
// state, and the compiled step keeps the replicas equal: it averages the
// gradients over the ranks before it checks and applies them. The training
// loop adds what the step cannot see:
//
// - before the first step, the ranks check that they train the same step
//   from the same state with the same settings;
// - after every step, they exchange one small report each: the loss (the
//   run reports the mean of the ranks' losses), whether the update was
//   skipped (which must agree: the ranks saw the same averaged gradients),
//   and whether a signal asked a rank to stop (all ranks then stop after
//   the same step, which is what makes the checkpoint of rank 0 the state
//   of every rank);
// - every --check-replicas steps, they compare checksums of their whole
//   state and stop with an error naming a rank whose state differs.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_DATAPARALLEL_H
#define MPT_RUNTIME_DATAPARALLEL_H

#include "mpt/Runtime/Communicator.h"
#include "mpt/Runtime/StepSignature.h"
#include "mpt/Runtime/TrainingState.h"

#include <cstdint>

namespace mpt {
namespace runtime {

/// What the ranks agreed on after a step.
struct StepAgreement {
  /// The mean of the ranks' losses, summed in rank order.
  double loss = 0;
  /// The signal that stops every rank after this step (the lowest rank's
  /// that got one), or 0.
  int stopSignal = 0;
};

class ReplicaGroup {
public:
  /// `checkReplicasEvery`: compare the replicas after every that many
  /// steps (0: only before the first step).
  ReplicaGroup(Communicator &communicator, int64_t checkReplicasEvery)
      : communicator(communicator), checkEvery(checkReplicasEvery) {}

  int rank() const { return communicator.rank(); }
  int worldSize() const { return communicator.worldSize(); }
  /// Communicator::secondsInExchanges of this rank.
  double secondsInExchanges() const {
    return communicator.secondsInExchanges();
  }

  /// Before the first step: every rank trains the same step (by its
  /// signature), from the same step number, to the same last step, with
  /// the same seed and replica checks, and holds the same state.
  Status checkStart(const StepSignature &signature, const TrainingState &state,
                    uint64_t seed, int64_t lastStep);

  /// Names the exchanges of `step` (the compiled step's collectives among
  /// them) in errors.
  void beginStep(int64_t step);
  /// After `step` ran on every rank, with this rank's loss, skip and
  /// collapse flags and the signal it got (0 for none).
  Expected<StepAgreement> finishStep(int64_t step, double loss, bool skipped,
                                     bool collapsed, int stopSignal);

  bool checksReplicasAfter(int64_t step) const {
    return checkEvery > 0 && step % checkEvery == 0;
  }
  /// Compares checksums of every state tensor of the ranks; `when` says
  /// where the run is ("after step 20").
  Status checkReplicas(const TrainingState &state, uint64_t seed,
                       const std::string &when);

private:
  Communicator &communicator;
  int64_t checkEvery;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_DATAPARALLEL_H
