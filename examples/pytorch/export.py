#!/usr/bin/python3
"""Exports example models to ONNX with their data.

    export.py OUTDIR [MODEL ...] [--opset N] [--seed S] [--test-fraction F]

For each model (default: all of models.MODELS) writes OUTDIR/MODEL/:
model.onnx (the forward graph, dynamic batch dim, parameters named after
the state_dict keys), init.pt (the initial state_dict, for reference.py),
x.npy and y.npy (the inputs and the targets, in training order). With
--test-fraction, that fraction of the samples, drawn with a fixed
generator, is held out as x_test.npy and y_test.npy instead.
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def export(name, directory, opset, seed, test_fraction):
    model_class, dataset, _ = models.MODELS[name]
    torch.manual_seed(seed)
    model = model_class().eval()
    x, y = dataset()
    os.makedirs(directory, exist_ok=True)
    if test_fraction > 0:
        # The same split whatever the model's seed.
        order = np.random.default_rng(0).permutation(len(x))
        test = order[: int(round(test_fraction * len(x)))]
        train = np.sort(order[len(test) :])
        np.save(os.path.join(directory, "x_test.npy"), x[np.sort(test)])
        np.save(os.path.join(directory, "y_test.npy"), y[np.sort(test)])
        x, y = x[train], y[train]
    np.save(os.path.join(directory, "x.npy"), x)
    np.save(os.path.join(directory, "y.npy"), y)
    torch.save(model.state_dict(), os.path.join(directory, "init.pt"))
    sample = torch.from_numpy(x[:2])
    # Without constant folding every weight keeps its state_dict name (folding
    # would store a transposed copy under a generated name); in training mode
    # the exporter keeps parameters with equal initial values apart (in eval
    # mode it merges them, e.g. the scales of two layer norms, which would
    # then train as one).
    torch.onnx.export(
        model,
        sample,
        os.path.join(directory, "model.onnx"),
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        opset_version=opset,
        do_constant_folding=False,
        training=torch.onnx.TrainingMode.TRAINING,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("models", nargs="*", default=sorted(models.MODELS))
    parser.add_argument("--opset", type=int, default=14)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-fraction", type=float, default=0.0)
    args = parser.parse_args()
    for name in args.models:
        if name not in models.MODELS:
            parser.error(f"unknown model '{name}'; known: {', '.join(sorted(models.MODELS))}")
        export(name, os.path.join(args.outdir, name), args.opset, args.seed, args.test_fraction)


if __name__ == "__main__":
    main()
