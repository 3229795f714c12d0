"""NumPy reference of the two-layer MLP step in mlp.mlir (16 -> 64 -> 1,
relu, MSE) with MPT's SGD, momentum and Adam rules, in float64.

usage:
  mlp_reference.py prepare DIR
      writes DIR/init.safetensors (float32 params), DIR/x.npy, DIR/y.npy
      (64 samples, so unshuffled batches of 32 alternate)
  mlp_reference.py check DIR OPTIMIZER STEPS METRICS.csv PARAMS.safetensors
      replays STEPS steps and compares every step's loss and the final
      parameters with mpt-run's; exit 1 when a relative difference > 1e-4
OPTIMIZER: sgd:LR, momentum:LR:MOMENTUM, adam:LR
"""

import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_tool  # noqa: E402

BATCH, SAMPLES, IN, HIDDEN = 32, 64, 16, 64
NAMES = ["w1", "b1", "w2", "b2"]


def prepare(out):
    rng = np.random.default_rng(7)
    params = [
        ("w1", rng.uniform(-0.25, 0.25, (IN, HIDDEN))),
        ("b1", rng.uniform(-0.1, 0.1, HIDDEN)),
        ("w2", rng.uniform(-0.125, 0.125, (HIDDEN, 1))),
        ("b2", np.array([0.05])),
    ]
    with open(os.path.join(out, "init.safetensors"), "wb") as f:
        f.write(safetensors_tool.encode(
            [(n, v.astype(np.float32)) for n, v in params]))
    x = rng.standard_normal((SAMPLES, IN))
    y = np.tanh(x @ rng.standard_normal((IN, 1)) / 4)
    np.save(os.path.join(out, "x.npy"), x.astype(np.float32))
    np.save(os.path.join(out, "y.npy"), y.astype(np.float32))


def load_params(path):
    _, tensors = safetensors_tool.decode(open(path, "rb").read())
    return {n: tensors[n][1].astype(np.float64) for n in NAMES}


def step_gradients(p, x, y):
    h = x @ p["w1"] + p["b1"]
    a = np.maximum(h, 0)
    pred = a @ p["w2"] + p["b2"]
    loss = np.mean((pred - y) ** 2)
    dpred = 2 * (pred - y) / pred.size
    dh = (dpred @ p["w2"].T) * (h > 0)
    grads = {"w2": a.T @ dpred, "b2": dpred.sum(0),
             "w1": x.T @ dh, "b1": dh.sum(0)}
    return loss, grads


def check(directory, optimizer, steps, metrics_path, params_path):
    kind, *values = optimizer.split(":")
    values = [float(v) for v in values]
    p = load_params(os.path.join(directory, "init.safetensors"))
    x = np.load(os.path.join(directory, "x.npy")).astype(np.float64)
    y = np.load(os.path.join(directory, "y.npy")).astype(np.float64)
    state = {n: [np.zeros_like(p[n]), np.zeros_like(p[n])] for n in NAMES}
    losses = []
    for step in range(1, steps + 1):
        rows = slice((step - 1) % 2 * BATCH, (step - 1) % 2 * BATCH + BATCH)
        loss, grads = step_gradients(p, x[rows], y[rows])
        losses.append(loss)
        for n in NAMES:
            g = grads[n]
            if kind == "sgd":
                p[n] = p[n] - values[0] * g
            elif kind == "momentum":
                state[n][0] = values[1] * state[n][0] + g
                p[n] = p[n] - values[0] * state[n][0]
            else:
                b1, b2, eps = 0.9, 0.999, 1e-8
                m, v = state[n]
                m[...] = b1 * m + (1 - b1) * g
                v[...] = b2 * v + (1 - b2) * g * g
                mhat = m / (1 - b1 ** step)
                vhat = v / (1 - b2 ** step)
                p[n] = p[n] - values[0] * mhat / (np.sqrt(vhat) + eps)

    with open(metrics_path) as f:
        ours = [float(row["loss"]) for row in csv.DictReader(f)]
    if len(ours) != steps:
        print("expected %d metrics rows, found %d" % (steps, len(ours)))
        return 1
    loss_diff = max(abs(a - b) / abs(b) for a, b in zip(ours, losses))
    trained = load_params(params_path)
    param_diff = max(np.max(np.abs(trained[n] - p[n])) / np.max(np.abs(p[n]))
                     for n in NAMES)
    print("loss: first %.6g, last %.6g (reference %.6g)" %
          (ours[0], ours[-1], losses[-1]))
    print("max relative loss difference over %d steps: %.2e" %
          (steps, loss_diff))
    print("max relative parameter difference: %.2e" % param_diff)
    ok = loss_diff <= 1e-4 and param_diff <= 1e-4 and losses[-1] < losses[0]
    print("reference check:", "ok" if ok else "FAILED")
    return 0 if ok else 1


def main(argv):
    if argv[1] == "prepare":
        prepare(argv[2])
        return 0
    return check(argv[2], argv[3], int(argv[4]), argv[5], argv[6])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
