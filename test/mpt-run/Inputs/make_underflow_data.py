"""Data and a zero init for underflow.mlir: 256 samples of x ~ N(0, 1) and
y = 5e-5 * tanh(x . W / 4), W ~ N(0, 1).

usage: make_underflow_data.py DIR
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_tool  # noqa: E402


def main(out):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((256, 16))
    y = 5e-5 * np.tanh(x @ rng.standard_normal((16, 16)) / 4)
    np.save(os.path.join(out, "x.npy"), x.astype(np.float32))
    np.save(os.path.join(out, "y.npy"), y.astype(np.float32))
    zeros = [("w", np.zeros((16, 16), np.float32)),
             ("b", np.zeros(16, np.float32))]
    with open(os.path.join(out, "init.safetensors"), "wb") as f:
        f.write(safetensors_tool.encode(zeros))


if __name__ == "__main__":
    main(sys.argv[1])
