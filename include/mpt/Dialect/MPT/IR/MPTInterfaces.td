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

def MPT_IndexingOpInterface : OpInterface<"IndexingOpInterface"> {
  let cppNamespace = "::mlir::mpt";
  let description = [{
    An op that reads the values of an integer operand as indices into a dim
    of another operand (an embedding table's rows, the classes of a loss).
    The op defines what an index outside that dim does; data that a user
    feeds into a step should never hold one. The step signature records the
    valid range of every integer batch input that reaches such an operand
    (`index_range`), and the runtime checks the data against it before
    training.
  }];
  let methods = [
    InterfaceMethod<[{
        Returns the smallest and the largest valid value (both inclusive)
        of the integer operand `operand`, or nothing when the op reads it
        as no index.
      }],
      "::std::optional<::std::pair<int64_t, int64_t>>", "getValidIndexRange",
      (ins "::mlir::OpOperand &":$operand)>,
  ];
}

def MPT_LossOpInterface : OpInterface<"LossOpInterface"> {
  let cppNamespace = "::mlir::mpt";
  let description = [{
    A loss: the op `mpt.loss` takes the value of, comparing a prediction
    with a target and returning the f32 mean of its terms. Passes that need
    the loss in another form than the op's own rounded mean ask the op for
    its terms: a gradient check differences the f64 mean before rounding,
    and a validation pass averages the terms of each sample apart, so that
    padding rows can be left out.
  }];
  let methods = [
    InterfaceMethod<"Returns the operand the loss compares with the target.",
      "::mlir::Value", "getLossPrediction", (ins)>,
    InterfaceMethod<"Returns the target operand.",
      "::mlir::Value", "getLossTarget", (ins)>,
    InterfaceMethod<[{
        Whether the prediction's last dim holds one score per class, so
        that a prediction row is right when its largest score is at the
        target's class.
      }],
      "bool", "scoresClasses", (ins)>,
    InterfaceMethod<[{
        Builds the terms of the loss in `computeType` at the builder's
        insertion point: a tensor whose dim 0 runs over the rows of the
        prediction and whose mean over all elements is the loss (before
        its rounding to f32).
      }],
      "::mlir::Value", "buildLossTerms",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::FloatType":$computeType)>,
  ];
}

def MPT_CountedRandomOpInterface : OpInterface<"CountedRandomOpInterface"> {
  let cppNamespace = "::mlir::mpt";
  let description = [{
    An op that draws random numbers as a pure function of its seed, an i32
    step counter operand and each element's position, so that a run is
    reproducible and the backward pass can redraw what the forward pass
    drew. Inside an `mpt.train_step` the op has no counter;
    `--mpt-expand-train-step` passes it the step's random counter, which
    every step advances, so that each step draws anew.
  }];
  let methods = [
    InterfaceMethod<"Returns the optional i32 step counter operand.",
      "::mlir::MutableOperandRange", "getStepMutable", (ins)>,
  ];
}

#endif // MPT_INTERFACES_TD
