"""Compares two runs: per-step metrics and saved tensors.

  compare.py --metrics A.csv B.csv [--tolerance R] [--exact COLUMN,...]
             [--close COLUMN,...]
  compare.py --tensors A.safetensors B.safetensors [--tolerance R]

Losses (and tensors) agree when |a - b| <= R * max(|b|) (per step for the
loss, per tensor for the tensors); --exact columns must be equal; --close
columns agree as the loss does where a row has them, and are empty in the
same rows (val_loss: validation runs after some steps only). Prints the
largest differences; exits 1 when a pair does not agree.
"""

import argparse
import csv
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).astype(np.float64)
    return tensors


def compare_metrics(a_path, b_path, tolerance, exact, close=()):
    with open(a_path) as a, open(b_path) as b:
        rows_a, rows_b = list(csv.DictReader(a)), list(csv.DictReader(b))
    if len(rows_a) != len(rows_b):
        print(f"{len(rows_a)} steps against {len(rows_b)}")
        return False
    worst, worst_step, ok = 0.0, None, True
    for row_a, row_b in zip(rows_a, rows_b):
        for column in exact:
            if row_a[column] != row_b[column]:
                print(f"step {row_a['step']}: {column} {row_a[column]} != {row_b[column]}")
                ok = False
        for column in ["loss"] + list(close):
            if row_a[column] == "" or row_b[column] == "":
                if row_a[column] != row_b[column]:
                    print(f"step {row_a['step']}: {column} '{row_a[column]}' against '{row_b[column]}'")
                    ok = False
                continue
            la, lb = float(row_a[column]), float(row_b[column])
            if np.isnan(la) and np.isnan(lb):
                continue
            # A NaN on one side only is an infinite difference.
            rel = abs(la - lb) / max(abs(lb), 1e-30)
            if np.isnan(rel) or rel > worst:
                worst = float("inf") if np.isnan(rel) else rel
                worst_step = f"{row_a['step']}, {column}"
    print(f"{len(rows_a)} steps, largest relative loss difference {worst:.3g} (step {worst_step})")
    return ok and worst <= tolerance


def compare_tensors(a_path, b_path, tolerance):
    a, b = read_safetensors(a_path), read_safetensors(b_path)
    if sorted(a) != sorted(b):
        print(f"tensors {sorted(a)} against {sorted(b)}")
        return False
    ok = True
    for name in sorted(a):
        scale = max(float(np.max(np.abs(b[name]))), 1e-30)
        rel = float(np.max(np.abs(a[name] - b[name]))) / scale
        print(f"{name}: largest difference {rel:.3g} of its largest element")
        ok = ok and rel <= tolerance
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--metrics", nargs=2)
    parser.add_argument("--tensors", nargs=2)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--exact", default="")
    parser.add_argument("--close", default="")
    args = parser.parse_args()
    exact = [c for c in args.exact.split(",") if c]
    ok = True
    if args.metrics:
        close = [c for c in args.close.split(",") if c]
        ok = compare_metrics(*args.metrics, args.tolerance, exact, close) and ok
    if args.tensors:
        ok = compare_tensors(*args.tensors, args.tolerance) and ok
    print("agree" if ok else "DIFFER")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
