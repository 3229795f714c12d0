#!/usr/bin/env python3
"""mpt-run against PyTorch on this CPU, side by side (run by bench/cpu/run.sh).

For each model (the benchmark MLP and a transformer block, bench/cpu/
models.py) and thread count, runs mpt-run and its PyTorch twin
(torch_models.py) alternately for every precision, several times, so that
both see the same load; reports the median steps/s of each, the spread
(min-max) and the median of the per-repetition ratios mpt/PyTorch. Both
sides train on one fixed batch of random data. Then the
activation memory of each precision relative to fp32 (mpt-run's `peak
activations`), and the GEMM efficiency: the GEMM step of models.py gemm
(two GEMMs and little else) in GFLOP/s against the peak that
bench/probe/peak.c measures.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"

MODELS = {
    # name: (models.py args, torch_models.py args, mpt-run extra flags)
    "mlp": (["mlp"], ["mlp"], []),
    "transformer": (["transformer"], ["transformer"], ["--scalar=inv_sqrt_head_dim=0.125"]),
}


def generate(model_args, directory, name):
    path = os.path.join(directory, name + ".mlir")
    with open(path, "w") as out:
        subprocess.run([PYTHON, os.path.join(HERE, "models.py")] + model_args,
                       stdout=out, check=True)
    return path


def fixed_batch(model, directory):
    """mpt-run's flags that train on one fixed batch of N(0, 1) data, as the
    PyTorch twin does: the synthetic task would draw a fresh batch (and
    compute its targets) in the runtime on every timed step, which PyTorch
    does not. Rank-0 batch inputs keep their --scalar flags."""
    with open(model) as f:
        clause = re.search(r"batch\((.*?)\)\s*$", f.read(), re.MULTILINE).group(1)
    files = []
    for name, dims in re.findall(r"%(\w+): tensor<((?:\d+x)+)f32>", clause):
        shape = tuple(int(d) for d in dims.rstrip("x").split("x"))
        path = os.path.join(directory, f"{os.path.basename(model)}.{name}.npy")
        numpy.save(path, numpy.random.default_rng(len(files)).standard_normal(
            shape, dtype=numpy.float32))
        files.append(f"{name}={path}")
    return ["--data=" + ",".join(files), "--shuffle=false"]


def run_mpt(mpt_run, model, precision, threads, steps, extra):
    with tempfile.NamedTemporaryFile(suffix=".json") as summary:
        result = subprocess.run(
            [mpt_run, model, f"--precision={precision}", f"--threads={threads}",
             f"--steps={steps + 5}", "--warmup=5", "--print-every=0",
             f"--summary={summary.name}"] + extra,
            capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"run.py: mpt-run failed on {model} ({precision}):\n{result.stderr}")
        with open(summary.name) as f:
            data = json.load(f)
    steps_per_s = data["samples_per_second"] / data["batch_size"]
    return steps_per_s, data["peak_step_bytes"]


def run_torch(torch_args, precision, threads, steps):
    """The faster of PyTorch's two thread splits: its GEMMs run on OpenBLAS
    threads and the rest on its intra-op threads, which share the budget."""
    best = None
    for intra in sorted({1, threads}):
        env = dict(os.environ, OMP_NUM_THREADS=str(intra), OPENBLAS_NUM_THREADS=str(threads))
        result = subprocess.run(
            [PYTHON, "-W", "ignore", os.path.join(HERE, "torch_models.py")] + torch_args +
            [f"--precision={precision}", f"--steps={steps}", f"--threads={intra}"],
            capture_output=True, text=True, env=env)
        if result.returncode != 0:
            sys.exit(f"run.py: torch_models.py failed:\n{result.stderr}")
        rate = json.loads(result.stdout).get("steps_per_s")
        if rate is not None and (best is None or rate > best):
            best = rate
    return best


def spread(values):
    return f"{min(values):.1f}-{max(values):.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of every pair of runs")
    parser.add_argument("--steps", type=int, default=40, help="timed steps of each MLP run")
    parser.add_argument("--models", default="mlp,transformer")
    parser.add_argument("--precisions", default="fp32,bf16,f16")
    parser.add_argument("--mpt-run", default=os.path.join(ROOT, "build", "bin", "mpt-run"))
    parser.add_argument("--peak", required=True, help="the built bench/probe/peak.c")
    parser.add_argument("--json", help="also write every measurement here")
    args = parser.parse_args()
    threads_list = [int(t) for t in args.threads.split(",")]
    precisions = args.precisions.split(",")
    report = {"rows": [], "memory": [], "gemm": []}

    with tempfile.TemporaryDirectory() as directory:
        print(f"{'model':<12} {'thr':>3} {'precision':<9} {'mpt steps/s':>18} "
              f"{'torch steps/s':>18} {'ratio (min-max)':>18}")
        for name in args.models.split(","):
            model_args, torch_args, extra = MODELS[name]
            model = generate(model_args, directory, name)
            extra = extra + fixed_batch(model, directory)
            # The transformer's steps are ~6x longer than the MLP's.
            steps = args.steps if name == "mlp" else max(args.steps // 4, 5)
            memory = {}
            for threads in threads_list:
                samples = {p: {"mpt": [], "torch": [], "ratio": []} for p in precisions}
                for _ in range(args.reps):
                    for precision in precisions:
                        mpt, peak = run_mpt(args.mpt_run, model, precision, threads, steps, extra)
                        memory[precision] = peak
                        torch_rate = run_torch(torch_args, precision, threads, steps)
                        samples[precision]["mpt"].append(mpt)
                        if torch_rate is not None:
                            samples[precision]["torch"].append(torch_rate)
                            samples[precision]["ratio"].append(mpt / torch_rate)
                for precision in precisions:
                    s = samples[precision]
                    mpt = f"{statistics.median(s['mpt']):.1f} ({spread(s['mpt'])})"
                    if s["torch"]:
                        torch_text = f"{statistics.median(s['torch']):.1f} ({spread(s['torch'])})"
                        ratio = (f"{statistics.median(s['ratio']):.2f} "
                                 f"({min(s['ratio']):.2f}-{max(s['ratio']):.2f})")
                    else:
                        torch_text, ratio = "n/a", "n/a"
                    print(f"{name:<12} {threads:>3} {precision:<9} {mpt:>18} {torch_text:>18} {ratio:>18}",
                          flush=True)
                    report["rows"].append({"model": name, "threads": threads,
                                           "precision": precision, **s})
            for precision in precisions:
                report["memory"].append({"model": name, "precision": precision,
                                         "peak_bytes": memory[precision]})

        print("\npeak activations (mpt-run), relative to fp32")
        for row in report["memory"]:
            fp32 = next(m["peak_bytes"] for m in report["memory"]
                        if m["model"] == row["model"] and m["precision"] == "fp32")
            print(f"{row['model']:<12} {row['precision']:<9} {row['peak_bytes'] / 2**20:8.2f} MiB "
                  f"{row['peak_bytes'] / fp32:6.0%}")

        # Two GEMMs of 1024 x 1024 x 1024 per step: 2 * 2 * 1024^3 flops.
        gemm = generate(["gemm"], directory, "gemm")
        flops = 2 * 2 * 1024 ** 3
        gemm_flags = fixed_batch(gemm, directory)
        print("\nGEMM efficiency: the GEMM step (models.py gemm) against the probe's peak")
        for threads in threads_list:
            peak = json.loads(subprocess.run([args.peak, "--threads", str(threads)],
                                             capture_output=True, text=True, check=True).stdout)
            for precision in precisions:
                rates = [run_mpt(args.mpt_run, gemm, precision, threads, 10, gemm_flags)[0]
                         for _ in range(args.reps)]
                gflops = statistics.median(rates) * flops / 1e9
                kernel = "dpbf16" if precision == "bf16" and peak.get("dpbf16") else "fma512"
                if precision == "bf16" and peak.get("amx-bf16"):
                    kernel = "amx-bf16"
                if not peak.get(kernel):
                    kernel = "fma256"
                fraction = gflops / peak[kernel] if peak.get(kernel) else float("nan")
                print(f"threads {threads} {precision:<5} {gflops:7.1f} GFLOP/s of {kernel} "
                      f"peak {peak.get(kernel) or float('nan'):7.1f}: {fraction:5.0%}", flush=True)
                report["gemm"].append({"threads": threads, "precision": precision,
                                       "gflops": gflops, "peak_kernel": kernel, "peak": peak})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
