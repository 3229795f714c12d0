"""Helpers for the compile cache tests.

  cache_tool.py corrupt DIR      flip a byte in the middle of DIR's only entry
  cache_tool.py truncate DIR     cut DIR's only entry in half
  cache_tool.py concurrent N -- CMD...
      run N copies of CMD at once ({} in an argument becomes the copy's
      number); fail if any copy fails
  cache_tool.py with-limit DIR FACTOR -- CMD...
      run CMD with MPT_CACHE_DIR=DIR and MPT_CACHE_MAX_SIZE set to FACTOR
      times the size of DIR's largest entry
"""

import glob
import os
import subprocess
import sys


def entries(directory):
    return sorted(glob.glob(os.path.join(directory, "*.mptobj")))


def only_entry(directory):
    found = entries(directory)
    if len(found) != 1:
        sys.exit(f"expected one entry in {directory}, found {len(found)}")
    return found[0]


def main(argv):
    command = argv[1]
    if command == "corrupt":
        path = only_entry(argv[2])
        with open(path, "r+b") as f:
            data = f.read()
            middle = len(data) - (len(data) - 116) // 2
            f.seek(middle)
            f.write(bytes([data[middle] ^ 0x5A]))
    elif command == "truncate":
        path = only_entry(argv[2])
        os.truncate(path, os.path.getsize(path) // 2)
    elif command == "concurrent":
        copies = int(argv[2])
        cmd = argv[argv.index("--") + 1:]
        processes = [
            subprocess.Popen([arg.replace("{}", str(i)) for arg in cmd])
            for i in range(copies)
        ]
        return max(p.wait() for p in processes)
    elif command == "with-limit":
        directory, factor = argv[2], float(argv[3])
        largest = max(os.path.getsize(p) for p in entries(directory))
        env = dict(os.environ, MPT_CACHE_DIR=directory,
                   MPT_CACHE_MAX_SIZE=str(int(factor * largest)))
        return subprocess.call(argv[argv.index("--") + 1:], env=env)
    else:
        sys.exit(f"unknown command {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
