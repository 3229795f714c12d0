//===- MPTInterfaces.td - Interfaces of the mpt dialect ----*- tablegen -*-===//

#ifndef MPT_INTERFACES_TD
#define MPT_INTERFACES_TD

include "mlir/IR/OpBase.td"

def MPT_PrecisionClassOpInterface
    : OpInterface<"PrecisionClassOpInterface"> {
  let cppNamespace = "::mlir::mpt";
  let description = [{
    Tells the mixed-precision pass how an op behaves numerically in low
    precision. The four classes follow the scheme that TensorFlow's
    auto-mixed-precision pass popularised:

    - `allow`: always profitable and safe in f16/bf16 (matmul, linear);
    - `infer`: safe in low precision when fed by low-precision values and
      not downstream of a deny op (add, mul, tanh, gelu, ...);
    - `clear`: numerically neutral, takes the precision of its neighbours
      (relu, transpose, reshape);
    - `deny`: must stay in f32; its taint flows downstream through infer and
      clear ops (exp, log, reductions, softmax, layer_norm, the loss).

    Ops declare their class in ODS; the pass never switches on op names.
  }];
  let methods = [
    InterfaceMethod<"Returns the op's precision class.",
      "::mlir::mpt::PrecisionClass", "getPrecisionClass", (ins), [{}],
      [{ return ConcreteOp::kPrecisionClass; }]>,
    InterfaceMethod<[{
        Returns the operands that carry data whose precision follows the op
        (all floating-point tensor operands unless the op says otherwise).
      }],
      "::llvm::SmallVector<::mlir::OpOperand *>", "getPrecisionOperands",
      (ins), [{}], [{
        ::llvm::SmallVector<::mlir::OpOperand *> operands;
        for (::mlir::OpOperand &operand : $_op->getOpOperands())
          if (::mlir::mpt::isFloatTensor(operand.get().getType()))
            operands.push_back(&operand);
        return operands;
      }]>,
  ];
}

#endif // MPT_INTERFACES_TD
