#!/usr/bin/env bash
# Trains every model of pytorch-validation.test with --validate and checks
# the validation against PyTorch on the saved parameters:
#   compare_validation.sh DIR MPT_IMPORT MPT_RUN PYTHON EVALUATE_PY
set -euo pipefail
dir=$1 mpt_import=$2 mpt_run=$3 python=$4 evaluate=$5
compare() { # model batch [mpt-import options...]
  local model=$1 batch=$2
  shift 2
  "$mpt_import" "$dir/$model/model.onnx" --batch="$batch" \
    --optimizer='#mpt.adam<lr = 1.0e-02>' "$@" \
    -o "$dir/$model/step.mlir" --init="$dir/$model/init.safetensors"
  "$mpt_run" "$dir/$model/step.mlir" --init="$dir/$model/init.safetensors" \
    --data="$dir/$model/x.npy,$dir/$model/y.npy" --steps=40 --print-every=0 \
    --validate="$dir/$model/x_test.npy,$dir/$model/y_test.npy" \
    --save="$dir/$model/trained.safetensors" --summary="$dir/$model/summary.json" \
    | grep '^validation:'
  "$python" "$evaluate" "$dir/$model" "$model" "$dir/$model/trained.safetensors" \
    --compare="$dir/$model/summary.json" --tolerance=1e-5
}
compare digits-cnn 64 --loss=cross-entropy
compare digits-bn-cnn 64 --loss=cross-entropy
compare diabetes-mlp 32
compare next-character 32 --loss=cross-entropy
