#!/usr/bin/env bash
# The main job: install what is missing, build MPT, and train the example MLP
# in mixed precision (f16 compute, f32 master weights, dynamic loss scale) on
# the CPU, next to the same model in fp32.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/utils/setup.sh"
run="$root/build/bin/mpt-run"
model="$root/examples/mlp.mlir"

echo
echo "== mixed precision (f16) =="
"$run" --precision=f16 --steps=200 --print-every=20 "$model"
echo
echo "== fp32 reference =="
"$run" --precision=fp32 --steps=200 --print-every=200 "$model"
echo
echo "See the compiled step: build/bin/mpt-opt --auto-mixed-precision=report=true examples/mlp.mlir"
