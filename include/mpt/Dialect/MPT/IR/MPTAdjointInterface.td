//===- MPTAdjointInterface.td - Reverse-mode adjoints ------*- tablegen -*-===//

#ifndef MPT_ADJOINT_INTERFACE_TD
#define MPT_ADJOINT_INTERFACE_TD

include "mlir/IR/OpBase.td"

def MPT_AdjointOpInterface : OpInterface<"AdjointOpInterface"> {
  let cppNamespace = "::mlir::mpt";
  let description = [{
    An op that reverse-mode differentiation (`--mpt-differentiate`) can
    propagate cotangents through. Given the cotangents of its results
    (`dL/dresult`, each of the result's type), the op builds the cotangents
    of the operands that the pass asks for (`dL/doperand`, each of the
    operand's type), reading its own operands and results where the
    formula needs them instead of recomputing them.

    Backward ops are built in the element type of the forward op, so an f16
    op gets an f16 backward computation; a cast's adjoint is a cast back.
    The pass sums the cotangents of values with several uses.

    The models live apart from the op definitions and are attached with
    `registerAdjointInterfaceModels`. For `mpt.mul`, for example:

    ```mlir
    %r = mpt.mul %x, %b : tensor<16x32xf16>, tensor<32xf16>
    // adjoint, with %dr the cotangent of %r:
    %dx = mpt.mul %dr, %b : tensor<16x32xf16>, tensor<32xf16>
    %t = mpt.mul %dr, %x : tensor<16x32xf16>, tensor<16x32xf16>
    %db = mpt.reduce_sum %t {dims = array<i64: 0>} : tensor<16x32xf16> -> tensor<32xf16>
    ```
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the operand cotangents at the builder's insertion point.
        `resultCotangents` holds one cotangent per result (null for a result
        that is not floating point); `requested[i]` tells whether operand
        `i` needs a cotangent. On success `operandCotangents` (resized by
        the caller to the number of operands, all null) holds a value of
        operand `i`'s type for every requested `i`. An op that cannot be
        differentiated in its configuration reports why and fails.
      }],
      "::llvm::LogicalResult", "buildAdjoint",
      (ins "::mlir::mpt::AdjointBuilder &":$builder,
           "::mlir::ValueRange":$resultCotangents,
           "::llvm::ArrayRef<bool>":$requested,
           "::llvm::MutableArrayRef<::mlir::Value>":$operandCotangents)>,
  ];
}

#endif // MPT_ADJOINT_INTERFACE_TD
