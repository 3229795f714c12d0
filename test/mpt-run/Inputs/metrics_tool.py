"""Checks on mpt-run's metrics CSV files and printed summaries.

usage:
  metrics_tool.py skipped METRICS.csv
      prints the steps whose update was skipped
  metrics_tool.py trained METRICS.csv MAX_RATIO
      "trained" if final loss <= MAX_RATIO * first loss, else "stalled"
  metrics_tool.py close A.csv B.csv TOLERANCE
      whether the final losses differ by at most TOLERANCE (relative)
  metrics_tool.py zero-grads METRICS.csv
      the mean fraction of zero gradient elements over the steps
  metrics_tool.py peak-ratio LOG_A LOG_B MAX_RATIO
      compares the "peak activations" of two mpt-run outputs
  metrics_tool.py arena-ratio A.mlir B.mlir MAX_RATIO
      compares the static arenas (the `_scratch` globals) of two steps
      lowered to the LLVM dialect
"""

import csv
import re
import sys


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main(argv):
    command = argv[1]
    if command == "skipped":
        steps = [r["step"] for r in rows(argv[2]) if r["skipped"] == "1"]
        print("skipped:", " ".join(steps) if steps else "none")
    elif command == "trained":
        losses = [float(r["loss"]) for r in rows(argv[2])]
        ratio = losses[-1] / losses[0]
        print("final/first loss %.3g: %s" %
              (ratio, "trained" if ratio <= float(argv[3]) else "stalled"))
    elif command == "close":
        a = float(rows(argv[2])[-1]["loss"])
        b = float(rows(argv[3])[-1]["loss"])
        difference = abs(a - b) / abs(b)
        tolerance = float(argv[4])
        print("final losses %.6g and %.6g differ by %.3g%%: %s %g%%" %
              (a, b, 100 * difference,
               "within" if difference <= tolerance else "NOT within",
               100 * tolerance))
    elif command == "zero-grads":
        fractions = [float(r["zero_grad_fraction"]) for r in rows(argv[2])]
        print("mean zero-grad fraction %.2f" % (sum(fractions) / len(fractions)))
    elif command == "peak-ratio":
        peaks = []
        for path in argv[2:4]:
            text = open(path).read()
            peaks.append(int(re.search(r"peak activations\s+(\d+) bytes",
                                       text).group(1)))
        ratio = peaks[0] / peaks[1]
        print("peak activations %d / %d bytes = %.2f: %s %s" %
              (peaks[0], peaks[1], ratio,
               "at most" if ratio <= float(argv[4]) else "MORE than", argv[4]))
    elif command == "arena-ratio":
        arenas = []
        for path in argv[2:4]:
            text = open(path).read()
            arenas.append(sum(int(size) for size in re.findall(
                r"llvm\.mlir\.global private @\w+_scratch\(\).*"
                r"!llvm\.array<(\d+) x i8>", text)))
        ratio = arenas[0] / arenas[1]
        print("arenas %d / %d bytes = %.2f: %s %s" %
              (arenas[0], arenas[1], ratio,
               "at most" if ratio <= float(argv[4]) else "MORE than", argv[4]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
