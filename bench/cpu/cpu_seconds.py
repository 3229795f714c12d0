#!/usr/bin/env python3
"""Runs a command and writes the CPU seconds (user + system) it used.

  cpu_seconds.py OUT -- COMMAND...

Writes the seconds to OUT, or, under mpirun, to OUT.RANK (the rank from
OMPI_COMM_WORLD_RANK), so that `mpirun -n 2 cpu_seconds.py t -- mpt-run ...`
measures every rank. Exits with the command's status. The data-parallel
benchmark uses it to compare the CPU time per step of 1 and 2 ranks, which
other processes on a loaded machine disturb much less than wall time.
"""

import os
import resource
import subprocess
import sys


def main(argv):
    separator = argv.index("--")
    (out,) = argv[1:separator]
    status = subprocess.call(argv[separator + 1:])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    rank = os.environ.get("OMPI_COMM_WORLD_RANK")
    with open(out if rank is None else f"{out}.{rank}", "w") as f:
        f.write(f"{usage.ru_utime + usage.ru_stime:.6f}\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
