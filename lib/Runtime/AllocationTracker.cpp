//===- AllocationTracker.cpp - Counting the step's own allocations --------===//

#include "mpt/Runtime/AllocationTracker.h"
#include "mpt/Runtime/FatalError.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

using namespace mpt::runtime;

namespace {
std::atomic<uint64_t> live{0}, peak{0}, count{0};

/// The bytes asked for by each live allocation. The allocator's usable size
/// of an aligned chunk depends on where the chunk lands, and so on what
/// the process allocated before: counting it would make the figures vary
/// from run to run.
std::mutex sizesMutex;
std::unordered_map<void *, size_t> &liveSizes() {
  static auto *sizes = new std::unordered_map<void *, size_t>;
  return *sizes;
}

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
  {
    std::lock_guard<std::mutex> lock(sizesMutex);
    liveSizes()[pointer] = bytes;
  }
  uint64_t now = live += bytes;
  ++count;
  uint64_t seen = peak.load(std::memory_order_relaxed);
  while (now > seen && !peak.compare_exchange_weak(seen, now))
    ;
  return pointer;
}

/// Forgets `pointer`, an allocation of the tracked functions or null.
void noteFreed(void *pointer) {
  if (!pointer)
    return;
  std::lock_guard<std::mutex> lock(sizesMutex);
  auto found = liveSizes().find(pointer);
  if (found == liveSizes().end())
    return;
  live -= found->second;
  liveSizes().erase(found);
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
  // Forgotten first: once realloc has freed it, another thread may be given
  // the same address.
  noteFreed(pointer);
  void *result = realloc(pointer, size);
  if (!result && size != 0)
    stepOutOfMemory(size);
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
