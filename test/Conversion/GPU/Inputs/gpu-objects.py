"""Writes the payloads of every gpu.object in an MLIR file (PTX text, a cubin
or a fatbin), one after the other, to a file or to stdout.

  gpu-objects.py IN.mlir [OUT]
"""

import re
import sys


def unescape(text):
    """The bytes of an MLIR string literal's body (\\XX hex escapes, \\\\)."""
    return re.sub(
        rb"\\([0-9A-Fa-f]{2}|\\)",
        lambda m: b"\\" if m.group(1) == b"\\" else bytes([int(m.group(1), 16)]),
        text,
    )


def main():
    with open(sys.argv[1], "rb") as file:
        mlir = file.read()
    # #gpu.object<#target, [properties = {...},] [assembly = |offload = ]"...">
    payloads = re.findall(
        rb'#gpu\.object<#\w+\.target<[^>]*>,(?: properties = \{[^}]*\},)?'
        rb' (?:\w+ = )?"((?:[^"\\]|\\.)*)"',
        mlir,
    )
    if not payloads:
        sys.exit(f"{sys.argv[1]}: no gpu.object")
    data = b"".join(unescape(payload) for payload in payloads)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "wb") as file:
            file.write(data)
    else:
        sys.stdout.buffer.write(data)


if __name__ == "__main__":
    main()
