//===- FatalError.h - Failures that cannot be returned ----------*- C++ -*-===//
//
// Most errors travel as a Status to the tool's main, which prints them and
// exits with 1. A few cannot: the heap is exhausted, a library (LLVM's JIT)
// reports a fatal error, or a second interrupt asks to stop at once. They
// end here, in the same one-line form (`mpt-run: error: ...`), after this
// process's temporary files are removed, with a note saying what the run
// has left on disk. Nothing here allocates, so it is safe from an
// out-of-memory or signal handler.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_FATALERROR_H
#define MPT_RUNTIME_FATALERROR_H

#include <string>

namespace mpt {
namespace runtime {

/// The name messages start with (`mpt-run`, `trainer`); the pointer is kept.
void setProgramName(const char *name);
const char *programName();

/// What a failure at this moment leaves on disk, as a sentence ("nothing
/// was written"); appended to fatal errors. Empty for nothing to say.
void setOutputsNote(const std::string &note);

/// Writes `<program>: <kind>: <message>` to stderr, followed by `; <outputs
/// note>` when asked, without allocating (async-signal-safe).
void writeDiagnostic(const char *kind, const char *message,
                     bool withOutputsNote);

/// Removes this process's temporary files, prints the error with the
/// outputs note, and exits with status 1.
[[noreturn]] void exitWithError(const char *message);

/// For a tool's main: makes a failed `operator new` exit through
/// exitWithError instead of aborting, and a write beyond the file-size limit
/// (`ulimit -f`) fail with EFBIG, which the writer reports, instead of
/// killing the process with SIGXFSZ.
void installFailureHandlers();

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_FATALERROR_H
