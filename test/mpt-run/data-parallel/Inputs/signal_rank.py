"""Starts a data-parallel job and signals one of its ranks, or the launcher,
to test how the ranks of a job stop together.

usage:
  signal_rank.py SIGNAL TARGET PATTERN -- COMMAND...
      Starts COMMAND (an mpirun command line), waits until a line of its
      stdout contains PATTERN, then sends SIGNAL (SIGINT, SIGTERM) once to
      TARGET: `launcher` (the process COMMAND started) or a rank number
      (the descendant process whose OMPI_COMM_WORLD_RANK is that number).
      Prints the command's stdout, then its stderr, then "exit N".
"""

import os
import signal
import subprocess
import sys
import threading

# A job that never reaches PATTERN is killed rather than left hanging.
TIMEOUT_SECONDS = 120


def children(pid):
    """The processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name may hold spaces: the parent follows ')'.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def rank_of(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            for item in environ.read().split(b"\0"):
                if item.startswith(b"OMPI_COMM_WORLD_RANK="):
                    return int(item.split(b"=", 1)[1])
    except OSError:
        pass
    return None


def find_rank(root, rank):
    pending = [root]
    while pending:
        pid = pending.pop()
        if pid != root and rank_of(pid) == rank:
            return pid
        pending.extend(children(pid))
    raise SystemExit(f"signal_rank.py: no process of rank {rank} under {root}")


def main(argv):
    separator = argv.index("--")
    name, target, pattern = argv[1:separator]
    command = argv[separator + 1:]
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(TIMEOUT_SECONDS, process.kill)
    timer.start()
    out = []
    for line in process.stdout:
        out.append(line)
        if pattern in line:
            break
    pid = process.pid if target == "launcher" else find_rank(process.pid,
                                                             int(target))
    os.kill(pid, getattr(signal, name))
    out.append(process.stdout.read())
    err = process.stderr.read()
    process.wait()
    timer.cancel()
    sys.stdout.write("".join(out) + err)
    print("exit", process.returncode)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
