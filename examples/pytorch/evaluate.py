#!/usr/bin/python3
"""Evaluates parameters that mpt-run saved, in PyTorch, on held-out data.

    evaluate.py DIR MODEL PARAMS.safetensors [--compare=summary.json --tolerance=T]

Loads PARAMS (mpt-run --save: one tensor per parameter, named by its
state_dict key) into the example model MODEL with load_state_dict, and
computes its loss and, for a classifier, its accuracy (the fraction of rows
whose largest logit is the label's) in fp32 on DIR/x_test.npy and
DIR/y_test.npy. With --compare, checks them against the val_loss and
val_accuracy of an mpt-run summary that validated the same parameters on
the same data, exiting with status 1 when a relative difference exceeds
the tolerance.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def load_file(path):
    """What safetensors.torch.load_file returns, read from the format's few
    lines (the package is not always installed)."""
    data = open(path, "rb").read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    header.pop("__metadata__", None)
    body = data[8 + size :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], DTYPES[info["dtype"]])
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


def evaluate(directory, name, params):
    model_class, _, loss_kind = models.MODELS[name]
    model = model_class()
    # Every parameter and buffer, batch norms' batch counters included.
    try:
        model.load_state_dict(load_file(params))
    except RuntimeError as error:
        sys.exit(f"{params}: {error}")
    model.eval()
    x = torch.from_numpy(np.load(os.path.join(directory, "x_test.npy")))
    y = torch.from_numpy(np.load(os.path.join(directory, "y_test.npy")))
    with torch.no_grad():
        output = model(x)
        loss = models.loss_function(loss_kind)(output, y).item()
        if loss_kind != "cross-entropy":
            return loss, None
        predicted = output.reshape(-1, output.shape[-1]).argmax(dim=1)
        accuracy = (predicted == y.reshape(-1)).double().mean().item()
    return loss, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("model", choices=sorted(models.MODELS))
    parser.add_argument("params")
    parser.add_argument("--compare")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    loss, accuracy = evaluate(args.directory, args.model, args.params)
    text = f"{args.model}: test loss {loss:.7g}"
    if accuracy is not None:
        text += f", accuracy {100 * accuracy:.2f}%"
    if not args.compare:
        print(text)
        return
    summary = json.load(open(args.compare))
    differences = [abs(summary["val_loss"] - loss) / abs(loss)]
    if accuracy is not None:
        differences.append(abs(summary["val_accuracy"] - accuracy))
    elif summary["val_accuracy"] is not None:
        sys.exit(f"{args.compare} has an accuracy, but {args.model} is no classifier")
    worst = max(differences)
    verdict = "ok" if worst <= args.tolerance else "FAILED"
    print(f"{text}; mpt-run {summary['val_loss']:.7g}, largest difference {worst:.2e} "
          f"(tolerance {args.tolerance:g}): {verdict}")
    if worst > args.tolerance:
        sys.exit(1)


if __name__ == "__main__":
    main()
