"""Writes binary ONNX models that ONNX's text syntax cannot express.

    make_onnx.py names OUT.onnx     initializers named like PyTorch's
                                    state_dict keys and exporter constants
    make_onnx.py mlp N OUT.onnx     an MLP of N Gemm/Relu layers of width 64
    make_onnx.py mask OUT.onnx      scores plus an additive causal mask
                                    initializer (a buffer) of 0 and -inf
    make_onnx.py clip MIN MAX OUT.onnx
                                    x * w clipped to [MIN, MAX], bounds
                                    that may be nan or inf
    make_onnx.py leaky ALPHA OUT.onnx
                                    LeakyRelu(x * w) of slope ALPHA
    make_onnx.py while OUT.onnx     a Loop without a trip count that runs
                                    while its iteration number is below 2
    make_onnx.py endless OUT.onnx   a Loop whose condition is always true
    make_onnx.py sequence OUT.onnx  a list of tensors built in a Loop and
                                    the sequence ops that read it
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(nodes, inputs, outputs, initializers, path):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def names(path):
    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.standard_normal((4, 3)).astype(np.float32), "0.weight"),
        numpy_helper.from_array(rng.standard_normal((3,)).astype(np.float32), "layer.bias"),
        numpy_helper.from_array(rng.standard_normal((3, 2)).astype(np.float32), "onnx::MatMul_7"),
        numpy_helper.from_array(np.array(0.5, np.float32), "onnx::Mul_8"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "0.weight"], ["h"]),
        helper.make_node("Add", ["h", "layer.bias"], ["a"]),
        helper.make_node("Mul", ["a", "onnx::Mul_8"], ["m"]),
        helper.make_node("MatMul", ["m", "onnx::MatMul_7"], ["y"]),
    ]
    save(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
        init,
        path,
    )


def mlp(layers, path, width=64):
    rng = np.random.default_rng(0)
    init, nodes, previous = [], [], "x"
    for i in range(layers):
        w = rng.standard_normal((width, width)).astype(np.float32) / 8
        init.append(numpy_helper.from_array(w, f"layers.{i}.weight"))
        init.append(numpy_helper.from_array(np.zeros(width, np.float32), f"layers.{i}.bias"))
        nodes.append(
            helper.make_node(
                "Gemm", [previous, f"layers.{i}.weight", f"layers.{i}.bias"], [f"h{i}"], transB=1
            )
        )
        nodes.append(helper.make_node("Relu", [f"h{i}"], [f"a{i}"]))
        previous = f"a{i}"
    nodes[-1] = helper.make_node("Relu", [f"h{layers - 1}"], ["y"])
    save(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", width])],
        init,
        path,
    )


def mask(path):
    weight = np.array([[1.0, 0.5], [-0.5, 1.0]], np.float32)
    causal = np.triu(np.full((2, 2), -np.inf, np.float32), 1)
    init = [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(causal, "mask")]
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["s"]),
        helper.make_node("Add", ["s", "mask"], ["m"]),
        helper.make_node("Softmax", ["m"], ["y"], axis=-1),
    ]
    save(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2, 2])],
        init,
        path,
    )


def leaky(alpha, path):
    init = [numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "w")]
    nodes = [
        helper.make_node("Mul", ["x", "w"], ["m"]),
        helper.make_node("LeakyRelu", ["m"], ["y"], alpha=alpha),
    ]
    save(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2])],
        init,
        path,
    )


def clip(low, high, path):
    init = [
        numpy_helper.from_array(np.array([1.0, 2.0], np.float32), "w"),
        numpy_helper.from_array(np.array(low, np.float32), "low"),
        numpy_helper.from_array(np.array(high, np.float32), "high"),
    ]
    nodes = [
        helper.make_node("Mul", ["x", "w"], ["m"]),
        helper.make_node("Clip", ["m", "low", "high"], ["y"]),
    ]
    save(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2])],
        init,
        path,
    )


def loop_body(nodes, outputs, carried=()):
    """A Loop body of (iteration number, condition, h[2, 3], carried...)."""
    inputs = [helper.make_tensor_value_info("i", TensorProto.INT64, []),
              helper.make_tensor_value_info("c", TensorProto.BOOL, []),
              helper.make_tensor_value_info("h", TensorProto.FLOAT, [2, 3])]
    return helper.make_graph(nodes, "step", inputs + list(carried), outputs)


def while_loop(path, endless=False):
    weight = np.array([[0.3, -0.2, 0.1], [0.5, -0.4, 0.2], [0.1, 0.3, -0.5]], np.float32)
    condition = (helper.make_node("Identity", ["c"], ["more"]) if endless
                 else helper.make_node("Less", ["i", "two"], ["more"]))
    body = loop_body(
        [helper.make_node("MatMul", ["h", "w"], ["next"]), condition],
        [helper.make_tensor_value_info("more", TensorProto.BOOL, []),
         helper.make_tensor_value_info("next", TensorProto.FLOAT, [2, 3])])
    save(
        [helper.make_node("Loop", ["", "yes", "x"], ["y"], body=body)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(weight, "w"),
         numpy_helper.from_array(np.array(2, np.int64), "two"),
         numpy_helper.from_array(np.array(True), "yes")],
        path,
    )


def sequence(path):
    weight = np.array([[0.3, -0.2, 0.1], [0.5, -0.4, 0.2], [0.1, 0.3, -0.5]], np.float32)
    states = helper.make_tensor_sequence_value_info("states", TensorProto.FLOAT, [2, 3])
    body = loop_body(
        [helper.make_node("MatMul", ["h", "w"], ["next"]),
         helper.make_node("SequenceInsert", ["states", "next"], ["grown"]),
         helper.make_node("Identity", ["c"], ["more"])],
        [helper.make_tensor_value_info("more", TensorProto.BOOL, []),
         helper.make_tensor_value_info("next", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_sequence_value_info("grown", TensorProto.FLOAT, [2, 3])],
        [states])
    node = helper.make_node
    nodes = [
        node("SequenceEmpty", [], ["none"], dtype=TensorProto.FLOAT),
        node("Loop", ["two", "yes", "x", "none"], ["h", "list"], body=body),
        node("ConcatFromSequence", ["list"], ["stacked"], axis=1, new_axis=1),
        node("ReduceMean", ["stacked"], ["total"], axes=[1], keepdims=0),
        node("SequenceAt", ["list", "last"], ["latest"]),
        node("SequenceLength", ["list"], ["count"]),
        node("Cast", ["count"], ["countf"], to=TensorProto.FLOAT),
        node("SplitToSequence", ["x"], ["columns"], axis=1, keepdims=0),
        node("SequenceErase", ["columns", "one"], ["kept"]),
        node("SequenceConstruct", ["h", "latest"], ["pair"]),
        node("SequenceInsert", ["pair", "total", "one"], ["three"]),
        node("SequenceAt", ["three", "one"], ["middle"]),
        node("ConcatFromSequence", ["kept"], ["both"], axis=-1, new_axis=1),
        node("ReduceMean", ["both"], ["mean"], axes=[1], keepdims=1),
        node("Mul", ["middle", "countf"], ["scaled"]),
        node("Add", ["scaled", "mean"], ["y"]),
    ]
    save(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(weight, "w"),
         numpy_helper.from_array(np.array(2, np.int64), "two"),
         numpy_helper.from_array(np.array(-1, np.int64), "last"),
         numpy_helper.from_array(np.array(1, np.int64), "one"),
         numpy_helper.from_array(np.array(True), "yes")],
        path,
    )


if __name__ == "__main__":
    if sys.argv[1] == "names":
        names(sys.argv[2])
    elif sys.argv[1] == "mask":
        mask(sys.argv[2])
    elif sys.argv[1] == "leaky":
        leaky(float(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] in ("while", "endless"):
        while_loop(sys.argv[2], endless=sys.argv[1] == "endless")
    elif sys.argv[1] == "sequence":
        sequence(sys.argv[2])
    elif sys.argv[1] == "clip":
        clip(float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    else:
        mlp(int(sys.argv[2]), sys.argv[3])
