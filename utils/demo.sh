#!/usr/bin/env bash
# The main job: build MPT, then make the example MLP step mixed precision and
# show the result.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/utils/setup.sh"
echo "== mpt-opt --auto-mixed-precision=report=true examples/mlp.mlir"
"$root/build/bin/mpt-opt" --auto-mixed-precision=report=true \
  --mlir-use-nameloc-as-prefix --mlir-print-op-on-diagnostic=false \
  "$root/examples/mlp.mlir"
