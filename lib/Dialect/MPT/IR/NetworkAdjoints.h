//===- NetworkAdjoints.h - Adjoints of the network ops ----------*- C++ -*-===//
//
// Internal to the dialect library: registerAdjointInterfaceModels attaches
// the adjoints of the ops declared in MPTConvOps.td, MPTDataOps.td and
// MPTMathOps.td through this function.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_LIB_DIALECT_MPT_IR_NETWORKADJOINTS_H
#define MPT_LIB_DIALECT_MPT_IR_NETWORKADJOINTS_H

namespace mlir {
class DialectRegistry;
namespace mpt {
namespace detail {

void registerNetworkAdjointModels(DialectRegistry &registry);

} // namespace detail
} // namespace mpt
} // namespace mlir

#endif // MPT_LIB_DIALECT_MPT_IR_NETWORKADJOINTS_H
