// RUN: mpt-opt --mpt-step-abi --split-input-file %s | FileCheck %s

// The JSON signature writes out every number of the loss-scale policy and
// the optimizer, the attributes' defaults included, so that a runtime
// needs no copy of them.

// CHECK-LABEL: llvm.mlir.global external constant @defaults_step_signature
// CHECK-SAME:    \22loss_scale\22:{\22backoff_factor\22:0.5,\22growth_factor\22:2,\22growth_interval\22:2000,\22hysteresis\22:1,\22init\22:65536,\22max_scale\22:16777216,\22min_scale\22:1,\22mode\22:\22dynamic\22}
// CHECK-SAME:    \22optimizer\22:{\22kind\22:\22sgd\22,\22lr\22:0.5,\22weight_decay\22:0}
func.func @defaults(%w: tensor<4xf32> {mpt.param = "w"}, %scale: f32 {mpt.loss_scale},
                    %good: i32 {mpt.good_steps}, %left: i32 {mpt.hysteresis_left},
                    %x: tensor<2x4xf32> {mpt.batch = "x"})
    -> (tensor<4xf32> {mpt.param = "w"}, f32 {mpt.loss_scale}, i32 {mpt.good_steps},
        i32 {mpt.hysteresis_left}, f32 {mpt.loss}, i1 {mpt.overflow}, i1 {mpt.scale_collapsed})
    attributes {mpt.train_step, mpt.optimizer = #mpt.sgd<lr = 5.000000e-01>,
                mpt.loss_scale = #mpt.loss_scale<>} {
  %false = arith.constant false
  return %w, %scale, %good, %left, %scale, %false, %false
      : tensor<4xf32>, f32, i32, i32, f32, i1, i1
}

// -----

// Values that are written come through as written; Adam lists its
// hyperparameters, and a parameter with `mpt.param_init` gets its `init`.

// CHECK-LABEL: llvm.mlir.global external constant @adam_step_signature
// CHECK-SAME:    {\22dtype\22:\22f32\22,\22init\22:\22ones\22,\22name\22:\22gamma\22,\22role\22:\22param\22,\22shape\22:[4]}
// CHECK-SAME:    \22loss_scale\22:{\22backoff_factor\22:0.25,\22growth_factor\22:4,\22growth_interval\22:10,\22hysteresis\22:3,\22init\22:1024,\22max_scale\22:4096,\22min_scale\22:0.5,\22mode\22:\22static\22}
// CHECK-SAME:    \22optimizer\22:{\22beta1\22:0.80000000000000004,\22beta2\22:0.999,\22epsilon\22:1e-08,\22kind\22:\22adam\22,\22lr\22:0.001,\22weight_decay\22:0}
// CHECK-SAME:    \22results\22:[{\22dtype\22:\22f32\22,\22name\22:\22gamma\22,\22role\22:\22param\22,\22shape\22:[4]}
func.func @adam(%g: tensor<4xf32> {mpt.param = "gamma", mpt.param_init = "ones"},
                %scale: f32 {mpt.loss_scale}, %x: tensor<2x4xf32> {mpt.batch = "x"})
    -> (tensor<4xf32> {mpt.param = "gamma"}, f32 {mpt.loss_scale}, f32 {mpt.loss}, i1 {mpt.overflow})
    attributes {mpt.train_step,
                mpt.optimizer = #mpt.adam<lr = 1.000000e-03, beta1 = 8.000000e-01>,
                mpt.loss_scale = #mpt.loss_scale<mode = static, init = 1.024000e+03,
                  growth_factor = 4.000000e+00, backoff_factor = 2.500000e-01,
                  growth_interval = 10, hysteresis = 3, min_scale = 5.000000e-01,
                  max_scale = 4.096000e+03>} {
  %false = arith.constant false
  return %g, %scale, %scale, %false : tensor<4xf32>, f32, f32, i1
}

// -----

// Without a policy the step has no loss scaling; without an optimizer (a
// gradient function) the optimizer is null.

// CHECK-LABEL: llvm.mlir.global external constant @plain_step_signature
// CHECK-SAME:    \22loss_scale\22:{\22mode\22:\22none\22},\22name\22:\22plain\22,\22optimizer\22:null,
func.func @plain(%w: tensor<4xf32> {mpt.param = "w"}, %x: tensor<2x4xf32> {mpt.batch = "x"})
    -> (f32 {mpt.loss}, tensor<4xf32> {mpt.grad = "w"}) attributes {mpt.train_step} {
  %c = arith.constant 0.0 : f32
  return %c, %w : f32, tensor<4xf32>
}

// -----

// Integer batch inputs keep their element type. One that ops read as
// indices gets the values they all accept, followed through reshapes:
// tokens index the 65 rows of a table (either end, [-65, 64]) and the 5
// classes of a loss ([0, 4]); labels that no op reads as indices get none.

// CHECK-LABEL: llvm.mlir.global external constant @tokens_step_signature
// CHECK-SAME:    {\22dtype\22:\22i64\22,\22index_range\22:[0,4],\22name\22:\22tokens\22,\22role\22:\22batch\22,\22shape\22:[2,3]}
// CHECK-SAME:    {\22dtype\22:\22i32\22,\22index_range\22:[-65,64],\22name\22:\22ids\22,\22role\22:\22batch\22,\22shape\22:[6]}
// CHECK-SAME:    {\22dtype\22:\22i32\22,\22name\22:\22unused\22,\22role\22:\22batch\22,\22shape\22:[6]}
func.func @tokens(%table: tensor<65x5xf32> {mpt.param = "table"},
                  %tokens: tensor<2x3xi64> {mpt.batch = "tokens"},
                  %ids: tensor<6xi32> {mpt.batch = "ids"},
                  %unused: tensor<6xi32> {mpt.batch = "unused"})
    -> (f32 {mpt.loss}) attributes {mpt.train_step} {
  %rows = tensor.collapse_shape %tokens [[0, 1]] : tensor<2x3xi64> into tensor<6xi64>
  %logits = mpt.gather %table, %ids : tensor<65x5xf32>, tensor<6xi32> -> tensor<6x5xf32>
  %l = mpt.cross_entropy_loss %logits, %rows : tensor<6x5xf32>, tensor<6xi64>
  return %l : f32
}
