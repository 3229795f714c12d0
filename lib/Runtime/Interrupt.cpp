//===- Interrupt.cpp - Stopping a run on SIGINT and SIGTERM ---------------===//

#include "mpt/Runtime/Interrupt.h"
#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/FileIO.h"

#include <cstring>
#include <unistd.h>

using namespace mpt::runtime;

namespace {
volatile std::sig_atomic_t stopRequested = 0;

void onInterrupt(int signal) {
  char message[160];
  if (!stopRequested) {
    stopRequested = signal;
    std::strcpy(message, signalName(signal));
    std::strcat(message, ": stopping after the current step (send it again "
                         "to stop at once)");
    writeDiagnostic("note", message, /*withOutputsNote=*/false);
    return;
  }
  removeTemporaryFiles();
  std::strcpy(message, "stopped at once by a second ");
  std::strcat(message, signalName(signal));
  writeDiagnostic("error", message, /*withOutputsNote=*/true);
  _exit(128 + signal);
}

void install(int signal, void (*handler)(int), struct sigaction &previous) {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(signal, &action, &previous);
}
} // namespace

InterruptHandler::InterruptHandler() {
  stopRequested = 0;
  install(SIGINT, onInterrupt, previousInterrupt);
  install(SIGTERM, onInterrupt, previousTerminate);
}

InterruptHandler::~InterruptHandler() {
  sigaction(SIGINT, &previousInterrupt, nullptr);
  sigaction(SIGTERM, &previousTerminate, nullptr);
}

int InterruptHandler::stopSignal() { return stopRequested; }

const char *mpt::runtime::signalName(int signal) {
  switch (signal) {
  case SIGINT:
    return "SIGINT";
  case SIGTERM:
    return "SIGTERM";
  default:
    return "a signal";
  }
}
