"""Writes an ONNX GRU with linear_before_reset = 0 (ONNX's default, which
PyTorch's nn.GRU never exports: the reset gate scales the hidden state
before the recurrent product) with random weights, and data for it; then,
given mpt-run's metrics of training it, compares the loss of its first
step with the MSE that the ONNX specification's formulas give, computed
here in float64.

usage: gru_reset_reference.py DIRECTORY [METRICS]"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import first_loss  # noqa: E402

directory = sys.argv[1]
rng = np.random.default_rng(7)
batch, steps, features, hidden, directions = 3, 4, 2, 3, 2
w = rng.uniform(-0.6, 0.6, (directions, 3 * hidden, features)).astype(np.float32)
r = rng.uniform(-0.6, 0.6, (directions, 3 * hidden, hidden)).astype(np.float32)
b = rng.uniform(-0.3, 0.3, (directions, 6 * hidden)).astype(np.float32)
x = rng.standard_normal((2 * batch, steps, features)).astype(np.float32)
y = rng.standard_normal((2 * batch, steps, directions, hidden)).astype(np.float32)
np.save(os.path.join(directory, "x.npy"), x)
np.save(os.path.join(directory, "y.npy"), y)

node = helper.make_node("GRU", ["x", "w", "r", "b"], ["y"], hidden_size=hidden,
                        direction="bidirectional", layout=1, linear_before_reset=0)
graph = helper.make_graph(
    [node], "gru",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", steps, features])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", steps, directions, hidden])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(r, "r"),
     numpy_helper.from_array(b, "b")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
model.ir_version = 8
onnx.save(model, os.path.join(directory, "gru.onnx"))


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def run(d, inputs):
    """One direction over the batch-first `inputs`, in ONNX's gate order
    (update z, reset r, candidate h)."""
    wz, wr, wh = np.split(w[d].astype(np.float64), 3)
    rz, rr, rh = np.split(r[d].astype(np.float64), 3)
    wbz, wbr, wbh, rbz, rbr, rbh = np.split(b[d].astype(np.float64), 6)
    h = np.zeros((inputs.shape[0], hidden))
    order = range(steps) if d == 0 else reversed(range(steps))
    out = np.zeros((inputs.shape[0], steps, hidden))
    for t in order:
        xt = inputs[:, t].astype(np.float64)
        z = sigmoid(xt @ wz.T + h @ rz.T + wbz + rbz)
        reset = sigmoid(xt @ wr.T + h @ rr.T + wbr + rbr)
        candidate = np.tanh(xt @ wh.T + (reset * h) @ rh.T + rbh + wbh)
        h = (1 - z) * candidate + z * h
        out[:, t] = h
    return out


first = x[:batch]
prediction = np.stack([run(d, first) for d in range(directions)], axis=2)
expected = np.mean((prediction - y[:batch]) ** 2)
if len(sys.argv) > 2:
    first_loss.report(sys.argv[2], expected)
