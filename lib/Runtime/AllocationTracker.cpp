//===- AllocationTracker.cpp - Counting the step's own allocations --------===//

#include "mpt/Runtime/AllocationTracker.h"
#include "mpt/Runtime/FatalError.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>

using namespace mpt::runtime;

namespace {
std::atomic<uint64_t> live{0}, peak{0}, count{0};

/// The compiled step does not check what its allocations return: one that
/// fails ends the run here, in one line, rather than in a crash.
[[noreturn]] void stepOutOfMemory(size_t bytes) {
  char message[160];
  std::snprintf(message, sizeof(message),
                "out of memory: the step could not allocate %zu bytes of "
                "working memory",
                bytes);
  exitWithError(message);
}

void *noteAllocated(void *pointer, size_t bytes) {
  if (!pointer) {
    if (bytes != 0)
      stepOutOfMemory(bytes);
    return pointer;
  }
  uint64_t now = live += malloc_usable_size(pointer);
  ++count;
  uint64_t seen = peak.load(std::memory_order_relaxed);
  while (now > seen && !peak.compare_exchange_weak(seen, now))
    ;
  return pointer;
}

void noteFreed(void *pointer) {
  if (pointer)
    live -= malloc_usable_size(pointer);
}
} // namespace

extern "C" {
void *mptTrackedMalloc(size_t size) {
  return noteAllocated(malloc(size), size);
}

void *mptTrackedCalloc(size_t count, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes))
    stepOutOfMemory(SIZE_MAX);
  return noteAllocated(calloc(count, size), bytes);
}

void *mptTrackedRealloc(void *pointer, size_t size) {
  size_t old = pointer ? malloc_usable_size(pointer) : 0;
  void *result = realloc(pointer, size);
  if (!result && size != 0)
    stepOutOfMemory(size);
  live -= old;
  return noteAllocated(result, size);
}

void *mptTrackedAlignedAlloc(size_t alignment, size_t size) {
  return noteAllocated(aligned_alloc(alignment, size), size);
}

int mptTrackedPosixMemalign(void **result, size_t alignment, size_t size) {
  int error = posix_memalign(result, alignment, size);
  if (error == ENOMEM)
    stepOutOfMemory(size);
  if (error == 0)
    noteAllocated(*result, size);
  return error;
}

void mptTrackedFree(void *pointer) {
  noteFreed(pointer);
  free(pointer);
}
}

void AllocationTracker::resetPeak() { peak = live.load(); }
uint64_t AllocationTracker::liveBytes() { return live; }
uint64_t AllocationTracker::peakBytes() { return peak; }
uint64_t AllocationTracker::allocationCount() { return count; }

std::vector<AllocationTracker::Binding> AllocationTracker::bindings() {
  return {
      {"malloc", reinterpret_cast<void *>(&mptTrackedMalloc)},
      {"calloc", reinterpret_cast<void *>(&mptTrackedCalloc)},
      {"realloc", reinterpret_cast<void *>(&mptTrackedRealloc)},
      {"aligned_alloc", reinterpret_cast<void *>(&mptTrackedAlignedAlloc)},
      {"posix_memalign", reinterpret_cast<void *>(&mptTrackedPosixMemalign)},
      {"free", reinterpret_cast<void *>(&mptTrackedFree)},
  };
}
