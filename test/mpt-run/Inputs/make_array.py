"""Writes a .npy array of normal(0, 1) values, optionally with some flat
elements overridden.

usage: make_array.py OUT SHAPE DTYPE [--seed=N] [--scale=X] [--set=INDEX:VALUE]...
  SHAPE is comma separated (20,4); DTYPE a NumPy dtype (float32, <f8, int64)
"""

import sys

import numpy as np


def main(argv):
    out, shape, dtype = argv[1], argv[2], argv[3]
    seed, scale, overrides = 0, 1.0, []
    for arg in argv[4:]:
        key, value = arg.split("=", 1)
        if key == "--seed":
            seed = int(value)
        elif key == "--scale":
            scale = float(value)
        elif key == "--set":
            index, element = value.split(":")
            overrides.append((int(index), float(element)))
        else:
            raise SystemExit("unknown option " + arg)
    dims = tuple(int(d) for d in shape.split(",") if d)
    values = np.random.default_rng(seed).standard_normal(dims) * scale
    flat = values.reshape(-1)
    for index, element in overrides:
        flat[index] = element
    np.save(out, values.astype(dtype))


if __name__ == "__main__":
    main(sys.argv)
