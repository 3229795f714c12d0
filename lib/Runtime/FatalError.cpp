//===- FatalError.cpp - Failures that cannot be returned ------------------===//

#include "mpt/Runtime/FatalError.h"
#include "mpt/Runtime/FileIO.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <new>
#include <unistd.h>

using namespace mpt::runtime;

namespace {
const char *program = "mpt";

/// Two buffers for the note, so that a signal handler always reads a
/// complete one: the writer fills the inactive one, then flips the index.
constexpr size_t kNoteSize = 2048;
char notes[2][kNoteSize];
std::atomic<int> activeNote{0};

void writeAll(const char *text) {
  size_t size = std::strlen(text);
  while (size > 0) {
    ssize_t count = write(STDERR_FILENO, text, size);
    if (count <= 0)
      return;
    text += count;
    size -= static_cast<size_t>(count);
  }
}

void outOfMemory() { exitWithError("out of memory"); }
} // namespace

void mpt::runtime::setProgramName(const char *name) { program = name; }
const char *mpt::runtime::programName() { return program; }

void mpt::runtime::setOutputsNote(const std::string &note) {
  int next = 1 - activeNote.load();
  size_t size = std::min(note.size(), kNoteSize - 1);
  std::memcpy(notes[next], note.data(), size);
  notes[next][size] = '\0';
  activeNote.store(next);
}

void mpt::runtime::writeDiagnostic(const char *kind, const char *message,
                                   bool withOutputsNote) {
  writeAll(program);
  writeAll(": ");
  writeAll(kind);
  writeAll(": ");
  writeAll(message);
  const char *note = notes[activeNote.load()];
  if (withOutputsNote && *note) {
    writeAll("; ");
    writeAll(note);
  }
  writeAll("\n");
}

void mpt::runtime::exitWithError(const char *message) {
  removeTemporaryFiles();
  std::fflush(stdout);
  writeDiagnostic("error", message, /*withOutputsNote=*/true);
  // No destructors or atexit handlers: the process may be out of memory or
  // inside a library that just failed.
  _exit(1);
}

void mpt::runtime::installFailureHandlers() {
  std::set_new_handler(outOfMemory);
  std::signal(SIGXFSZ, SIG_IGN);
}
