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


if __name__ == "__main__":
    if sys.argv[1] == "names":
        names(sys.argv[2])
    elif sys.argv[1] == "mask":
        mask(sys.argv[2])
    elif sys.argv[1] == "leaky":
        leaky(float(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "clip":
        clip(float(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    else:
        mlp(int(sys.argv[2]), sys.argv[3])
