"""Reads the metrics of the runs of dropout.test and prints what it checks."""
import csv
import sys


def losses(path):
    with open(path) as file:
        return [float(row["loss"]) for row in csv.DictReader(file)]


a, b, c, h, r = (losses(path) for path in sys.argv[1:6])
kept = [loss / 4 for loss in a]
mean = sum(kept) / len(kept)
sd = (0.25 / 4096) ** 0.5
print(f"kept fraction: mean {mean:.4f} within 0.01 of 0.5" if abs(mean - 0.5) < 0.01
      else f"kept fraction: mean {mean:.4f} is off")
print("every step within 5 sd:", "yes" if all(abs(k - 0.5) < 5 * sd for k in kept) else "no")
print(f"distinct losses: {len(set(a))} of {len(a)}")
print("same seed repeats:", "yes" if a == b else "no")
print("other seed differs:", "yes" if a != c else "no")
# f16 rounds x * 2 exactly: the same masks give the same losses up to the
# rounding of the loss's sum.
print("f16 draws the same masks:",
      "yes" if all(abs(x - y) < 1e-3 for x, y in zip(a, h)) else "no")
print("resumed run continues:", "yes" if r == a[100:] else "no")
