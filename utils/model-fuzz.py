#!/usr/bin/python3
"""Differential model fuzzer: random PyTorch modules, trained by MPT and by PyTorch.

    model-fuzz.py SEED|FIRST-LAST ... [--steps=N] [--precisions=fp32,f16,bf16]
                  [--reproducers=DIR] [--mpt-import=PATH] [--mpt-run=PATH]

For every seed, builds a random nn.Module from the ops mpt-import supports
(docs/import.md), exports it as the README does, imports it with
mpt-import, trains it with `mpt-run --init --data --shuffle=false` in fp32
and compares every step's loss and the saved parameters with PyTorch
training the same module from the same weights on the same batches
(examples/pytorch/reference.py). f16 and bf16 runs must keep the loss
finite and near fp32's. Some seeds add one op mpt-import does not support:
then a clear mpt-import error is the expected outcome. Prints one line per
seed; a failing seed leaves a reproducer directory (its model, data,
commands and outputs) under --reproducers.
"""

import argparse
import copy
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "pytorch"))
import models  # noqa: E402
import evaluate  # noqa: E402
import reference  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_fuzz_generator import generate  # noqa: E402

# fp32 must match PyTorch to this relative difference, per step; the final
# parameters to this, relative to each tensor's largest magnitude.
LOSS_TOLERANCE = 1e-4
PARAMETER_TOLERANCE = 1e-3
# ... relative to at least this magnitude (a parameter still near its zero
# initialisation, whose few updates carry the rounding of its gradients).
PARAMETER_FLOOR = 1e-2
# f16 and bf16: the mean loss of the last steps within this of fp32's.
LOW_PRECISION_TOLERANCE = 0.05
# ... relative to at least this fraction of the first loss: a loss trained
# close to zero is below the resolution of bf16 activations.
LOW_PRECISION_FLOOR = 0.01
# ... or within this factor of how far PyTorch's own loss moves under bf16
# autocast.
ROUNDING_FACTOR = 3.0
# A case whose PyTorch loss grows beyond this multiple of the first (or
# stops being finite) diverges: its numbers are not compared.
DIVERGED = 100.0
# Losses below this fraction of the first are compared as if this large.
LOSS_FLOOR = 1e-3
# An unstable trajectory passes when MPT is within this factor of f32
# PyTorch's distance from float64 PyTorch.
UNSTABLE_FACTOR = 10.0
# f32 PyTorch this far from float64 PyTorch: a trajectory too sensitive to
# rounding for a loose f16/bf16 bound (only their finiteness is checked).
SENSITIVE = 1e-5
# Parameters whose gradients never exceed this are not compared.
INSENSITIVE_GRADIENT = 1e-5
CRASH_MARKERS = ("Assertion", "Stack dump", "LLVM ERROR", "PLEASE submit", "Segmentation")


def bf16_autocast(forward):
    def autocast_forward(*args):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return forward(*args)

    return autocast_forward


def float_loss(loss_function):
    """The loss of an output that autocast may leave in bf16, in f32 as
    mpt's mixed precision computes it."""
    return lambda output, target: loss_function(output.float(), target)


def optimizer_attribute(kind, hyper):
    fields = ", ".join(f"{name} = {value:e}" for name, value in hyper.items())
    return f"#mpt.{kind}<{fields}>"


def run(command, log):
    """Runs a command, appending it and its output to the case's log;
    returns (status, stderr)."""
    result = subprocess.run(command, capture_output=True, text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(command) + "\n" + result.stdout + result.stderr
                + f"[exit {result.returncode}]\n")
    return result.returncode, result.stderr


def crashed(status, stderr):
    return status < 0 or status > 1 or any(m in stderr for m in CRASH_MARKERS)


def model_inputs(case):
    """The model's inputs: case["x"], or each array of a tuple of them."""
    return case["x"] if isinstance(case["x"], tuple) else (case["x"],)


def input_names(case):
    return ["x"] + [f"x{i}" for i in range(1, len(model_inputs(case)))]


def mpt_train(case, tools, directory, precision, steps, log):
    """Trains the imported step with mpt-run; returns (status, stderr,
    losses)."""
    metrics = os.path.join(directory, f"{precision}.csv")
    data = [os.path.join(directory, name + ".npy") for name in input_names(case) + ["y"]]
    command = [
        tools["mpt-run"], os.path.join(directory, "model.mlir"),
        "--init=" + os.path.join(directory, "init.safetensors"),
        "--data=" + ",".join(data),
        "--shuffle=false", f"--steps={steps}", "--print-every=0", "--metrics=" + metrics,
        f"--precision={precision}",
    ]
    if precision == "fp32":
        command.append("--save=" + os.path.join(directory, "trained.safetensors"))
    status, stderr = run(command, log)
    if status != 0:
        return status, stderr, None
    return status, stderr, reference.read_losses(metrics)


def check(case, tools, directory, steps, precisions):
    """Runs one case; returns (max fp32 loss difference or None, verdict,
    details). The verdict is 'ok', 'rejected' (a clear import error for an
    unsupported op) or 'FAIL ...'."""
    log = os.path.join(directory, "log.txt")
    model = case["model"]
    initial = copy.deepcopy(model.state_dict())
    names = input_names(case)
    for name, array in zip(names, model_inputs(case)):
        np.save(os.path.join(directory, name + ".npy"), array)
    np.save(os.path.join(directory, "y.npy"), case["y"])
    sample = tuple(torch.from_numpy(array[:2]) for array in model_inputs(case))
    model.eval()
    try:
        # A case may ask for its model scripted (Python loops export as
        # ONNX Loops); PyTorch trains the module itself.
        torch.onnx.export(
            torch.jit.script(model) if case.get("script") else model, sample, os.path.join(directory, "model.onnx"), input_names=names,
            output_names=["y"], dynamic_axes={name: {0: "batch"} for name in names + ["y"]},
            opset_version=case["opset"], do_constant_folding=False,
            training=torch.onnx.TrainingMode.TRAINING, **case.get("export", {}),
        )
    except Exception as error:  # noqa: BLE001 - PyTorch's exporter, not MPT
        # (PyTorch 1.13 writes an invalid LayerNormalization for a layer norm
        # without affine parameters at opset 17.)
        return None, "not exported: " + str(error).splitlines()[0][:100], ""
    if "rewrite" in case:
        # A test's own change of the exported model (a later opset's forms).
        exported = onnx.load(os.path.join(directory, "model.onnx"))
        case["rewrite"](exported)
        onnx.save(exported, os.path.join(directory, "model.onnx"))
    model.load_state_dict(initial)
    loss_options = {"mse": ["--loss=mse"], "cross-entropy": ["--loss=cross-entropy"],
                    "probabilities": ["--loss=cross-entropy", "--target=probabilities"]}
    command = [
        tools["mpt-import"], os.path.join(directory, "model.onnx"), f"--batch={case['batch']}",
        "--optimizer=" + optimizer_attribute(case["optimizer"], case["hyper"]),
        "-o", os.path.join(directory, "model.mlir"),
        "--init=" + os.path.join(directory, "init.safetensors"),
    ] + loss_options[case["loss"]]
    # Buffers (masks, positional tables) are initializers like the weights:
    # they stay constants, as PyTorch does not train them. Batch norm's
    # running statistics are buffers the step updates, saved with the
    # parameters and compared with PyTorch's.
    initializers = {t.name: t for t in
                    onnx.load(os.path.join(directory, "model.onnx")).graph.initializer}
    running = {f"{name}.{stat}" for name, module in model.named_modules()
               if isinstance(module, torch.nn.modules.batchnorm._BatchNorm)
               for stat in ("running_mean", "running_var")}
    buffers = [name for name, _ in model.named_buffers()
               if name in initializers and name not in running]
    # The exporter traced one forward pass in training mode, which moved
    # the running statistics it exported: PyTorch starts from those too.
    # That pass also counted a batch, which ONNX does not carry: MPT's
    # num_batches_tracked starts at 0, and so does PyTorch's here.
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name in running and name in initializers:
                tensor.copy_(torch.from_numpy(
                    onnx.numpy_helper.to_array(initializers[name]).copy()))
            if name.endswith("num_batches_tracked"):
                tensor.zero_()
    if buffers:
        command.append("--frozen=" + ",".join(buffers))
    status, stderr = run(command, log)
    if crashed(status, stderr):
        return None, "FAIL crash in mpt-import", stderr
    if status != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        clear = len(lines) == 1 and lines[0].startswith("mpt-import: error:")
        if not clear:
            return None, "FAIL unclear mpt-import error", stderr
        if case["unsupported"]:
            return None, "rejected", lines[0]
        return None, "FAIL rejected a supported model", lines[0]

    status, stderr, losses = mpt_train(case, tools, directory, "fp32", steps, log)
    if status != 0:
        return None, "FAIL mpt-run fp32 " + ("crash" if crashed(status, stderr) else "error"), stderr
    data = (tuple(torch.from_numpy(array) for array in model_inputs(case)),
            torch.from_numpy(case["y"]))
    kind = "mse" if case["loss"] == "mse" else "cross-entropy"

    def torch_train(skipped=(), dtype=torch.float32, autocast=False):
        """PyTorch's losses, trained from the initial weights (the forward
        pass under bf16 autocast, when asked); the model and the largest
        gradient magnitude each parameter saw."""
        trained = copy.deepcopy(model).to(dtype)
        largest = {}
        for name, parameter in trained.named_parameters():
            largest[name] = torch.zeros(parameter.shape, dtype=torch.float64)
            parameter.register_hook(
                lambda g, name=name: largest.__setitem__(
                    name, torch.maximum(largest[name], g.detach().abs().double())))
        optimizer = reference.make_optimizer(
            trained.parameters(), case["optimizer"], **case["hyper"])
        def cast(t):
            return t.to(dtype) if t.is_floating_point() else t

        inputs = [tuple(cast(t) for t in data[0]), cast(data[1])]
        loss_function = models.loss_function(kind)
        if autocast:
            trained.forward = bf16_autocast(trained.forward)
            loss_function = float_loss(loss_function)
        losses = reference.train_module(trained, *inputs, loss_function, optimizer,
                                        case["batch"], steps, skipped)
        return losses, trained, largest

    try:
        expected, trained_model, largest_gradient = torch_train()
    except RuntimeError as error:  # PyTorch's own limits (a missing derivative)
        return None, "not trained in PyTorch: " + str(error).splitlines()[0][:100], ""
    if not all(math.isfinite(v) and abs(v) <= DIVERGED * abs(expected[0]) for v in expected):
        return None, "diverges in PyTorch: not compared", ""
    with open(os.path.join(directory, "torch.txt"), "w") as f:
        f.write("".join(f"{loss:.9g}\n" for loss in expected))
    # A loss that falls by orders of magnitude is compared relative to
    # where it started: its last digits are rounding.
    floor = LOSS_FLOOR * abs(expected[0])
    worst, worst_step = reference.max_relative_difference(losses, expected, floor)
    # Training that amplifies rounding sets f32 PyTorch itself apart from
    # exact arithmetic; then MPT passes when it is about as close to float64
    # PyTorch as f32 PyTorch is, and low precision is not compared.
    exact, exact_model, _ = torch_train(dtype=torch.float64)
    torch_error = reference.max_relative_difference(expected, exact, floor)[0]
    sensitive = torch_error > SENSITIVE
    unstable = ""
    if len(losses) == len(expected) and not worst <= LOSS_TOLERANCE:
        mpt_error = reference.max_relative_difference(losses, exact, floor)[0]
        if mpt_error <= max(LOSS_TOLERANCE, UNSTABLE_FACTOR * torch_error):
            unstable = f" (unstable: f32 PyTorch {torch_error:.1e} from f64, MPT {mpt_error:.1e})"
    if len(losses) != len(expected) or not (worst <= LOSS_TOLERANCE or unstable):
        return worst, f"FAIL fp32 loss differs at step {worst_step}", ""

    trained = {name: tensor.double().numpy() for name, tensor in evaluate.load_file(
        os.path.join(directory, "trained.safetensors")).items()}
    state, exact_state = trained_model.state_dict(), exact_model.state_dict()
    for name, value in trained.items():
        if name not in state:
            return worst, f"FAIL saved parameter '{name}' is not in the state_dict", ""
        torch_value = state[name].detach().double().numpy()
        if value.shape != torch_value.shape:
            return worst, f"FAIL parameter '{name}' has shape {value.shape}", ""
        if unstable:
            continue
        # An element the loss does not depend on (the key bias of attention,
        # which softmax cancels) has gradients of rounding noise, which Adam
        # turns into steps of lr: its values are not comparable.
        responsive = np.ones(value.shape, dtype=bool)
        if name in largest_gradient:
            responsive = largest_gradient[name].numpy() >= INSENSITIVE_GRADIENT
        # So is one whose gradient rounding decides (Adam normalises it):
        # MPT may be as far from float64 PyTorch as f32 PyTorch is.
        exact_value = exact_state[name].detach().numpy()
        rounding = UNSTABLE_FACTOR * np.abs(torch_value - exact_value)
        error = np.minimum(np.abs(value - torch_value),
                           np.maximum(np.abs(value - exact_value) - rounding, 0.0))
        scale = max(np.abs(torch_value).max(), PARAMETER_FLOOR)
        difference = np.where(responsive, error, 0.0).max() / scale
        if not difference <= PARAMETER_TOLERANCE:
            return worst, f"FAIL parameter '{name}' differs by {difference:.1e}", ""

    conditioned = ""
    for precision in precisions:
        if precision == "fp32":
            continue
        status, stderr, low = mpt_train(case, tools, directory, precision, steps, log)
        if status != 0:
            return worst, f"FAIL mpt-run {precision} " + (
                "crash" if crashed(status, stderr) else "error"), stderr
        if not all(math.isfinite(v) for v in low):
            return worst, f"FAIL {precision} loss not finite", ""
        if sensitive:
            continue
        # Against fp32 PyTorch that skips the steps the loss scale skipped.
        skipped = reference.read_skipped_steps(os.path.join(directory, f"{precision}.csv"))
        same_skips = torch_train(skipped)[0] if skipped else expected
        scale = max(abs(np.mean(same_skips[-5:])), LOW_PRECISION_FLOOR * abs(same_skips[0]))

        def drift(trajectory):
            return abs(np.mean(trajectory[-5:]) - np.mean(same_skips[-5:])) / scale

        if not drift(low) <= LOW_PRECISION_TOLERANCE:
            # An ill-conditioned model (a layer norm over two features)
            # amplifies any rounding: judge it by how far PyTorch's own bf16
            # autocast moves from fp32 (CPU autocast has no f16; f16 rounds
            # finer).
            autocast = torch_train(skipped, autocast=True)[0]
            if not drift(low) <= ROUNDING_FACTOR * drift(autocast):
                return worst, (f"FAIL {precision} loss {drift(low):.1%} from fp32 (PyTorch "
                               f"under bf16 autocast: {drift(autocast):.1%})"), ""
            conditioned = (f" (ill-conditioned: {precision} {drift(low):.1%} from fp32, "
                           f"PyTorch bf16 autocast {drift(autocast):.1%})")
    return worst, "ok" + unstable + conditioned + (
        " (sensitive: low precision only finite)" if sensitive and not unstable else ""), ""


def save_reproducer(case, directory, reproducers, verdict, details):
    target = os.path.join(reproducers, f"seed-{case['seed']}")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(directory, target)
    with open(os.path.join(target, "README.txt"), "w") as f:
        f.write(
            f"seed {case['seed']}: {verdict}\n{details}\n"
            f"architecture: {' '.join(case['parts'])}\n"
            f"batch {case['batch']}, loss {case['loss']}, opset {case['opset']}, "
            f"optimizer {optimizer_attribute(case['optimizer'], case['hyper'])}\n"
            f"module:\n{case['model']}\n"
            "log.txt has the commands and their output; torch.txt PyTorch's losses.\n"
            f"Again: utils/model-fuzz.py {case['seed']}\n"
        )
    return target


def parse_seeds(texts):
    seeds = []
    for text in texts:
        match = re.fullmatch(r"(\d+)-(\d+)", text)
        if match:
            seeds.extend(range(int(match.group(1)), int(match.group(2)) + 1))
        else:
            seeds.append(int(text))
    return seeds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="+", help="seeds, or ranges FIRST-LAST")
    for tool in ("mpt-import", "mpt-run"):
        parser.add_argument("--" + tool, default=os.path.join(ROOT, "build", "bin", tool),
                            help="the tool (default: build/bin/" + tool + ")")
    parser.add_argument("--steps", type=int, default=20, help="training steps (default 20)")
    parser.add_argument("--precisions", default="fp32,f16,bf16",
                        help="mpt-run precisions; fp32 is always run (default fp32,f16,bf16)")
    parser.add_argument("--reproducers", default="model-fuzz-failures",
                        help="where failing seeds leave their directories")
    parser.add_argument("--rare-rate", type=float, default=0.1,
                        help="share of models that may have one of the rarer ops (default 0.1; "
                             "another rate makes other models of the same seeds)")
    args = parser.parse_args()
    tools = {"mpt-import": args.mpt_import, "mpt-run": args.mpt_run}
    precisions = args.precisions.split(",")
    torch.set_num_threads(1)
    # The exporter's tracer warnings are about the generated Python, not MPT.
    warnings.simplefilter("ignore")
    failures = 0
    for seed in parse_seeds(args.seeds):
        case = generate(seed, args.rare_rate)
        summary = " ".join(case["parts"])
        setup = (f"b{case['batch']} {case['loss']} {case['optimizer']} opset{case['opset']}")
        with tempfile.TemporaryDirectory(prefix="model-fuzz-") as directory:
            try:
                worst, verdict, details = check(case, tools, directory, args.steps, precisions)
            except Exception as error:  # noqa: BLE001 - a failing case, kept
                worst, verdict, details = None, "FAIL harness: " + repr(error), ""
            where = ""
            if verdict.startswith("FAIL"):
                failures += 1
                where = " -> " + save_reproducer(case, directory, args.reproducers, verdict, details)
        difference = "-" if worst is None else f"{worst:.2e}"
        print(f"seed {seed}: {summary} | {setup} | max rel diff {difference} | {verdict}{where}",
              flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
