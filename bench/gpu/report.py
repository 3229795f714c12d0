"""Checks and tabulates the GPU benchmark's results.

  report.py trajectory CPU.csv GPU.csv --rtol R [--same C,...]
  report.py table RESULTS_DIR [--gemm-flops MODEL=FLOPS ...]

`trajectory` compares the per-step losses (CSV: step,loss,...) of the same
training run on the CPU and on the GPU, and fails when one step's losses
differ by more than R relative to the CPU's (the devices sum in different
orders, and mixed precision rounds at different places), when a step's
loss is NaN on one device only, or when a column of `--same` (skipped,
loss_scale) differs at any step. `table` prints, per model, the step
time, step memory and GEMM throughput from the summaries (JSON) that MPT's
trainers (--summary) and torch_gpu.py write, one row per MPT run. The step
time is the mean over the timed steps, from the throughput: MPT's trainers
enqueue the steps that print nothing without waiting for them, so the time
of one call is not the time of a step.
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


PRECISIONS = ("fp32", "f16", "bf16")


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as file:
        return json.load(file)


def step_ms(summary):
    """The mean time of a timed step, from the throughput."""
    if not summary or not summary.get("samples_per_second"):
        return None
    return 1e3 * summary["batch_size"] / summary["samples_per_second"]


def text(value, fmt):
    return "-" if value is None else fmt.format(value)


def ratio(a, b):
    return a / b if a is not None and b else None


def table(args):
    """One table per model folder of RESULTS_DIR: every MPT run
    (mpt-VARIANT.json, VARIANT = PRECISION[-how]) against PyTorch at its
    precision (pytorch-PRECISION.json) and against MPT fp32 (mpt-fp32.json):
    speed, step memory, and the TFLOP/s of the step's matrix products
    (--gemm-flops MODEL=FLOPS per step) against the peak in peak.json."""
    flops = dict(item.split("=") for item in args.gemm_flops)
    peak = load(os.path.join(args.results, "peak.json"))
    if peak:
        print(f"bf16 matrix product peak: {peak['tflops']:.0f} TFLOP/s "
              f"({peak['device']}, torch {peak['torch']})")
    mib = 1024.0 * 1024.0
    for model in sorted(os.listdir(args.results)):
        folder = os.path.join(args.results, model)
        if not os.path.isdir(folder):
            continue
        variants = sorted(
            (name[len("mpt-"):-len(".json")] for name in os.listdir(folder)
             if name.startswith("mpt-") and name.endswith(".json")),
            key=lambda v: (PRECISIONS.index(v.split("-")[0])
                           if v.split("-")[0] in PRECISIONS else 9, v))
        fp32 = load(os.path.join(folder, "mpt-fp32.json"))
        header = (f"{'MPT run':<16}{'MPT ms':>9}{'PyTorch ms':>12}"
                  f"{'vs PyTorch':>11}{'vs fp32':>9}{'step MiB':>10}"
                  f"{'vs fp32':>9}{'PyTorch MiB':>13}{'GEMM TFLOP/s':>14}"
                  f"{'of peak':>9}")
        print(f"\n== {model}")
        print(header)
        print("-" * len(header))
        for variant in variants:
            mpt = load(os.path.join(folder, f"mpt-{variant}.json"))
            torch = load(os.path.join(
                folder, f"pytorch-{variant.split('-')[0]}.json"))
            mpt_ms, torch_ms = step_ms(mpt), step_ms(torch)
            memory = mpt.get("peak_device_step_bytes")
            fp32_memory = fp32.get("peak_device_step_bytes") if fp32 else None
            torch_memory = torch.get("peak_device_step_bytes") if torch else None
            tflops = (float(flops[model]) / (mpt_ms * 1e-3) / 1e12
                      if model in flops and mpt_ms else None)
            print(f"{variant:<16}{text(mpt_ms, '{:.2f}'):>9}"
                  f"{text(torch_ms, '{:.2f}'):>12}"
                  f"{text(ratio(torch_ms, mpt_ms), '{:.2f}x'):>11}"
                  f"{text(ratio(step_ms(fp32), mpt_ms), '{:.2f}x'):>9}"
                  f"{text(memory and memory / mib, '{:.0f}'):>10}"
                  f"{text(ratio(memory, fp32_memory), '{:.0%}'):>9}"
                  f"{text(torch_memory and torch_memory / mib, '{:.0f}'):>13}"
                  f"{text(tflops, '{:.0f}'):>14}"
                  f"{text(ratio(tflops, peak and peak['tflops']), '{:.0%}'):>9}")
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
    tab.add_argument("--gemm-flops", action="append", default=[],
                     metavar="MODEL=FLOPS",
                     help="the flops of the matrix products of one step")
    args = parser.parse_args()
    return trajectory(args) if args.command == "trajectory" else table(args)


if __name__ == "__main__":
    sys.exit(main())
