"""Writes an ONNX model of the reductions and tensor ops that PyTorch's
exporter seldom writes (ReduceL2, ReduceSumSquare, GlobalMaxPool, variadic
Sum, Mean, Max and Min with broadcasting, Tile, Trilu of a computed tensor,
CumSum exclusive and reversed, ReduceLogSumExp, ReduceMin, ReduceL1,
DepthToSpace in DCR mode), each
flattened into one output, with data for it; then, given mpt-run's metrics
of training it, compares the loss of its first step with the MSE of the
ONNX specification's formulas, computed here in float64.

usage: reductions_reference.py DIRECTORY [METRICS]"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import first_loss  # noqa: E402

directory = sys.argv[1]
rng = np.random.default_rng(3)
batch = 3
w = rng.uniform(-1.0, 1.0, 4).astype(np.float32)
x = rng.standard_normal((2 * batch, 2, 3, 4)).astype(np.float32)

nodes, pieces = [], []


def node(op, inputs, **attributes):
    name = f"v{len(nodes)}"
    nodes.append(helper.make_node(op, inputs, [name], **attributes))
    return name


def piece(op, inputs, **attributes):
    pieces.append(node("Flatten", [node(op, inputs, **attributes)], axis=1))


t = node("Mul", ["x", "w"])
piece("ReduceL2", [t], axes=[3], keepdims=0)
piece("ReduceSumSquare", [t], axes=[1], keepdims=1)
piece("GlobalMaxPool", [t])
piece("Sum", [t, "w", "c"])
piece("Mean", [t, "w"])
piece("Max", [t, "w", "c"])
piece("Min", [t, "w"])
piece("Tile", [t, "repeats"])
piece("Trilu", [t, "k"], upper=0)
piece("CumSum", [t, "axis"], exclusive=1, reverse=1)
piece("ReduceLogSumExp", [t], axes=[2, 3], keepdims=1)
piece("ReduceMin", [t], axes=[-1], keepdims=0)
piece("ReduceL1", [t], axes=[1], keepdims=0)
piece("DepthToSpace", [node("Reshape", [t, "channels"])], blocksize=2, mode="DCR")
nodes.append(helper.make_node("Concat", pieces, ["y"], axis=1))


def depth_to_space(v, b):
    """ONNX's DepthToSpace in DCR mode."""
    n, c, h, w = v.shape
    moved = v.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
    return moved.reshape(n, c // (b * b), h * b, w * b)


def reference(xs):
    t = xs.astype(np.float64) * w.astype(np.float64)
    c = 0.1
    rows, columns = np.indices((3, 4))
    cumsum = np.zeros_like(t)
    for i in range(3):
        cumsum[:, :, i] = t[:, :, i + 1:].sum(axis=2)
    lse = np.log(np.exp(t).sum(axis=(2, 3), keepdims=True))
    parts = [np.sqrt((t * t).sum(axis=3)), (t * t).sum(axis=1, keepdims=True),
             t.max(axis=(2, 3), keepdims=True), t + w + c, (t + w) / 2,
             np.maximum(np.maximum(t, w), c), np.minimum(t, w), np.tile(t, (1, 2, 1, 1)),
             np.where(columns - rows <= -1, t, 0.0), cumsum, lse, t.min(axis=-1),
             np.abs(t).sum(axis=1), depth_to_space(t.reshape(len(xs), 8, 3, 1), 2)]
    return np.concatenate([p.reshape(len(xs), -1) for p in parts], axis=1)


outputs = reference(x[:1]).shape[1]
y = rng.standard_normal((2 * batch, outputs)).astype(np.float32)
np.save(os.path.join(directory, "x.npy"), x)
np.save(os.path.join(directory, "y.npy"), y)
graph = helper.make_graph(
    nodes, "reductions",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 3, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", outputs])],
    [numpy_helper.from_array(w, "w"),
     numpy_helper.from_array(np.array(0.1, np.float32), "c"),
     numpy_helper.from_array(np.array([1, 2, 1, 1], np.int64), "repeats"),
     numpy_helper.from_array(np.array(-1, np.int64), "k"),
     numpy_helper.from_array(np.array(2, np.int64), "axis"),
     numpy_helper.from_array(np.array([0, 8, 3, 1], np.int64), "channels")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(directory, "reductions.onnx"))

expected = np.mean((reference(x[:batch]) - y[:batch]) ** 2)
if len(sys.argv) > 2:
    first_loss.report(sys.argv[2], expected)
