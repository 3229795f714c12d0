#!/usr/bin/env bash
# Imports, trains and compares every example model of
# pytorch-trajectories.test:
#   compare_trajectories.sh DIR MPT_IMPORT MPT_RUN PYTHON REFERENCE_PY
set -euo pipefail
dir=$1 mpt_import=$2 mpt_run=$3 python=$4 reference=$5
compare() { # model batch optimizer lr [mpt-import options...]
  local model=$1 batch=$2 optimizer=$3 lr=$4
  shift 4
  local attr="#mpt.$optimizer<lr = $lr>"
  "$mpt_import" "$dir/$model/model.onnx" --batch="$batch" --optimizer="$attr" "$@" \
    -o "$dir/$model/$optimizer.mlir" --init="$dir/$model/init.safetensors"
  "$mpt_run" "$dir/$model/$optimizer.mlir" --init="$dir/$model/init.safetensors" \
    --data="$dir/$model/x.npy,$dir/$model/y.npy" --shuffle=false --steps=30 \
    --print-every=0 --metrics="$dir/$model/$optimizer.csv" > /dev/null
  "$python" "$reference" "$dir/$model" "$model" --optimizer="$optimizer" \
    --lr="$lr" --batch="$batch" --compare="$dir/$model/$optimizer.csv" \
    --tolerance=1e-4
}
classes=(--loss=cross-entropy)
compare diabetes-mlp 32 sgd 0.05
compare diabetes-mlp 32 adam 0.001
compare gelu-layernorm-mlp 32 sgd 0.05
compare gelu-layernorm-mlp 32 adam 0.001
compare digits-cnn 64 sgd 0.1 "${classes[@]}"
compare digits-cnn 64 adam 0.001 "${classes[@]}"
compare digits-transformer 64 sgd 0.05 "${classes[@]}"
compare digits-transformer 64 adam 0.001 "${classes[@]}"
compare next-character 32 sgd 0.5 "${classes[@]}"
compare next-character 32 adam 0.01 "${classes[@]}"
