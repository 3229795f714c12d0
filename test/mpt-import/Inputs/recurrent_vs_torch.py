"""Trains PyTorch's recurrent layers (exported to ONNX, imported by
mpt-import) with mpt-run and with PyTorch through utils/model-fuzz.py's
check: fp32 losses within 1e-4 of PyTorch's per step and parameters within
1e-3, f16 and bf16 finite and within 5%. Prints one line per case.

usage: recurrent_vs_torch.py SOURCE_ROOT MPT_IMPORT MPT_RUN"""
import importlib.util
import os
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn

root, mpt_import, mpt_run = sys.argv[1:4]
spec = importlib.util.spec_from_file_location(
    "model_fuzz", os.path.join(root, "utils", "model-fuzz.py"))
model_fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model_fuzz)
warnings.simplefilter("ignore")
torch.set_num_threads(1)
tools = {"mpt-import": mpt_import, "mpt-run": mpt_run}


class Sequence(nn.Module):
    """A recurrent layer over a flattened sequence, then a linear head on
    the last output, the mean output or the last layer's final state."""

    def __init__(self, steps, features, rnn, width, read):
        super().__init__()
        self.steps, self.features, self.rnn, self.read = steps, features, rnn, read
        self.head = nn.Linear(width, 3)

    def forward(self, x):
        s = x.reshape(x.shape[0], self.steps, self.features)
        if not self.rnn.batch_first:
            s = s.transpose(0, 1)
        y, state = self.rnn(s)
        time = 1 if self.rnn.batch_first else 0
        if self.read == "last":
            return self.head(y.select(time, -1))
        if self.read == "mean":
            return self.head(y.mean(dim=time))
        final = state[0] if isinstance(state, tuple) else state
        return self.head(final[-1])


def case(steps, features, rnn, width, read, optimizer, hyper, opset):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return {"seed": 0, "model": Sequence(steps, features, rnn, width, read),
            "x": rng.standard_normal((8, steps * features)).astype(np.float32),
            "y": rng.standard_normal((8, 3)).astype(np.float32), "batch": 4, "loss": "mse",
            "optimizer": optimizer, "hyper": hyper, "opset": opset, "parts": [], "unsupported": []}


adam = ("adam", {"lr": 0.003})
cases = {
    "lstm, 2 bidirectional layers, mean output": case(
        4, 3, nn.LSTM(3, 5, num_layers=2, batch_first=True, bidirectional=True), 10, "mean",
        *adam, 14),
    "lstm, sequence first, final state": case(
        6, 3, nn.LSTM(3, 4), 4, "final", "sgd", {"lr": 0.05}, 17),
    "gru, bidirectional, final state": case(
        4, 3, nn.GRU(3, 5, batch_first=True, bidirectional=True), 5, "final", *adam, 14),
    "rnn, relu, 2 layers, last output": case(
        4, 3, nn.RNN(3, 5, num_layers=2, nonlinearity="relu", batch_first=True), 5, "last",
        "momentum", {"lr": 0.01, "momentum": 0.9}, 13),
}
for name, spec in cases.items():
    with tempfile.TemporaryDirectory() as directory:
        worst, verdict, details = model_fuzz.check(spec, tools, directory, 10,
                                                   ["fp32", "f16", "bf16"])
    print(f"{name}: {verdict}" + (f" {details[:300]}" if verdict != "ok" else ""))
