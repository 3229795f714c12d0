// Bad options get a clear error and a non-zero exit.
//
// RUN: not mpt-opt --auto-mixed-precision=compute-type=f8 %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: compute-type must be f16 or bf16, found 'f8'
//
// RUN: not mpt-opt --auto-mixed-precision=loss-scale=static:abc %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=STATIC
// STATIC: loss-scale=static:<value> needs a positive number, found 'abc'
//
// RUN: not mpt-opt --auto-mixed-precision=loss-scale=sometimes %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=MODE
// MODE: loss-scale must be dynamic, static:<value> or none, found 'sometimes'
//
// RUN: not mpt-opt --auto-mixed-precision=allow-add=mpt.conv9d %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=NAME
// NAME: allow-add: 'mpt.conv9d' is not an op with a precision class
//
// RUN: not mpt-opt --auto-mixed-precision=growth-factor=0.5 %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=GROWTH
// GROWTH: #mpt.loss_scale growth_factor must be > 1, found 5.000000e-01
//
// RUN: not mpt-opt --auto-mixed-precision="init-scale=0.5 min-scale=1" %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=INIT
// INIT: #mpt.loss_scale init must be within [min_scale, max_scale]
