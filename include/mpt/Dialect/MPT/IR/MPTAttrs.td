//===- MPTAttrs.td - Attributes of the mpt dialect ---------*- tablegen -*-===//

#ifndef MPT_ATTRS_TD
#define MPT_ATTRS_TD

include "mpt/Dialect/MPT/IR/MPTDialect.td"
include "mlir/IR/EnumAttr.td"

// A float parameter with a default, written and printed as a plain number.
class MPT_F64Param<string default, string desc> : APFloatParameter<desc> {
  let defaultValue = "::llvm::APFloat(" # default # ")";
  let parser = "::mlir::mpt::parseDoubleParameter($_parser)";
}

// A float parameter that must be written.
class MPT_F64RequiredParam<string desc> : APFloatParameter<desc> {
  let parser = "::mlir::mpt::parseDoubleParameter($_parser)";
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

def MPT_SGDAttr : MPT_Attr<"SGD", "sgd"> {
  let summary = "Plain stochastic gradient descent";
  let description = [{
    `p <- p - lr * (g + weight_decay * p)`, applied to fp32 master weights.
    The optimizer keeps no state.

    ```mlir
    optimizer(#mpt.sgd<lr = 1.000000e-02, weight_decay = 1.000000e-04>)
    ```
  }];
  let parameters = (ins MPT_F64RequiredParam<"learning rate">:$lr,
                        MPT_F64Param<"0.0", "L2 weight decay">:$weight_decay);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def MPT_MomentumAttr : MPT_Attr<"Momentum", "momentum"> {
  let summary = "SGD with (heavy-ball) momentum";
  let description = [{
    PyTorch's `torch.optim.SGD(momentum=m)` rule with dampening 0:
    ```
    g' = g + weight_decay * p
    v  <- momentum * v + g'
    p  <- p - lr * v
    ```
    One fp32 velocity tensor per parameter is the optimizer state.

    ```mlir
    optimizer(#mpt.momentum<lr = 1.000000e-02, momentum = 9.000000e-01>)
    ```
  }];
  let parameters = (ins MPT_F64RequiredParam<"learning rate">:$lr,
                        MPT_F64Param<"0.9", "momentum factor">:$momentum,
                        MPT_F64Param<"0.0", "L2 weight decay">:$weight_decay);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def MPT_AdamAttr : MPT_Attr<"Adam", "adam"> {
  let summary = "Adam with bias correction";
  let description = [{
    Kingma & Ba's Adam as in `torch.optim.Adam` (L2 weight decay added to the
    gradient), with bias correction by the step count `t` (1 on the first
    update):
    ```
    g' = g + weight_decay * p
    m  <- beta1 * m + (1 - beta1) * g'
    v  <- beta2 * v + (1 - beta2) * g'^2
    p  <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
    ```
    State: two fp32 moment tensors per parameter and one `i32` step count.

    ```mlir
    optimizer(#mpt.adam<lr = 1.000000e-03, beta1 = 9.000000e-01>)
    ```
  }];
  let parameters = (ins MPT_F64RequiredParam<"learning rate">:$lr,
                        MPT_F64Param<"0.9", "first-moment decay">:$beta1,
                        MPT_F64Param<"0.999", "second-moment decay">:$beta2,
                        MPT_F64Param<"1.0e-8", "denominator epsilon">:$epsilon,
                        MPT_F64Param<"0.0", "L2 weight decay">:$weight_decay);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Loss scaling
//===----------------------------------------------------------------------===//

def MPT_LossScaleMode : I32EnumAttr<"LossScaleMode", "how the loss is scaled", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Static", 1, "static">,
    I32EnumAttrCase<"Dynamic", 2, "dynamic">]> {
  let cppNamespace = "::mlir::mpt";
  let genSpecializedAttr = 0;
}

def MPT_LossScaleAttr : MPT_Attr<"LossScale", "loss_scale"> {
  let summary = "Loss-scaling policy of a training step";
  let description = [{
    How the loss of a mixed-precision step is scaled before differentiation
    and how the scale evolves. `mode` is `none` (no scaling), `static` (the
    scale stays at `init`) or `dynamic` (PyTorch GradScaler's rule, with
    DeepSpeed-style hysteresis and min/max clamps; see
    `mpt.update_loss_scale`). Defaults are GradScaler's.

    ```mlir
    #mpt.loss_scale<mode = dynamic, init = 6.553600e+04, growth_interval = 2000>
    ```
  }];
  let parameters = (ins
    DefaultValuedParameter<"::mlir::mpt::LossScaleMode",
      "::mlir::mpt::LossScaleMode::Dynamic", "scaling mode">:$mode,
    MPT_F64Param<"65536.0", "initial scale">:$init,
    MPT_F64Param<"2.0", "growth factor">:$growth_factor,
    MPT_F64Param<"0.5", "backoff factor">:$backoff_factor,
    DefaultValuedParameter<"int64_t", "2000", "good steps before growth">:$growth_interval,
    DefaultValuedParameter<"int64_t", "1", "overflows tolerated before backoff">:$hysteresis,
    MPT_F64Param<"1.0", "smallest scale; falling below it is a collapse">:$min_scale,
    MPT_F64Param<"16777216.0", "largest scale">:$max_scale);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // MPT_ATTRS_TD
