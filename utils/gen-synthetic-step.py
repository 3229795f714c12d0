#!/usr/bin/env python3
"""Writes a large synthetic mpt.train_step for compile-time benchmarks.

The step is a chain of residual blocks over 8x8 tensors that exercises every
precision class: matmul (allow), add/tanh (infer), relu/transpose (clear) and,
every few blocks, exp/log (deny), so the painting, taint and cast logic all
do real work. Each block adds about ten ops; `--ops` sets the target count.
"""

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=100000,
                        help="approximate number of forward ops")
    parser.add_argument("--params", type=int, default=64,
                        help="number of weight/bias parameter pairs")
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()
    if args.ops < 10 or args.params < 1:
        parser.error("--ops must be >= 10 and --params >= 1")

    t = "tensor<8x8xf32>"
    b = "tensor<8xf32>"
    lines = []
    params = ", ".join(f"%w{i}: {t}, %b{i}: {b}" for i in range(args.params))
    lines.append(f"mpt.train_step @synthetic params({params})")
    lines.append(f"    batch(%x: {t}, %y: {t})")
    lines.append("    optimizer(#mpt.sgd<lr = 1.000000e-02>) {")
    value = "%x"
    count = 0
    block = 0
    while count < args.ops:
        p = block % args.params
        v = f"%v{block}"
        ops = [
            f"{v}_0 = mpt.matmul {value}, %w{p} : {t}, {t} -> {t}",
            f"{v}_1 = mpt.add {v}_0, %b{p} : {t}, {b}",
            f"{v}_2 = mpt.relu {v}_1 : {t}",
            f"{v}_3 = mpt.transpose {v}_2 {{permutation = array<i64: 1, 0>}} : {t} -> {t}",
            f"{v}_4 = mpt.tanh {v}_3 : {t}",
        ]
        if block % 4 == 3:
            ops += [
                f"{v}_5 = mpt.exp {v}_4 : {t}",
                f"{v}_6 = mpt.tanh {v}_5 : {t}",
                f"{v}_7 = mpt.log {v}_6 : {t}",
                f"{v}_8 = mpt.relu {v}_7 : {t}",
            ]
            last = f"{v}_8"
        else:
            ops += [
                f"{v}_5 = mpt.matmul {v}_4, %w{p} : {t}, {t} -> {t}",
                f"{v}_6 = mpt.sigmoid {v}_5 : {t}",
                f"{v}_7 = mpt.mul {v}_6, {v}_4 : {t}, {t}",
            ]
            last = f"{v}_7"
        ops.append(f"{v}_r = mpt.add {last}, {value} : {t}, {t}")
        lines += ["  " + op for op in ops]
        count += len(ops)
        value = f"{v}_r"
        block += 1
    lines.append(f"  %l = mpt.mse_loss {value}, %y : {t}, {t}")
    lines.append("  mpt.loss %l")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
