#!/usr/bin/env python3
"""Cold compile time of mpt-run on deep MLPs and the transformer block.

Each model is a stack of DEPTH `mpt.linear` (width 256) + `mpt.tanh` layers,
batch 64, trained in f16 for two steps. For every model it measures

  * mpt-run cold, the whole run (almost all of it compilation) with an
    empty compile cache, which it fills;
  * mpt-run warm, the same run again, which loads the compiled step from
    the cache;
  * the MLIR passes alone: mpt-opt from the model to the LLVM dialect, the
    pipeline mpt-run runs (`--auto-mixed-precision`, `--mpt-differentiate`,
    `--mpt-lower-to-llvm{threads=1}`);

as wall time, CPU time (user + sys, which means something on a loaded
machine) and peak resident memory, the best of --runs runs. It prints a
table and the ratio of 48 to 12 layers (linear scaling: 4), writes the
table as CSV and plots it (PNG) when matplotlib is there.

  bench/compile-time.py --build build --out out [--depths 6,12,24,48,96] [--runs 1]
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDTH = 256
BATCH = 64


def deep_mlp(depth):
    """A regression step through `depth` linear + tanh layers."""
    act = f"tensor<{BATCH}x{WIDTH}xf32>"
    weight = f"tensor<{WIDTH}x{WIDTH}xf32>"
    bias = f"tensor<{WIDTH}xf32>"
    params = ", ".join(f"%w{i}: {weight}, %b{i}: {bias}" for i in range(depth))
    lines = [
        f"mpt.train_step @deep_mlp params({params})",
        f"    batch(%x: {act}, %y: {act})",
        "    optimizer(#mpt.sgd<lr = 1.000000e-02>) {",
    ]
    value = "%x"
    for i in range(depth):
        lines.append(f"  %h{i} = mpt.linear {value}, %w{i}, %b{i} : "
                     f"{act}, {weight}, {bias} -> {act}")
        lines.append(f"  %a{i} = mpt.tanh %h{i} : {act}")
        value = f"%a{i}"
    lines += [f"  %l = mpt.mse_loss {value}, %y : {act}, {act}",
              "  mpt.loss %l", "}"]
    return "\n".join(lines) + "\n"


def measure(cmd, env=None):
    """Wall seconds, CPU seconds (user + sys) and peak RSS (MiB) of `cmd`."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    errors = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"compile-time: {' '.join(cmd)} failed:\n{errors}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best(results):
    return tuple(min(r[i] for r in results) for i in range(3))


def cold_and_warm(cmd, cache, runs):
    """The best cold run (empty cache) and the best warm one (a hit)."""
    env = dict(os.environ, MPT_CACHE_DIR=cache)
    cold, warm = [], []
    for _ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(measure(cmd, env))
        warm.append(measure(cmd, env))
    return best(cold), best(warm)


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"compile-time: no matplotlib, {path} not written")
        return
    deep = [r for r in rows if r["model"].startswith("mlp-")]
    depths = [r["depth"] for r in deep]
    fig, (time_ax, rss_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, style in [("run_cpu", "mpt-run cold, CPU time", "o-"),
                              ("run_wall", "mpt-run cold, wall time", "o--"),
                              ("opt_cpu", "MLIR passes, CPU time", "s-"),
                              ("warm_wall", "mpt-run warm, wall time", "^--")]:
        time_ax.plot(depths, [r[key] for r in deep], style, label=label)
    time_ax.set_xlabel("layers (linear 256 + tanh, batch 64, f16)")
    time_ax.set_ylabel("seconds")
    time_ax.set_title("Compile time (cold) and a cached run (warm)")
    time_ax.set_xscale("log", base=2)
    time_ax.set_yscale("log", base=2)
    time_ax.set_xticks(depths, [str(d) for d in depths])
    time_ax.grid(True, which="both", alpha=0.3)
    time_ax.legend()
    rss_ax.plot(depths, [r["run_rss"] for r in deep], "o-", label="mpt-run")
    rss_ax.plot(depths, [r["opt_rss"] for r in deep], "s-",
                label="MLIR passes")
    rss_ax.set_xlabel("layers")
    rss_ax.set_ylabel("MiB")
    rss_ax.set_title("Peak resident memory")
    rss_ax.set_xscale("log", base=2)
    rss_ax.set_xticks(depths, [str(d) for d in depths])
    rss_ax.grid(True, alpha=0.3)
    rss_ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", default="compile-time")
    parser.add_argument("--depths", default="6,12,24,48,96")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs per measurement; the best is kept")
    args = parser.parse_args()
    mpt_run = os.path.join(args.build, "bin", "mpt-run")
    mpt_opt = os.path.join(args.build, "bin", "mpt-opt")
    os.makedirs(args.out, exist_ok=True)

    models = [(f"mlp-{d}", int(d), None) for d in args.depths.split(",")]
    models.append(("transformer", None,
                   os.path.join(ROOT, "examples", "transformer_block.mlir")))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, depth, path in models:
            run_flags = ["--steps=2", "--print-every=0", "--precision=f16"]
            if path is None:
                path = os.path.join(tmp, f"{name}.mlir")
                with open(path, "w") as f:
                    f.write(deep_mlp(depth))
            else:
                run_flags.append("--scalar=inv_sqrt_head_dim=0.35355339")
            run, warm = cold_and_warm([mpt_run, path, *run_flags],
                                      os.path.join(tmp, "cache"), args.runs)
            opt = best([measure([mpt_opt, path,
                                 "--auto-mixed-precision=compute-type=f16",
                                 "--mpt-differentiate",
                                 "--mpt-lower-to-llvm=threads=1", "-o",
                                 os.devnull]) for _ in range(args.runs)])
            rows.append({"model": name, "depth": depth,
                         "run_wall": run[0], "run_cpu": run[1],
                         "run_rss": run[2], "warm_wall": warm[0],
                         "warm_cpu": warm[1], "opt_wall": opt[0],
                         "opt_cpu": opt[1], "opt_rss": opt[2]})
            print(f"  {name}: mpt-run cold {run[0]:.2f} s wall, "
                  f"{run[1]:.2f} s CPU; warm {warm[0]:.2f} s wall",
                  file=sys.stderr)

    header = ("| model | cold wall | cold CPU | warm wall | warm CPU "
              "| MLIR passes wall | MLIR passes CPU | cold peak RSS "
              "| cold CPU s per layer |")
    print(header)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        per_layer = f"{r['run_cpu'] / r['depth']:.3f}" if r["depth"] else ""
        print(f"| {r['model']} | {r['run_wall']:.2f} s | {r['run_cpu']:.2f} s "
              f"| {r['warm_wall']:.2f} s | {r['warm_cpu']:.2f} s "
              f"| {r['opt_wall']:.2f} s | {r['opt_cpu']:.2f} s "
              f"| {r['run_rss']:.0f} MiB | {per_layer} |")
    by_depth = {r["depth"]: r for r in rows if r["depth"]}
    if 12 in by_depth and 48 in by_depth:
        deep, shallow = by_depth[48], by_depth[12]
        print(f"48 / 12 layers, cold: {deep['run_cpu'] / shallow['run_cpu']:.2f}x "
              f"CPU time, {deep['run_wall'] / shallow['run_wall']:.2f}x wall; "
              f"per added layer {(deep['run_cpu'] - shallow['run_cpu']) / 36:.3f} s CPU")
    with open(os.path.join(args.out, "compile-time.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, os.path.join(args.out, "compile-time.png"))


if __name__ == "__main__":
    main()
