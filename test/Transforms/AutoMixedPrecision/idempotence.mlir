// Running the pass twice gives identical IR, on the examples and on a step
// that was left unchanged; so does running the --auto-mixed-precision
// pipeline twice.
//
// RUN: mpt-opt --auto-mixed-precision %mpt_src_root/examples/mlp.mlir -o %t.once.mlir
// RUN: mpt-opt --auto-mixed-precision %t.once.mlir -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir
//
// RUN: mpt-opt --mpt-auto-mixed-precision %mpt_src_root/examples/transformer_block.mlir -o %t.step.once.mlir
// RUN: mpt-opt --mpt-auto-mixed-precision %t.step.once.mlir -o %t.step.twice.mlir
// RUN: diff %t.step.once.mlir %t.step.twice.mlir
//
// RUN: mpt-opt --mpt-auto-mixed-precision=compute-type=bf16 %S/Inputs/small-mlp.mlir -o %t.bf16.once.mlir
// RUN: mpt-opt --mpt-auto-mixed-precision=compute-type=bf16 %t.bf16.once.mlir -o %t.bf16.twice.mlir
// RUN: diff %t.bf16.once.mlir %t.bf16.twice.mlir
//
// RUN: mpt-opt --mpt-auto-mixed-precision=allow-remove=mpt.linear %S/Inputs/small-mlp.mlir -o %t.same.mlir
// RUN: mpt-opt %S/Inputs/small-mlp.mlir -o %t.parsed.mlir
// RUN: diff %t.same.mlir %t.parsed.mlir
//
// The first runs did change the steps (so the diffs above compare real work).
// RUN: not diff %t.once.mlir %mpt_src_root/examples/mlp.mlir > /dev/null
// RUN: mpt-opt %mpt_src_root/examples/transformer_block.mlir -o %t.step.parsed.mlir
// RUN: not diff %t.step.once.mlir %t.step.parsed.mlir > /dev/null
// RUN: not diff %t.bf16.once.mlir %t.parsed.mlir > /dev/null
