#!/usr/bin/python3
"""Trains an exported example model in PyTorch, as mpt-run trains it.

    reference.py DIR MODEL --optimizer=sgd|momentum|adam --lr=LR --batch=B --steps=N
                 [--compare=metrics.csv --tolerance=T]

Starts from DIR/init.pt (the weights export.py exported) and visits the
batches of DIR/x.npy and DIR/y.npy in file order, as `mpt-run
--shuffle=false` does: step s (from 1) trains on batch (s - 1) mod (N / B),
the remainder of the samples dropped. Prints the loss of every step; with
--compare, reads the loss column of an mpt-run metrics CSV and prints the
largest per-step relative difference |mpt - torch| / |torch|, exiting with
status 1 when it exceeds the tolerance.
"""

import argparse
import csv
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def make_optimizer(parameters, kind, lr, momentum=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8,
                   weight_decay=0.0):
    """The torch.optim optimizer of an mpt optimizer attribute
    (#mpt.sgd, #mpt.momentum, #mpt.adam) with the same hyperparameters."""
    if kind == "sgd":
        return torch.optim.SGD(parameters, lr=lr, weight_decay=weight_decay)
    if kind == "momentum":
        return torch.optim.SGD(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay)
    return torch.optim.Adam(
        parameters, lr=lr, betas=(beta1, beta2), eps=epsilon, weight_decay=weight_decay
    )


def train_module(model, x, y, loss_fn, optimizer, batch, steps, skipped=()):
    """Trains model in place as `mpt-run --shuffle=false` does: step s (from
    1) on batch (s - 1) mod (N / B) of x and y, the remainder dropped. The
    steps in `skipped` (from 1) compute their loss but update nothing, as a
    mixed-precision step whose gradients overflowed. Returns the loss of
    every step. x may be a tuple of inputs, passed to the model in order."""
    model.train()
    inputs = x if isinstance(x, (tuple, list)) else (x,)
    batches = inputs[0].shape[0] // batch
    losses = []
    for step in range(steps):
        start = (step % batches) * batch
        optimizer.zero_grad()
        output = model(*(t[start : start + batch] for t in inputs))
        loss = loss_fn(output, y[start : start + batch])
        loss.backward()
        if step + 1 not in skipped:
            optimizer.step()
        losses.append(loss.item())
    return losses


def train(directory, name, optimizer, lr, batch, steps):
    model_class, _, loss_kind = models.MODELS[name]
    torch.manual_seed(0)
    model = model_class()
    model.load_state_dict(torch.load(os.path.join(directory, "init.pt")))
    x = torch.from_numpy(np.load(os.path.join(directory, "x.npy")))
    y = torch.from_numpy(np.load(os.path.join(directory, "y.npy")))
    opt = make_optimizer(model.parameters(), optimizer, lr)
    return train_module(model, x, y, models.loss_function(loss_kind), opt, batch, steps)


def read_losses(path):
    with open(path, newline="") as f:
        return [float(row["loss"]) for row in csv.DictReader(f)]


def read_skipped_steps(path):
    """The steps (from 1) an mpt-run metrics CSV marks as skipped."""
    with open(path, newline="") as f:
        return {int(row["step"]) for row in csv.DictReader(f) if row["skipped"] == "1"}


def max_relative_difference(values, references, floor=0.0):
    """The largest |value - reference| / max(|reference|, floor) of two loss
    sequences, and its step (from 1; 0 when every pair is equal)."""
    worst, worst_step = 0.0, 0
    for step, (a, b) in enumerate(zip(values, references), 1):
        scale = max(abs(b), floor)
        difference = abs(a - b) / scale if scale != 0 else abs(a - b)
        if math.isnan(difference):
            difference = math.inf
        if difference > worst:
            worst, worst_step = difference, step
    return worst, worst_step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("model", choices=sorted(models.MODELS))
    parser.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--compare")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    losses = train(args.directory, args.model, args.optimizer, args.lr, args.batch, args.steps)
    if not args.compare:
        for step, loss in enumerate(losses, 1):
            print(f"step {step} loss {loss:.9g}")
        return
    mpt = read_losses(args.compare)
    if len(mpt) != len(losses):
        sys.exit(f"{args.compare} has {len(mpt)} steps, expected {len(losses)}")
    worst, worst_step = max_relative_difference(mpt, losses)
    verdict = "ok" if worst <= args.tolerance else "FAILED"
    print(
        f"{args.model} {args.optimizer}: {len(losses)} steps, losses {losses[0]:.6g} -> "
        f"{losses[-1]:.6g}, max relative difference {worst:.3e} at step {worst_step} "
        f"(tolerance {args.tolerance:g}): {verdict}"
    )
    if worst > args.tolerance:
        sys.exit(1)


if __name__ == "__main__":
    main()
