#!/usr/bin/python3
"""Plots mpt-run metrics CSVs into one PNG.

    plot-metrics.py OUT.png RUN.csv [RUN.csv ...] [--labels=a,b,...]

Each CSV is one run (one precision, one seed, ...), labelled by its file
name unless --labels names them. The figure has one panel per column that
any run has, among: loss (log scale), loss_scale (log scale), the
validation columns (every column whose name starts with "val"), and the
fraction of zero gradients; each run is one line in every panel it has data
for. Any CSV that mpt-run --metrics writes plots: columns the figure does not
know are ignored, and a panel is drawn only when a run has the column.
"""

import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# (column, y label, log scale), in panel order; validation columns follow.
KNOWN_PANELS = [
    ("loss", "training loss", True),
    ("loss_scale", "loss scale", True),
]
TRAILING_PANELS = [("zero_grad_fraction", "zero gradient fraction", False)]


def read_run(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "step" not in reader.fieldnames:
            sys.exit(f"{path}: not an mpt-run metrics CSV (no 'step' column)")
        columns = {name: [] for name in reader.fieldnames}
        for line, row in enumerate(reader, 2):
            for name in reader.fieldnames:
                value = row.get(name)
                try:
                    columns[name].append(float(value) if value not in (None, "") else None)
                except ValueError:
                    sys.exit(f"{path}:{line}: column '{name}' holds '{value}', not a number")
        return columns


def panels_for(runs):
    names = set()
    for columns in runs.values():
        names.update(columns)
    panels = [panel for panel in KNOWN_PANELS if panel[0] in names]
    validation = sorted(name for name in names if name.startswith("val"))
    panels += [(name, name.replace("_", " "), "loss" in name) for name in validation]
    panels += [panel for panel in TRAILING_PANELS if panel[0] in names]
    return panels


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--labels", help="comma-separated run labels, one per CSV")
    args = parser.parse_args()
    labels = args.labels.split(",") if args.labels else [
        os.path.splitext(os.path.basename(path))[0] for path in args.csv
    ]
    if len(labels) != len(args.csv):
        parser.error(f"--labels names {len(labels)} runs, but {len(args.csv)} CSVs are given")
    runs = {label: read_run(path) for label, path in zip(labels, args.csv)}
    panels = panels_for(runs)
    figure, axes = plt.subplots(len(panels), 1, figsize=(8, 2.6 * len(panels)), sharex=True,
                                squeeze=False)
    for axis, (column, title, log) in zip(axes[:, 0], panels):
        for label, columns in runs.items():
            points = [(s, v) for s, v in zip(columns["step"], columns.get(column, []))
                      if v is not None and s is not None]
            if points:
                axis.plot(*zip(*points), label=label, linewidth=1.2)
        axis.set_ylabel(title)
        if log and all(v is None or v > 0 for c in runs.values() for v in c.get(column, [])):
            axis.set_yscale("log")
        axis.grid(True, alpha=0.3)
    axes[0, 0].legend()
    axes[-1, 0].set_xlabel("step")
    figure.tight_layout()
    figure.savefig(args.output, dpi=120)


if __name__ == "__main__":
    main()
