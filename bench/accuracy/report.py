#!/usr/bin/python3
"""The tables of bench/accuracy/run.sh, from the summaries of its runs.

    report.py OUTDIR

Reads OUTDIR/MODEL/PRECISION-sSEED.json (mpt-run --summary with
--validate) and prints, as Markdown, the digits CNN's test accuracy and the
diabetes MLP's test MSE per precision and seed, their means, and the
differences from fp32 against the targets of the benchmark.
"""

import glob
import json
import os
import re
import statistics
import sys

PRECISIONS = ["fp32", "f16", "bf16"]


def read(outdir, model):
    runs = {}
    for path in glob.glob(os.path.join(outdir, model, "*-s*.json")):
        match = re.fullmatch(r"(\w+)-s(\d+)\.json", os.path.basename(path))
        summary = json.load(open(path))
        runs.setdefault(match.group(1), {})[int(match.group(2))] = summary
    return runs


def table(runs, key, scale, unit, target, relative):
    seeds = sorted(runs["fp32"])
    lines = [
        "| precision | " + " | ".join(f"seed {s}" for s in seeds) + f" | mean | vs fp32 | target |",
        "| --- |" + " --- |" * (len(seeds) + 3),
    ]
    reference = statistics.mean(runs["fp32"][s][key] for s in seeds)
    verdicts = []
    for precision in PRECISIONS:
        values = [runs[precision][s][key] * scale for s in seeds]
        mean = statistics.mean(values)
        if precision == "fp32":
            difference, goal = "", ""
        elif relative:
            change = (mean / (reference * scale) - 1) * 100
            ok = abs(change) <= target
            difference = f"{change:+.2f}%"
            goal = f"within {target:g}%: {'met' if ok else 'missed'}"
            verdicts.append(ok)
        else:
            change = mean - reference * scale + 0.0
            ok = abs(change) <= target
            difference = f"{change:+.2f} points"
            goal = f"within {target:g} points: {'met' if ok else 'missed'}"
            verdicts.append(ok)
        cells = " | ".join(f"{v:.{4 if relative else 2}f}{unit}" for v in values)
        lines.append(f"| {precision} | {cells} | {mean:.{4 if relative else 2}f}{unit} | {difference} | {goal} |")
    return "\n".join(lines), reference, all(verdicts)


def main():
    outdir = sys.argv[1]
    cnn = read(outdir, "digits-cnn")
    mlp = read(outdir, "diabetes-mlp")
    text, fp32_accuracy, cnn_ok = table(cnn, "val_accuracy", 100, "%", 0.3, relative=False)
    print("Digits CNN, test accuracy (359 held-out images):\n")
    print(text)
    print(f"\nfp32 mean {fp32_accuracy * 100:.2f}%: target >= 95%: {'met' if fp32_accuracy >= 0.95 else 'missed'}\n")
    text, _, mlp_ok = table(mlp, "val_loss", 1, "", 1.0, relative=True)
    print("Diabetes MLP, test MSE (88 held-out patients, standardised target):\n")
    print(text)


if __name__ == "__main__":
    main()
