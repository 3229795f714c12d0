// RUN: mpt-opt --convert-mpt-to-linalg --split-input-file %s | FileCheck %s

// CHECK-LABEL: func.func @scale_loss
// CHECK:         %[[R:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:    return %[[R]]
func.func @scale_loss(%l: f32, %s: f32) -> f32 {
  %0 = mpt.scale_loss %l, %s
  return %0 : f32
}

// -----

// One reciprocal for all gradients, then a multiply per element.
// CHECK-LABEL: func.func @unscale
// CHECK-SAME:    %[[SCALE:[^:]*]]: f32
// CHECK:         %[[INV:.*]] = arith.divf %{{.*}}, %[[SCALE]] : f32
// CHECK-NOT:     arith.divf
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<4x8xf32>)
// CHECK:           arith.mulf %{{.*}}, %[[INV]] : f32
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<8xf32>)
// CHECK:           arith.mulf %{{.*}}, %[[INV]] : f32
func.func @unscale(%g0: tensor<4x8xf32>, %g1: tensor<8xf32>, %scale: f32) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %u:2 = mpt.unscale %g0, %g1 by %scale : tensor<4x8xf32>, tensor<8xf32>
  return %u#0, %u#1 : tensor<4x8xf32>, tensor<8xf32>
}

// -----

// One i1 or-reduction per tensor of `|x| >= inf` in its unordered form
// (true for NaN and +-inf), or-ed together and negated.
// CHECK-LABEL: func.func @all_finite
// CHECK-DAG:     %[[FALSE:.*]] = arith.constant false
// CHECK-DAG:     %[[INF32:.*]] = arith.constant 0x7F800000 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[FALSE]] : i1) outs(%{{.*}} : tensor<i1>)
// CHECK:         %[[R0:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME:      ins(%{{.*}} : tensor<4x8xf32>) outs(%[[INIT]] : tensor<i1>)
// CHECK:         ^bb0(%[[X:[^:]*]]: f32, %[[ACC:[^:]*]]: i1):
// CHECK:           %[[ABS:.*]] = math.absf %[[X]] : f32
// CHECK:           %[[BAD:.*]] = arith.cmpf uge, %[[ABS]], %[[INF32]] : f32
// CHECK:           arith.ori %[[ACC]], %[[BAD]] : i1
// CHECK:         %[[E0:.*]] = tensor.extract %[[R0]][] : tensor<i1>
// CHECK:         %[[INF16:.*]] = arith.constant 0x7C00 : f16
// CHECK:         %[[R1:.*]] = linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<8xf16>)
// CHECK:           arith.cmpf uge, %{{.*}}, %[[INF16]] : f16
// CHECK:         %[[E1:.*]] = tensor.extract %[[R1]][] : tensor<i1>
// CHECK:         %[[ANY:.*]] = arith.ori %[[E0]], %[[E1]] : i1
// CHECK:         %[[TRUE:.*]] = arith.constant true
// CHECK:         %[[OK:.*]] = arith.xori %[[ANY]], %[[TRUE]] : i1
// CHECK:         return %[[OK]]
func.func @all_finite(%g0: tensor<4x8xf32>, %g1: tensor<8xf16>) -> i1 {
  %ok = mpt.all_finite %g0, %g1 : tensor<4x8xf32>, tensor<8xf16>
  return %ok : i1
}

// -----

// The dynamic rule as selects: overflow tolerated while hysteresis_left > 1,
// else backoff clamped at min_scale (a collapse), leaving hysteresis_left
// spent; finite steps grow the scale after growth_interval of them, clamped
// at max_scale, and refill hysteresis_left.
// CHECK-LABEL: func.func @update_loss_scale
// CHECK-SAME:    (%[[SCALE:.*]]: f32, %[[GOOD:.*]]: i32, %[[HYST:.*]]: i32, %[[FINITE:.*]]: i1)
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG:     %[[H:.*]] = arith.constant 2 : i32
// CHECK:         %[[TOLERATED:.*]] = arith.cmpi sgt, %[[HYST]], %[[ONE]] : i32
// CHECK:         %[[BACKED:.*]] = arith.mulf %[[SCALE]], %{{.*}} : f32
// CHECK:         %[[BELOW:.*]] = arith.cmpf olt, %[[BACKED]], %[[MIN:.*]] : f32
// CHECK:         %[[CLAMPED:.*]] = arith.select %[[BELOW]], %[[MIN]], %[[BACKED]] : f32
// CHECK:         %[[OV_SCALE:.*]] = arith.select %[[TOLERATED]], %[[SCALE]], %[[CLAMPED]] : f32
// CHECK:         %[[DEC:.*]] = arith.subi %[[HYST]], %[[ONE]] : i32
// CHECK:         %[[OV_HYST:.*]] = arith.select %[[TOLERATED]], %[[DEC]], %[[HYST]] : i32
// CHECK:         %[[LAST_BACKOFF:.*]] = arith.andi %{{.*}}, %[[BELOW]] : i1
// CHECK:         %[[COLLAPSED:.*]] = arith.andi %{{.*}}, %[[LAST_BACKOFF]] : i1
// CHECK:         %[[NEXT:.*]] = arith.addi %[[GOOD]], %[[ONE]] : i32
// CHECK:         %[[INTERVAL:.*]] = arith.constant 2000 : i32
// CHECK:         %[[GROW:.*]] = arith.cmpi eq, %[[NEXT]], %[[INTERVAL]] : i32
// CHECK:         %[[MAX:.*]] = arith.constant 0x4B800000 : f32
// CHECK:         %[[GROWN:.*]] = arith.minimumf %{{.*}}, %[[MAX]] : f32
// CHECK:         %[[FIN_SCALE:.*]] = arith.select %[[GROW]], %{{.*}}, %[[SCALE]] : f32
// CHECK:         %[[FIN_GOOD:.*]] = arith.select %[[GROW]], %[[ZERO]], %[[NEXT]] : i32
// CHECK:         %[[FIN_HYST:.*]] = arith.select %[[GROW]], %[[H]], %[[HYST]] : i32
// CHECK:         %[[S:.*]] = arith.select %[[FINITE]], %[[FIN_SCALE]], %[[OV_SCALE]] : f32
// CHECK:         %[[G:.*]] = arith.select %[[FINITE]], %[[FIN_GOOD]], %[[ZERO]] : i32
// CHECK:         %[[HY:.*]] = arith.select %[[FINITE]], %[[FIN_HYST]], %[[OV_HYST]] : i32
// CHECK:         return %[[S]], %[[G]], %[[HY]], %[[COLLAPSED]]
func.func @update_loss_scale(%s: f32, %g: i32, %h: i32, %f: i1) -> (f32, i32, i32, i1) {
  %a, %b, %c, %d = mpt.update_loss_scale %s, %g, %h, %f {config = #mpt.loss_scale<mode = dynamic, hysteresis = 2>}
  return %a, %b, %c, %d : f32, i32, i32, i1
}

// -----

// A skipped step selects the old value of every element.
// CHECK-LABEL: func.func @sgd_update
// CHECK-SAME:    %[[SKIP:[^:]*]]: i1
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[P:[^:]*]]: f32, %[[G:[^:]*]]: f32, %{{.*}}: f32):
// CHECK:           %[[DECAY:.*]] = arith.mulf %{{.*}}, %[[P]] : f32
// CHECK:           %[[GD:.*]] = arith.addf %[[G]], %[[DECAY]] : f32
// CHECK:           %[[STEP:.*]] = arith.mulf %{{.*}}, %[[GD]] : f32
// CHECK:           %[[NEW:.*]] = arith.subf %[[P]], %[[STEP]] : f32
// CHECK:           %[[R:.*]] = arith.select %[[SKIP]], %[[P]], %[[NEW]] : f32
// CHECK:           linalg.yield %[[R]] : f32
func.func @sgd_update(%w: tensor<4x8xf32>, %g: tensor<4x8xf32>, %skip: i1) -> tensor<4x8xf32> {
  %0 = mpt.sgd_update %w, %g skip %skip {config = #mpt.sgd<lr = 1.000000e-02, weight_decay = 1.0e-04>} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @momentum_update
// CHECK-SAME:    %[[SKIP:[^:]*]]: i1
// CHECK:         %{{.*}}:2 = linalg.generic
// CHECK:         ^bb0(%[[P:[^:]*]]: f32, %[[V:[^:]*]]: f32, %[[G:[^:]*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NOT:       arith.constant 0.000000e+00
// CHECK:           %[[MV:.*]] = arith.mulf %{{.*}}, %[[V]] : f32
// CHECK:           %[[NV:.*]] = arith.addf %[[MV]], %[[G]] : f32
// CHECK:           %[[STEP:.*]] = arith.mulf %{{.*}}, %[[NV]] : f32
// CHECK:           %[[NP:.*]] = arith.subf %[[P]], %[[STEP]] : f32
// CHECK:           %[[RP:.*]] = arith.select %[[SKIP]], %[[P]], %[[NP]] : f32
// CHECK:           %[[RV:.*]] = arith.select %[[SKIP]], %[[V]], %[[NV]] : f32
// CHECK:           linalg.yield %[[RP]], %[[RV]] : f32, f32
func.func @momentum_update(%w: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x8xf32>, %skip: i1) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0, %1 = mpt.momentum_update %w, %v, %g skip %skip {config = #mpt.momentum<lr = 1.000000e-02>} : tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Bias corrections once per step in f64 from the i32 step count; the
// update per element selects the old param and moments on skip.
// CHECK-LABEL: func.func @adam_update
// CHECK-SAME:    %[[T:[^:]*]]: i32, %[[SKIP:[^:]*]]: i1
// CHECK:         %[[TF:.*]] = arith.sitofp %[[T]] : i32 to f64
// CHECK:         %[[B1T:.*]] = math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         %[[BC1:.*]] = arith.subf %{{.*}}, %[[B1T]] : f64
// CHECK:         %[[SS64:.*]] = arith.divf %{{.*}}, %[[BC1]] : f64
// CHECK:         %[[STEP_SIZE:.*]] = arith.truncf %[[SS64]] : f64 to f32
// CHECK:         %[[B2T:.*]] = math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         %[[BC2:.*]] = arith.subf %{{.*}}, %[[B2T]] : f64
// CHECK:         %[[SQ64:.*]] = math.sqrt %[[BC2]] : f64
// CHECK:         %[[BC2_SQRT:.*]] = arith.truncf %[[SQ64]] : f64 to f32
// CHECK:         %{{.*}}:3 = linalg.generic
// CHECK:         ^bb0(%[[P:[^:]*]]: f32, %[[M:[^:]*]]: f32, %[[V:[^:]*]]: f32, %[[G:[^:]*]]: f32,
// CHECK:           %[[NM:.*]] = arith.addf
// CHECK:           %[[NV:.*]] = arith.addf
// CHECK:           %[[ROOT:.*]] = math.sqrt %[[NV]] : f32
// CHECK:           %[[DEN0:.*]] = arith.divf %[[ROOT]], %[[BC2_SQRT]] : f32
// CHECK:           %[[DEN:.*]] = arith.addf %[[DEN0]], %{{.*}} : f32
// CHECK:           %[[RATIO:.*]] = arith.divf %[[NM]], %[[DEN]] : f32
// CHECK:           %[[STEP:.*]] = arith.mulf %[[STEP_SIZE]], %[[RATIO]] : f32
// CHECK:           %[[NP:.*]] = arith.subf %[[P]], %[[STEP]] : f32
// CHECK:           %[[RP:.*]] = arith.select %[[SKIP]], %[[P]], %[[NP]] : f32
// CHECK:           %[[RM:.*]] = arith.select %[[SKIP]], %[[M]], %[[NM]] : f32
// CHECK:           %[[RV:.*]] = arith.select %[[SKIP]], %[[V]], %[[NV]] : f32
// CHECK:           linalg.yield %[[RP]], %[[RM]], %[[RV]] : f32, f32, f32
func.func @adam_update(%w: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x8xf32>, %t: i32, %skip: i1) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0, %1, %2 = mpt.adam_update %w, %m, %v, %g step %t skip %skip {config = #mpt.adam<lr = 1.000000e-03>} : tensor<4x8xf32>
  return %0, %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
