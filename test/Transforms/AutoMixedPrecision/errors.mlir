// Bad options are errors about the option: the flag and the option as the
// user typed them (the pipeline's flag for --auto-mixed-precision), no
// location in any file, a non-zero exit, and no output file.
//
// RUN: rm -rf %t && mkdir %t
// RUN: not mpt-opt --auto-mixed-precision=compute-type=f8 %S/Inputs/small-mlp.mlir -o %t/out.mlir 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TYPE --implicit-check-not="<unknown>"
// RUN: test ! -e %t/out.mlir
// TYPE: mpt-opt: error: --auto-mixed-precision: compute-type must be f16 or bf16, found 'f8'
//
// RUN: not mpt-opt --auto-mixed-precision=loss-scale=static:abc %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=STATIC
// STATIC: mpt-opt: error: --auto-mixed-precision: loss-scale=static:<value> needs a positive number, found 'abc'
//
// RUN: not mpt-opt --auto-mixed-precision=loss-scale=sometimes %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=MODE
// MODE: mpt-opt: error: --auto-mixed-precision: loss-scale must be dynamic, static:<value> or none, found 'sometimes'
//
// RUN: not mpt-opt --auto-mixed-precision=allow-add=mpt.conv9d %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=NAME
// NAME: mpt-opt: error: --auto-mixed-precision: allow-add: 'mpt.conv9d' is not an op with a precision class
//
// The loss-scale knobs are named as options, not as the attribute's fields.
// RUN: not mpt-opt --auto-mixed-precision=growth-factor=0.5 %S/Inputs/small-mlp.mlir 2>&1 \
// RUN:   | FileCheck %s --check-prefix=GROWTH --implicit-check-not="<unknown>"
// GROWTH: mpt-opt: error: --auto-mixed-precision: growth-factor must be > 1, found 0.5{{$}}
//
// RUN: not mpt-opt --mpt-auto-mixed-precision="init-scale=0.5 min-scale=1" %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=INIT
// INIT: mpt-opt: error: --mpt-auto-mixed-precision: init-scale must be within [min-scale, max-scale] for a dynamic scale, found 0.5
//
// RUN: not mpt-opt --auto-mixed-precision=hysteresis=0 %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=HYST
// HYST: mpt-opt: error: --auto-mixed-precision: hysteresis must be in [1, 2147483647], found 0
//
// RUN: not mpt-opt --auto-mixed-precision=loss-scale=static:1e39 %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=STATIC-F32
// STATIC-F32: mpt-opt: error: --auto-mixed-precision: loss-scale=static:<value> must be at most the largest f32 (3.402823e+38), found 1e+39
//
// RUN: not mpt-opt --auto-mixed-precision=max-scale=inf %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=FINITE
// FINITE: mpt-opt: error: --auto-mixed-precision: max-scale must be finite, found inf
//
// An op whose precision is fixed (mpt.mse_loss returns f32 by definition)
// cannot be listed in any class: the option is rejected before any IR is
// rewritten, naming the op.
// RUN: not mpt-opt --auto-mixed-precision=allow-add=mpt.mse_loss %S/Inputs/small-mlp.mlir 2>&1 \
// RUN:   | FileCheck %s --check-prefix=FIXED --implicit-check-not=error
// FIXED: mpt-opt: error: --auto-mixed-precision: allow-add: 'mpt.mse_loss' has a fixed precision (its result type does not follow its operands), so no class option applies to it
//
// RUN: not mpt-opt --mpt-auto-mixed-precision=deny-remove=mse_loss %S/Inputs/small-mlp.mlir 2>&1 | FileCheck %s --check-prefix=FIXED-REMOVE
// FIXED-REMOVE: mpt-opt: error: --mpt-auto-mixed-precision: deny-remove: 'mpt.mse_loss' has a fixed precision
//
// Options are checked even when the module has no training step.
// RUN: not mpt-opt --mpt-auto-mixed-precision=clear-add=mpt.mse_loss %S/../empty-module.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: mpt-opt: error: --mpt-auto-mixed-precision: clear-add: 'mpt.mse_loss' has a fixed precision
