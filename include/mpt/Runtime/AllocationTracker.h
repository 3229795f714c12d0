//===- AllocationTracker.h - The step's own heap use ------------*- C++ -*-===//
//
// The step's inputs and outputs live in buffers the runtime owns; every
// other byte the compiled code uses (activations saved for the backward
// pass, gradients, temporaries) comes from the heap functions the lowering
// calls: malloc/free, or aligned_alloc/free. Binding those symbols of the
// compiled code to the functions below (the JIT registers them under the
// libc names; an ahead-of-time link can rename the references with
// `objcopy --redefine-sym malloc=mptTrackedMalloc ...`) makes the tracker
// see exactly the compiled code's heap use. Sizes are the bytes asked for,
// which the same run always asks for (the allocator's usable size of an
// aligned chunk depends on where it lands). The compiled code
// does not check for a failed allocation, so these functions do: out of
// memory ends the process through exitWithError (FatalError.h).
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_ALLOCATIONTRACKER_H
#define MPT_RUNTIME_ALLOCATIONTRACKER_H

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" {
void *mptTrackedMalloc(size_t size);
void *mptTrackedCalloc(size_t count, size_t size);
void *mptTrackedRealloc(void *pointer, size_t size);
void *mptTrackedAlignedAlloc(size_t alignment, size_t size);
int mptTrackedPosixMemalign(void **result, size_t alignment, size_t size);
void mptTrackedFree(void *pointer);
}

namespace mpt {
namespace runtime {

/// Process-wide counters of the tracked heap functions (thread-safe).
class AllocationTracker {
public:
  /// Restarts the high-water mark at the bytes live now.
  static void resetPeak();
  static uint64_t liveBytes();
  /// The largest number of live bytes since the last resetPeak().
  static uint64_t peakBytes();
  static uint64_t allocationCount();

  /// A libc name and the tracked function that replaces it.
  struct Binding {
    const char *symbol;
    void *function;
  };
  /// malloc, calloc, realloc, aligned_alloc, posix_memalign and free.
  static std::vector<Binding> bindings();
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_ALLOCATIONTRACKER_H
