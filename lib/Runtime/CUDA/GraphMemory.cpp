//===- GraphMemory.cpp - The device memory of captured graphs -------------===//
//
// A step captured into a CUDA graph allocates its temporaries as graph
// memory nodes, which the driver backs from a pool of its own when the
// graph runs and keeps between launches: the runtime's count of its
// allocations cannot see that memory, so it asks the driver
// (cuDeviceGetGraphMemAttribute, CUDA 11.4 and later). The entry points are
// resolved with dlsym in the libcuda the program runs with, so that a
// driver without them leaves graph memory unreported instead of keeping
// the program from loading.
//
//===----------------------------------------------------------------------===//

#include "RuntimeState.h"

#include "mpt/Runtime/CUDA.h"

#include <dlfcn.h>

using namespace mpt::runtime;
using namespace mpt::runtime::cuda::detail;

namespace {

using GraphMemAttributeFunction = CUresult (*)(CUdevice, CUgraphMem_attribute,
                                               void *);

/// cuDeviceGetGraphMemAttribute and cuDeviceSetGraphMemAttribute, null
/// where the driver lacks them.
struct GraphMemAttributeFunctions {
  GraphMemAttributeFunction get, set;
};

const GraphMemAttributeFunctions &graphMemAttributeFunctions() {
  static const GraphMemAttributeFunctions functions = {
      reinterpret_cast<GraphMemAttributeFunction>(
          dlsym(RTLD_DEFAULT, "cuDeviceGetGraphMemAttribute")),
      reinterpret_cast<GraphMemAttributeFunction>(
          dlsym(RTLD_DEFAULT, "cuDeviceSetGraphMemAttribute"))};
  return functions;
}

} // namespace

void mpt::runtime::cuda::detail::resetGraphMemoryPeaks(RuntimeState &runtime) {
  // Without the setter, or when it fails, the marks count from the start
  // of the process, in which no graph exists before the first capture.
  GraphMemAttributeFunction set = graphMemAttributeFunctions().set;
  if (!set)
    return;
  for (CUgraphMem_attribute attribute :
       {CU_GRAPH_MEM_ATTR_USED_MEM_HIGH, CU_GRAPH_MEM_ATTR_RESERVED_MEM_HIGH}) {
    cuuint64_t zero = 0;
    set(runtime.handle, attribute, &zero);
  }
}

std::optional<cuda::GraphMemoryUse> cuda::graphMemoryUse() {
  GraphMemAttributeFunction get = graphMemAttributeFunctions().get;
  if (!get || !ready())
    return std::nullopt;
  RuntimeState &runtime = state();
  cuuint64_t used = 0, reserved = 0;
  // A driver that has the call but fails it reports nothing either: the
  // figure is an account of the run, not a reason to fail it.
  if (get(runtime.handle, CU_GRAPH_MEM_ATTR_USED_MEM_HIGH, &used) !=
          CUDA_SUCCESS ||
      get(runtime.handle, CU_GRAPH_MEM_ATTR_RESERVED_MEM_HIGH, &reserved) !=
          CUDA_SUCCESS)
    return std::nullopt;
  return GraphMemoryUse{used, reserved};
}
