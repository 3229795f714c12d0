#!/usr/bin/env python3
"""Scaling study of the benchmark MLP: mpt-run against PyTorch (run by
bench/cpu/scaling.sh). Two sweeps: hidden width at batch 256, and batch at
width 1024 (input 256, output 1). Every point runs mpt-run and PyTorch
alternately `--reps` times and keeps the medians; writes OUT.md (a table)
and OUT.png (ratio and steps/s against the swept size)."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the side-by-side runners of run.py)

ROOT = run.ROOT
SWEEPS = {
    "hidden": {"values": [256, 512, 1024, 2048, 4096], "fixed": {"batch": 256}},
    "batch": {"values": [32, 64, 128, 256, 512, 1024, 2048], "fixed": {"hidden": 1024}},
}


def steps_for(hidden, batch):
    # About the same time per point: fewer steps where a step is longer.
    work = hidden * hidden * batch
    return max(5, min(60, int(60 * (1024 * 1024 * 256) / work)))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--mpt-run", default=os.path.join(ROOT, "build", "bin", "mpt-run"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "cpu-scaling"))
    args = parser.parse_args()
    precisions = args.precisions.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for sweep, spec in SWEEPS.items():
            for value in spec["values"]:
                size = dict(spec["fixed"], **{sweep: value})
                model_args = ["mlp", "--hidden", str(size["hidden"]), "--batch", str(size["batch"])]
                model = run.generate(model_args, directory, f"mlp-{sweep}-{value}")
                steps = steps_for(size["hidden"], size["batch"])
                data = run.fixed_batch(model, directory)
                for precision in precisions:
                    mpt, torch_rates, ratios = [], [], []
                    for _ in range(args.reps):
                        m, _ = run.run_mpt(args.mpt_run, model, precision, args.threads, steps, data)
                        t = run.run_torch(model_args, precision, args.threads, steps)
                        mpt.append(m)
                        torch_rates.append(t)
                        ratios.append(m / t)
                    row = {"sweep": sweep, "hidden": size["hidden"], "batch": size["batch"],
                           "precision": precision, "mpt": statistics.median(mpt),
                           "torch": statistics.median(torch_rates),
                           "ratio": statistics.median(ratios),
                           "ratio_min": min(ratios), "ratio_max": max(ratios)}
                    rows.append(row)
                    print(f"{sweep:<6} hidden {row['hidden']:>4} batch {row['batch']:>4} "
                          f"{precision:<5} mpt {row['mpt']:8.1f} torch {row['torch']:8.1f} "
                          f"ratio {row['ratio']:.2f} ({row['ratio_min']:.2f}-{row['ratio_max']:.2f})",
                          flush=True)

    cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"],
                         capture_output=True, text=True).stdout.strip()
    with open(args.out + ".md", "w") as out:
        out.write(f"Benchmark MLP (input 256, two hidden layers, output 1, SGD), "
                  f"{cpu}, {args.threads} thread(s), medians of {args.reps} interleaved "
                  f"repetitions (bench/cpu/scaling.sh).\n\n")
        out.write("| sweep | hidden | batch | precision | mpt steps/s | PyTorch steps/s "
                  "| ratio (min-max) |\n| --- | ---: | ---: | --- | ---: | ---: | ---: |\n")
        for r in rows:
            out.write(f"| {r['sweep']} | {r['hidden']} | {r['batch']} | {r['precision']} | "
                      f"{r['mpt']:.1f} | {r['torch']:.1f} | {r['ratio']:.2f} "
                      f"({r['ratio_min']:.2f}-{r['ratio_max']:.2f}) |\n")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    for column, sweep in enumerate(SWEEPS):
        for precision in precisions:
            points = [r for r in rows if r["sweep"] == sweep and r["precision"] == precision]
            x = [r[sweep] for r in points]
            axes[0][column].plot(x, [r["ratio"] for r in points], "o-", label=precision)
            axes[1][column].plot(x, [r["mpt"] for r in points], "o-", label=f"mpt {precision}")
            axes[1][column].plot(x, [r["torch"] for r in points], "x--",
                                 label=f"PyTorch {precision}")
        axes[0][column].axhline(1.0, color="gray", linewidth=0.8)
        axes[0][column].set_ylabel("mpt / PyTorch")
        axes[1][column].set_ylabel("steps/s")
        axes[1][column].set_yscale("log")
        for row in axes:
            row[column].set_xscale("log", base=2)
            row[column].set_xlabel(sweep + (" (batch 256)" if sweep == "hidden" else " (hidden 1024)"))
            row[column].legend(fontsize=8)
            row[column].grid(True, alpha=0.3)
    figure.suptitle(f"Benchmark MLP on {cpu}, {args.threads} thread(s)")
    figure.tight_layout()
    figure.savefig(args.out + ".png", dpi=90)
    print(f"wrote {args.out}.md and {args.out}.png")


if __name__ == "__main__":
    main()
