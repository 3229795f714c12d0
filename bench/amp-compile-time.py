#!/usr/bin/env python3
"""Compile-time cost of --auto-mixed-precision on large synthetic steps.

For each size it reports the time of the pass alone (from -mlir-timing, the
median of several runs) as a ratio to the time mpt-opt takes to parse and
print the same file, and checks that the pass scales linearly. Target: ratio
<= 1.0 at 100,000 ops.

  bench/amp-compile-time.py [--mpt-opt build/bin/mpt-opt] [--sizes 10000,100000]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wall(cmd, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pass_time(cmd, runs):
    """Median wall time of the pass itself, as reported by -mlir-timing."""
    times = []
    for _ in range(runs):
        out = subprocess.run(cmd + ["-mlir-timing"], check=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True).stderr
        match = re.search(r"^\s*([0-9.]+)\s+\(\s*[0-9.]+%\)\s+AutoMixedPrecision",
                          out, re.M)
        if not match:
            sys.exit("could not find the pass in -mlir-timing output:\n" + out)
        times.append(float(match.group(1)))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mpt-opt", default=os.path.join(ROOT, "build/bin/mpt-opt"))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    print(f"{'ops':>8} {'parse+print s':>14} {'pass s':>8} {'ratio':>6} {'pass us/op':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = os.path.join(tmp, f"step-{size}.mlir")
            subprocess.run([sys.executable, os.path.join(ROOT, "utils/gen-synthetic-step.py"),
                            "--ops", str(size), "-o", path], check=True)
            baseline = wall([args.mpt_opt, path, "-o", os.devnull], args.runs)
            amp = pass_time([args.mpt_opt, "--auto-mixed-precision", path,
                             "-o", os.devnull], args.runs)
            print(f"{size:>8} {baseline:>14.3f} {amp:>8.3f} {amp / baseline:>6.2f} "
                  f"{1e6 * amp / size:>10.2f}")


if __name__ == "__main__":
    main()
