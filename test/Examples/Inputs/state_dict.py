"""A PyTorch module whose state_dict keys are no valid MLIR names
(nn.Sequential's `0.weight`), exported to ONNX, and the check that the
parameters mpt-run saves load back into it.

    state_dict.py export DIR     writes DIR/model.onnx, DIR/x.npy, DIR/y.npy
    state_dict.py load DIR FILE  loads FILE (safetensors) into the module with
                                 load_state_dict(strict=True) and prints what
                                 changed from the initial weights

The safetensors file is read with the format's few lines (an 8-byte header
size, a JSON header, the data) rather than the `safetensors` package, which
is not always installed: `safetensors.torch.load_file` returns the same
dict of tensors.
"""

import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def module():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def load_file(path):
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


def export(directory):
    model = module()
    x = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
    y = (x[:, :3] > 0).argmax(axis=1).astype(np.int64)
    np.save(os.path.join(directory, "x.npy"), x)
    np.save(os.path.join(directory, "y.npy"), y)
    torch.onnx.export(
        model, torch.from_numpy(x[:2]), os.path.join(directory, "model.onnx"),
        input_names=["x"], output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        opset_version=14, do_constant_folding=False,
        training=torch.onnx.TrainingMode.TRAINING)


def load(path):
    model = module()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    tensors = load_file(path)
    model.load_state_dict(tensors, strict=True)
    for name, value in model.state_dict().items():
        changed = not torch.equal(value, initial[name])
        print(f"{name}: {list(value.shape)} {'trained' if changed else 'unchanged'}")


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        load(sys.argv[3])
