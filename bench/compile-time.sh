#!/usr/bin/env bash
# Compile time against model depth: mpt-run with an empty compile cache
# (cold) and with the step in it (warm), and the MLIR passes alone, on stacks
# of 6 to 96 linear + tanh layers (width 256, batch 64, f16) and on the
# transformer block, as wall time, CPU time and peak RSS. Prints a Markdown table and writes OUT/compile-time.csv and
# OUT/compile-time.png.
#
#   bench/compile-time.sh [--build DIR] [--out DIR] [--depths 6,12,...] [--runs N]
#
# Run it on an idle machine for the figures that count; on a loaded one the
# CPU time (user + sys) still means something, the wall time does not.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ -x "$root/build/bin/mpt-run" ] || "$root/utils/setup.sh"
exec /usr/bin/python3 "$root/bench/compile-time.py" "$@"
