//===- MemoryBudget.h - Will the run fit in memory? -------------*- C++ -*-===//
//
// A run that cannot fit must be refused before it allocates anything, with
// the numbers: otherwise a huge state fails deep inside an allocation, and
// on Linux, whose allocations overcommit, usually ends with the OOM killer.
// The estimate adds what a run keeps for its whole duration; the limit is
// the smallest of what the system, the cgroup and the process's resource
// limits leave.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_MEMORYBUDGET_H
#define MPT_RUNTIME_MEMORYBUDGET_H

#include "mpt/Runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mpt {
namespace runtime {

/// The memory a training run needs, in bytes, by what it is for.
struct MemoryEstimate {
  /// The training state, twice: the step reads one copy and writes the
  /// other.
  uint64_t state = 0;
  /// The batch inputs and the step's results that are not state.
  uint64_t stepBuffers = 0;
  /// The data set held in memory (converted to the inputs' types), or the
  /// synthetic task's W_true.
  uint64_t data = 0;
  /// Reading the largest input file (data, --init, --resume): its bytes and
  /// the tensors parsed from them, both held for a moment.
  uint64_t reading = 0;
  /// A lower bound of the step's own memory (activations, gradients,
  /// temporaries): before compilation the gradients, which are all live
  /// when the step checks them for overflow; after it, the larger of that
  /// and the compiled step's static scratch.
  uint64_t activations = 0;
  bool activationsIncludeStaticScratch = false;

  uint64_t total() const;
  /// The terms, for the user: `state 2.00 GiB (both copies), ...`.
  std::string describe() const;
};

/// How much more memory the process can get, and what sets that limit.
struct MemoryLimit {
  uint64_t bytes = 0;
  std::string source;
};

/// The smallest of: MemAvailable of /proc/meminfo; the memory cgroup's
/// limit minus its usage, over the process's cgroup and its ancestors
/// (cgroup v2 memory.max, v1 memory.limit_in_bytes); RLIMIT_AS and
/// RLIMIT_DATA minus what the process already maps. nullopt when the
/// system says nothing.
std::optional<MemoryLimit> availableMemory();

/// An error when the estimate exceeds the limit, with both and every term
/// of the estimate; success without a limit.
Status checkMemory(const MemoryEstimate &estimate,
                   const std::optional<MemoryLimit> &limit);

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_MEMORYBUDGET_H
