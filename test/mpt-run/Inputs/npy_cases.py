"""Writes valid and broken .npy files for the reader tests.

usage: npy_cases.py OUTDIR
"""

import os
import struct
import sys

import numpy as np
from numpy.lib import format as npy_format


def raw(path, header, data=b"", version=(1, 0)):
    """A .npy file with the given header text and data, no questions asked."""
    header = header.encode("latin1")
    length = struct.pack("<H" if version[0] == 1 else "<I", len(header))
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes(version) + length + header + data)


def main(out):
    os.makedirs(out, exist_ok=True)
    path = lambda name: os.path.join(out, name)
    values = np.arange(6, dtype=np.float32).reshape(2, 3) - 1.5

    for version in [(1, 0), (2, 0), (3, 0)]:
        with open(path("v%d.npy" % version[0]), "wb") as f:
            npy_format.write_array(f, values, version=version)
    np.save(path("f8.npy"), values.astype(np.float64))
    np.save(path("f2.npy"), values.astype(np.float16))
    np.save(path("big_endian.npy"), values.astype(">f4"))
    np.save(path("bool.npy"), np.array([True, False, True]))
    np.save(path("scalar.npy"), np.float32(2.5))
    np.save(path("empty.npy"), np.zeros((0, 3), np.float32))
    np.save(path("fortran.npy"), np.asfortranarray(values))
    np.save(path("structured.npy"), np.zeros(2, dtype=[("a", "<f4")]))
    np.save(path("complex.npy"), np.zeros(2, dtype=np.complex64))

    good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    data = values.tobytes()
    with open(path("truncated_data.npy"), "wb") as f:
        f.write(open(path("v1.npy"), "rb").read()[:-5])
    with open(path("truncated_header.npy"), "wb") as f:
        f.write(open(path("v1.npy"), "rb").read()[:40])
    with open(path("truncated_length.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00\x76")
    raw(path("trailing_data.npy"), good, data + b"\0\0\0\0")
    raw(path("bad_magic.npy"), good, data)
    with open(path("bad_magic.npy"), "r+b") as f:
        f.write(b"\x93NUMPX")
    raw(path("bad_version.npy"), good, data, version=(4, 0))
    raw(path("missing_key.npy"), "{'descr': '<f4', 'shape': (2, 3)}", data)
    raw(path("extra_key.npy"),
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}",
        data)
    raw(path("bad_shape.npy"),
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", data)
    raw(path("not_a_dict.npy"), "['descr', '<f4']", data)
    raw(path("unterminated.npy"),
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", data)
    raw(path("huge_shape.npy"),
        "{'descr': '<f4', 'fortran_order': False, "
        "'shape': (4611686018427387904, 8)}", data)


if __name__ == "__main__":
    main(sys.argv[1])
