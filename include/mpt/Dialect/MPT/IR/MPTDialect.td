//===- MPTDialect.td - The mixed-precision training dialect -*- tablegen -*-===//

#ifndef MPT_DIALECT_TD
#define MPT_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def MPT_Dialect : Dialect {
  let name = "mpt";
  let cppNamespace = "::mlir::mpt";
  let summary = "A dialect that models one step of neural-network training";
  let description = [{
    The `mpt` dialect describes a training step: the forward computation of a
    model, its loss, and (after `--mpt-expand-train-step` and
    `--mpt-differentiate`) the gradient computation, loss scaling, overflow
    guard and the optimizer update on fp32 master weights.

    Tensors are builtin ranked tensors of `f16`, `bf16`, `f32` or `f64`.
    Every forward op declares its precision class (allow, infer, clear or
    deny) through the `PrecisionClassOpInterface`, which is all that the
    mixed-precision pass needs to know about it.

    ```mlir
    mpt.train_step @mlp
        params(%w: tensor<4x8xf32>, %b: tensor<8xf32>)
        batch(%x: tensor<16x4xf32>, %y: tensor<16x8xf32>)
        optimizer(#mpt.sgd<lr = 1.000000e-02>) {
      %h = mpt.linear %x, %w, %b : tensor<16x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<16x8xf32>
      %l = mpt.mse_loss %h, %y : tensor<16x8xf32>, tensor<16x8xf32>
      mpt.loss %l
    }
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  // A step function's arguments and results carry `mpt.*` roles; the
  // tensors they name must be storable like every tensor of an mpt op.
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

// Every tensor the op reads or writes can be stored: its element count and
// byte size fit in int64 (mpt/Dialect/MPT/IR/TensorLimits.h).
def MPT_TensorsCanExist : NativeOpTrait<"TensorsCanExist"> {
  let cppNamespace = "::mlir::OpTrait::mpt";
}

// The op's precision class is part of its definition (a result type that
// does not follow the operands, such as the f32 loss): the mixed-precision
// pass's class options and the `mpt.precision` override cannot move it.
def MPT_FixedPrecision : NativeOpTrait<"FixedPrecision"> {
  let cppNamespace = "::mlir::OpTrait::mpt";
}

class MPT_Op<string mnemonic, list<Trait> traits = []>
    : Op<MPT_Dialect, mnemonic, traits # [MPT_TensorsCanExist]>;

class MPT_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<MPT_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // MPT_DIALECT_TD
