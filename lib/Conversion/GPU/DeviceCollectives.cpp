//===- DeviceCollectives.cpp - Collectives on device buffers --------------===//
//
// The lowering of mpt.all_reduce, shared by both back ends, calls the
// runtime's host-memory all-reduce. Every buffer of a GPU step is device
// memory, so the calls go to the device entry point instead, which reduces
// the buffer where it is.
//
//===----------------------------------------------------------------------===//

#include "mpt/Conversion/GPU/Passes.h"
#include "mpt/Runtime/CommunicationABI.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace mpt {
#define GEN_PASS_DEF_GPUDEVICECOLLECTIVES
#include "mpt/Conversion/GPU/Passes.h.inc"
} // namespace mpt
} // namespace mlir

using namespace mlir;

namespace {

struct GPUDeviceCollectivesPass
    : mpt::impl::GPUDeviceCollectivesBase<GPUDeviceCollectivesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto host = module.lookupSymbol<func::FuncOp>(MPT_COMM_ALL_REDUCE_SYMBOL);
    if (!host)
      return;
    auto device =
        module.lookupSymbol<func::FuncOp>(MPT_COMM_ALL_REDUCE_DEVICE_SYMBOL);
    if (!device) {
      OpBuilder b(host);
      device = func::FuncOp::create(b, host.getLoc(),
                                    MPT_COMM_ALL_REDUCE_DEVICE_SYMBOL,
                                    host.getFunctionType());
      device.setPrivate();
    }
    module.walk([&](func::CallOp call) {
      if (call.getCallee() == MPT_COMM_ALL_REDUCE_SYMBOL)
        call.setCallee(MPT_COMM_ALL_REDUCE_DEVICE_SYMBOL);
    });
    host.erase();
  }
};

} // namespace
