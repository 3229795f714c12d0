"""An independent safetensors reader/writer, written from the format spec
(8-byte little-endian header size, JSON header, raw little-endian data), to
check that MPT's files are interoperable.

usage:
  safetensors_tool.py write OUT NAME:DTYPE:DIMS[:VALUE] ... [meta:KEY=VALUE]
      DIMS is 2x3 (or "scalar"); values are arange*0.5-1 unless VALUE given
  safetensors_tool.py dump FILE
  safetensors_tool.py same FILE_A FILE_B NAME...   (exit 1 if bytes differ)
  safetensors_tool.py corrupt OUTDIR               (broken files)
"""

import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "BOOL": "|b1",
          "I32": "<i4", "I64": "<i8", "BF16": None}


def encode(tensors, metadata=None, header_edit=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, array in tensors:
        blob = array.tobytes()
        dtype = {np.dtype("<f4"): "F32", np.dtype("<f2"): "F16",
                 np.dtype("<f8"): "F64", np.dtype("|b1"): "BOOL",
                 np.dtype("<i4"): "I32", np.dtype("<i8"): "I64"}[array.dtype]
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if header_edit:
        header_edit(header)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def decode(data):
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__", {})
    body = data[8 + size:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], DTYPES[info["dtype"]])
        tensors[name] = (info["dtype"], array.reshape(info["shape"]),
                         body[begin:end])
    return metadata, tensors


def write(out, specs):
    tensors, metadata = [], {}
    for spec in specs:
        if spec.startswith("meta:"):
            key, value = spec[5:].split("=", 1)
            metadata[key] = value
            continue
        parts = spec.split(":")
        name, dtype, dims = parts[:3]
        shape = [] if dims == "scalar" else [int(d) for d in dims.split("x")]
        count = int(np.prod(shape))
        values = (np.arange(count) * 0.5 - 1 if len(parts) == 3
                  else np.full(count, float(parts[3])))
        tensors.append((name, values.astype(DTYPES[dtype]).reshape(shape)))
    with open(out, "wb") as f:
        f.write(encode(tensors, metadata))


def dump(path):
    metadata, tensors = decode(open(path, "rb").read())
    for key in sorted(metadata):
        print("metadata %s = %s" % (key, metadata[key]))
    for name in sorted(tensors):
        dtype, array, _ = tensors[name]
        print("tensor %s: %s %s %s" % (name, dtype, list(array.shape),
                                       " ".join("%g" % v for v in
                                                array.reshape(-1)[:8])))


def same(path_a, path_b, names):
    _, a = decode(open(path_a, "rb").read())
    _, b = decode(open(path_b, "rb").read())
    differ = [n for n in names if a[n][2] != b[n][2]]
    for name in differ:
        print("tensor %s differs" % name)
    if not differ:
        print("identical: %s" % " ".join(names))
    return 1 if differ else 0


def corrupt(out):
    os.makedirs(out, exist_ok=True)
    w = [("w", np.arange(6, dtype=np.float32).reshape(2, 3))]
    good = encode(w)

    def put(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    def edited(edit):
        return encode(w, header_edit=edit)

    put("short.safetensors", b"\x10\0\0")
    put("header_past_end.safetensors", struct.pack("<Q", 1 << 20) + b"{}")
    put("truncated_data.safetensors", good[:-4])
    put("trailing_data.safetensors", good + b"\0\0\0\0")
    put("bad_json.safetensors", struct.pack("<Q", 8) + b'{"w": [}')
    put("duplicate_key.safetensors",
        struct.pack("<Q", 56) +
        b'{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":1}' [:56])
    put("bad_dtype.safetensors",
        edited(lambda h: h["w"].update(dtype="C64")))
    put("shape_mismatch.safetensors",
        edited(lambda h: h["w"].update(shape=[3, 3])))
    put("gap.safetensors",
        edited(lambda h: h["w"].update(data_offsets=[4, 28])))
    put("bad_metadata.safetensors",
        edited(lambda h: h.update(__metadata__={"step": 3})))
    put("extra_key.safetensors",
        edited(lambda h: h["w"].update(offsets=[0, 24])))


def main(argv):
    command = argv[1]
    if command == "write":
        write(argv[2], argv[3:])
    elif command == "dump":
        dump(argv[2])
    elif command == "same":
        return same(argv[2], argv[3], argv[4:])
    elif command == "corrupt":
        corrupt(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
