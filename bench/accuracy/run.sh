#!/usr/bin/env bash
# Accuracy parity of mixed precision (the claim of Micikevicius et al.,
# "Mixed Precision Training", Table 1, on our data): the example digits CNN
# and diabetes MLP (examples/pytorch/models.py) exported from PyTorch,
# imported, and trained with mpt-run in fp32, f16 and bf16 for 3 seeds
# each, validated on a held-out fifth of their data. Reports the digits
# CNN's test accuracy (fp32 should reach 95%; f16 and bf16 within 0.3
# points of fp32, mean of the seeds) and the diabetes MLP's test MSE (f16
# and bf16 within 1% of fp32), and plots loss, loss scale, validation loss
# and accuracy per precision (seed 0) with utils/plot-metrics.py.
#
#   bench/accuracy/run.sh [OUTDIR]     (default: bench-accuracy)
#
# A seed sets the initial weights (export.py --seed) and the order of the
# batches (mpt-run --seed); the split into training and test data is the
# same for all. Writes OUTDIR/report.md (the tables), OUTDIR/*.png and,
# per run, OUTDIR/MODEL/PRECISION-sSEED.{csv,json}.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:-bench-accuracy}
bin=$root/build/bin
[ -x "$bin/mpt-run" ] || "$root/utils/setup.sh"
mkdir -p "$out"

# model batch steps optimizer mpt-import options... The MLP overfits the
# 353 training patients after about 100 steps (its validation loss rises
# from 0.48 to 0.69 by step 1000), so it trains for 150.
models=(
  "digits-cnn 64 1500 #mpt.adam<lr = 3.0e-03> --loss=cross-entropy"
  "diabetes-mlp 32 150 #mpt.adam<lr = 1.0e-03> --loss=mse"
)
seeds=(0 1 2)
precisions=(fp32 f16 bf16)

for spec in "${models[@]}"; do
  read -r model batch steps rest <<<"$spec"
  optimizer=${rest% --loss=*}
  loss=--loss=${rest##* --loss=}
  for seed in "${seeds[@]}"; do
    dir=$out/$model/export-s$seed
    /usr/bin/python3 "$root/examples/pytorch/export.py" "$out/$model/export-s$seed.tmp" \
      "$model" --seed="$seed" --test-fraction=0.2 2>/dev/null
    rm -rf "$dir" && mv "$out/$model/export-s$seed.tmp/$model" "$dir"
    rm -rf "$out/$model/export-s$seed.tmp"
    "$bin/mpt-import" "$dir/model.onnx" --batch="$batch" "$loss" \
      --optimizer="$optimizer" -o "$dir/step.mlir" --init="$dir/init.safetensors"
    for precision in "${precisions[@]}"; do
      run=$out/$model/$precision-s$seed
      "$bin/mpt-run" "$dir/step.mlir" --init="$dir/init.safetensors" \
        --data="$dir/x.npy,$dir/y.npy" \
        --validate="$dir/x_test.npy,$dir/y_test.npy" --validate-every=25 \
        --precision="$precision" --steps="$steps" --seed="$seed" --print-every=0 \
        --metrics="$run.csv" --summary="$run.json" >/dev/null
      echo "$model $precision seed $seed: $(/usr/bin/python3 -c \
        'import json, sys; s = json.load(open(sys.argv[1])); print("val_loss", s["val_loss"], "val_accuracy", s["val_accuracy"])' "$run.json")"
    done
  done
  /usr/bin/python3 "$root/utils/plot-metrics.py" "$out/$model.png" \
    $(for p in "${precisions[@]}"; do echo "$out/$model/$p-s0.csv"; done) \
    --labels="$(IFS=,; echo "${precisions[*]}")"
done
/usr/bin/python3 "$root/bench/accuracy/report.py" "$out" | tee "$out/report.md"
