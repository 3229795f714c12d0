// Every pass and pipeline of lib/Transforms runs on a module without a
// training step: the dialects it creates are loaded as its dependents, not
// borrowed from the input.
//
// RUN: mpt-opt --auto-mixed-precision %s | FileCheck %s
// RUN: mpt-opt --mpt-auto-mixed-precision %s | FileCheck %s
// RUN: mpt-opt --mpt-auto-mixed-precision=loss-scale=static:8 %s | FileCheck %s
// RUN: mpt-opt --mpt-expand-train-step %s | FileCheck %s
// RUN: mpt-opt --mpt-differentiate %s | FileCheck %s
// RUN: mpt-opt --mpt-gradient-function=promote-f64 %s | FileCheck %s

// CHECK:      module {
// CHECK-NEXT: }
module {}
