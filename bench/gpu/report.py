"""Checks and tabulates the GPU benchmark's results.

  report.py trajectory CPU.csv GPU.csv --rtol R [--same C,...]
  report.py table RESULTS_DIR                     # MPT vs PyTorch

`trajectory` compares the per-step losses (CSV: step,loss,...) of the same
training run on the CPU and on the GPU, and fails when one step's losses
differ by more than R relative to the CPU's (the devices sum in different
orders, and mixed precision rounds at different places), when a step's
loss is NaN on one device only, or when a column of `--same` (skipped,
loss_scale) differs at any step. `table` prints
step time, throughput and step memory from the summaries (JSON) that MPT's
trainers (--summary) and torch_mlp.py write, one row per precision. The
step time is the mean over the timed steps, from the throughput: MPT's
trainers enqueue the steps that print nothing without waiting for them,
so the time of one call is not the time of a step.
"""

import argparse
import csv
import json
import math
import os
import sys


def read_rows(path):
    with open(path) as file:
        return list(csv.DictReader(file))


def trajectory(args):
    cpu_rows, gpu_rows = read_rows(args.cpu), read_rows(args.gpu)
    cpu = [float(row["loss"]) for row in cpu_rows]
    gpu = [float(row["loss"]) for row in gpu_rows]
    if len(cpu) != len(gpu) or not cpu:
        print(f"trajectory: {args.cpu} has {len(cpu)} steps, "
              f"{args.gpu} has {len(gpu)}")
        return 1
    same = [column for column in args.same.split(",") if column]
    for step, (a, b) in enumerate(zip(cpu_rows, gpu_rows), start=1):
        for column in same:
            if a[column] != b[column]:
                print(f"FAIL: step {step}: {column} is {a[column]} on the CPU "
                      f"and {b[column]} on the GPU")
                return 1
    worst_step, worst = 0, 0.0
    for step, (a, b) in enumerate(zip(cpu, gpu), start=1):
        if math.isnan(a) or math.isnan(b):
            if math.isnan(a) != math.isnan(b):
                print(f"FAIL: step {step}: the loss is {a} on the CPU and "
                      f"{b} on the GPU")
                return 1
            continue
        error = abs(a - b) / max(abs(a), 1e-12)
        if error > worst:
            worst_step, worst = step, error
    verdict = "PASS" if worst <= args.rtol else "FAIL"
    where = f" (step {worst_step})" if worst_step else ""
    print(f"{verdict}: {os.path.basename(args.gpu)} follows "
          f"{os.path.basename(args.cpu)} over {len(cpu)} steps: largest "
          f"relative difference {worst:.2e}{where}, allowed "
          f"{args.rtol:.0e}; final loss {cpu[-1]:.6g} vs {gpu[-1]:.6g}")
    return 0 if verdict == "PASS" else 1


def table(args):
    rows = []
    for precision in ("fp32", "f16", "bf16"):
        row = {"precision": precision}
        for framework in ("mpt", "pytorch"):
            path = os.path.join(args.results, f"{framework}-{precision}.json")
            if os.path.exists(path):
                with open(path) as file:
                    row[framework] = json.load(file)
        rows.append(row)
    mib = 1024.0 * 1024.0
    header = (f"{'precision':<10}{'MPT ms':>10}{'PyTorch ms':>12}"
              f"{'speedup':>9}{'MPT samples/s':>15}{'MPT step MiB':>14}"
              f"{'PyTorch step MiB':>18}")
    print(header)
    print("-" * len(header))
    for row in rows:
        mpt, torch = row.get("mpt"), row.get("pytorch")

        def cell(summary, key, scale=1.0, fmt="{:.2f}"):
            if not summary or summary.get(key) is None:
                return "-"
            return fmt.format(summary[key] / scale)

        def step_ms(summary):
            if not summary or not summary.get("samples_per_second"):
                return None
            return 1e3 * summary["batch_size"] / summary["samples_per_second"]

        mpt_ms, torch_ms = step_ms(mpt), step_ms(torch)
        speedup = f"{torch_ms / mpt_ms:.2f}x" if mpt_ms and torch_ms else "-"
        mpt_text = "-" if mpt_ms is None else f"{mpt_ms:.2f}"
        torch_text = "-" if torch_ms is None else f"{torch_ms:.2f}"
        print(f"{row['precision']:<10}{mpt_text:>10}{torch_text:>12}"
              f"{speedup:>9}"
              f"{cell(mpt, 'samples_per_second', fmt='{:.0f}'):>15}"
              f"{cell(mpt, 'peak_device_step_bytes', mib, '{:.0f}'):>14}"
              f"{cell(torch, 'peak_device_step_bytes', mib, '{:.0f}'):>18}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("trajectory")
    check.add_argument("cpu")
    check.add_argument("gpu")
    check.add_argument("--rtol", type=float, required=True)
    check.add_argument("--same", default="",
                       help="columns that must be equal at every step")
    tab = commands.add_parser("table")
    tab.add_argument("results")
    args = parser.parse_args()
    return trajectory(args) if args.command == "trajectory" else table(args)


if __name__ == "__main__":
    sys.exit(main())
