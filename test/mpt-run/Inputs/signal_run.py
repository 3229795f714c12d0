"""Runs a training command and signals it, as a user or a job scheduler
would, to test what a run does when it is stopped.

usage:
  signal_run.py SIGNAL COUNT PATTERN -- COMMAND...
      Starts COMMAND, waits until a line of its stdout contains PATTERN,
      then sends SIGNAL (SIGINT, SIGTERM, SIGKILL) COUNT times, each after
      the previous one was handled (the run says so on stderr), so that
      the signals do not merge into one. Prints the command's stdout, then
      its stderr, then "exit N" (-9 for a process killed by SIGKILL).
  signal_run.py hold FILE -- COMMAND...
      Runs COMMAND while holding an exclusive flock on FILE (created if
      needed), as a live run holds its temporary files.
"""

import fcntl
import os
import signal
import subprocess
import sys
import threading

# A run that never reaches PATTERN is killed rather than left hanging.
TIMEOUT_SECONDS = 120


def signal_run(name, count, pattern, command):
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(TIMEOUT_SECONDS, process.kill)
    timer.start()
    out = []
    for line in process.stdout:
        out.append(line)
        if pattern in line:
            break
    err = []
    for i in range(count):
        os.kill(process.pid, getattr(signal, name))
        if i + 1 < count:
            err.append(process.stderr.readline())
    out.append(process.stdout.read())
    err.append(process.stderr.read())
    process.wait()
    timer.cancel()
    sys.stdout.write("".join(out) + "".join(err))
    print("exit", process.returncode)
    return 0


def hold(path, command):
    with open(path, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        return subprocess.call(command)


def main(argv):
    separator = argv.index("--")
    args, command = argv[1:separator], argv[separator + 1:]
    if args[0] == "hold":
        return hold(args[1], command)
    return signal_run(args[0], int(args[1]), args[2], command)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
