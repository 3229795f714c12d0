//===- Interrupt.h - Stopping a run on SIGINT and SIGTERM -------*- C++ -*-===//
//
// What every trainer people use does on Ctrl-C: the first SIGINT or SIGTERM
// asks the run to stop, which it does after the current step, keeping what
// it has (checkpoint, metrics, summary); a second one removes the
// temporary files and exits at once with 128 + the signal's number.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_INTERRUPT_H
#define MPT_RUNTIME_INTERRUPT_H

#include <csignal>

namespace mpt {
namespace runtime {

/// Handles SIGINT and SIGTERM as above while alive, and restores the
/// previous handlers after.
class InterruptHandler {
public:
  InterruptHandler();
  ~InterruptHandler();
  InterruptHandler(const InterruptHandler &) = delete;
  InterruptHandler &operator=(const InterruptHandler &) = delete;

  /// The signal that asked the run to stop, or 0.
  static int stopSignal();

private:
  struct sigaction previousInterrupt, previousTerminate;
};

/// `SIGINT`, `SIGTERM`, or `a signal` for another.
const char *signalName(int signal);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_INTERRUPT_H
