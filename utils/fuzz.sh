#!/usr/bin/env bash
# Builds one libFuzzer target in build-fuzz/ and runs it.
#
#   utils/fuzz.sh TARGET SECONDS [LIBFUZZER-FLAGS...]
#
# TARGET is `compile` (parse, verify, mixed precision, expansion,
# differentiation, CPU lowering; utils/fuzz/FuzzCompile.cpp) or `readers`
# (the runtime's .npy, safetensors, checkpoint and JSON-signature readers;
# utils/fuzz/FuzzReaders.cpp) or `import` (ONNX protobuf or text through
# mpt-import's importer, then mixed precision, expansion and
# differentiation; utils/fuzz/FuzzImport.cpp). The corpus, seeded from the tests, and the
# crashing inputs stay in build-fuzz/fuzz/TARGET/, which git ignores; a
# crash that stays open goes to utils/fuzz/crashes/TARGET/, listed in
# utils/fuzz/README.md. The run keeps going after a crash (fork mode) until
# SECONDS have passed, then prints the executions and the crashes it saved.
#
#   utils/fuzz.sh TARGET --replay FILE...   runs the target once per file
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${1:?usage: utils/fuzz.sh compile|readers|import SECONDS [libFuzzer flags]}
case "$target" in
compile | readers | import) ;;
*) echo "fuzz.sh: unknown target '$target' (compile, readers or import)" >&2; exit 1 ;;
esac
shift
mode=${1:?usage: utils/fuzz.sh compile|readers|import SECONDS [libFuzzer flags]}
shift

"$root/utils/setup.sh" --no-build
build="$root/build-fuzz"
if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release -DMPT_BUILD_FUZZERS=ON "${launcher[@]}" \
    -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
ninja -C "$build" "mpt-fuzz-$target"
fuzzer="$build/bin/mpt-fuzz-$target"

if [ "$mode" = "--replay" ]; then
  exec "$fuzzer" "$@"
fi

work="$build/fuzz/$target"
corpus="$work/corpus"
crashes="$work/crashes"
mkdir -p "$corpus" "$crashes"

# Seeds: every test input, split where the tests split it.
seeds="$work/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"
python=/usr/bin/python3
if [ "$target" = compile ]; then
  "$python" - "$seeds" "$root/test" "$root/examples" <<'PY'
import hashlib, os, sys
out = sys.argv[1]
for top in sys.argv[2:]:
    for folder, _, files in os.walk(top):
        for name in files:
            if not name.endswith(".mlir"):
                continue
            with open(os.path.join(folder, name), "rb") as f:
                text = f.read()
            for chunk in text.split(b"// -----"):
                digest = hashlib.sha1(chunk).hexdigest()
                with open(os.path.join(out, digest + ".mlir"), "wb") as f:
                    f.write(chunk)
PY
elif [ "$target" = import ]; then
  # The importer's tests (ONNX text), the binary models their script
  # writes, and the example models exported by PyTorch at both ends of the
  # supported opsets.
  raw="$work/raw"
  rm -rf "$raw" && mkdir -p "$raw"
  for test in $(grep -l "^#--- " "$root"/test/mpt-import/*.test); do
    /usr/lib/llvm-22/bin/split-file "$test" "$raw/$(basename "$test" .test)"
  done
  find "$raw" -type f -exec sh -c 'cp "$1" "$2/$(echo "$1" | sha1sum | cut -c1-16)-$(basename "$1")"' _ {} "$seeds" \;
  "$python" "$root/test/mpt-import/Inputs/make_onnx.py" names "$seeds/names.onnx"
  "$python" "$root/test/mpt-import/Inputs/make_onnx.py" mlp 2 "$seeds/mlp2.onnx"
  for opset in 13 17; do
    "$python" "$root/examples/pytorch/export.py" "$raw/export$opset" --opset "$opset" >/dev/null
    for model in "$raw/export$opset"/*/model.onnx; do
      cp "$model" "$seeds/$(basename "$(dirname "$model")")-opset$opset.onnx"
    done
  done
else
  # The readers' input is a selector byte (0 npy, 1 safetensors,
  # 2 checkpoint, 3 JSON signature) followed by the file.
  raw="$work/raw"
  rm -rf "$raw" && mkdir -p "$raw/npy" "$raw/safetensors" "$raw/checkpoint" "$raw/json"
  "$python" "$root/test/mpt-run/Inputs/npy_cases.py" "$raw/npy" >/dev/null
  tool="$root/test/mpt-run/Inputs/safetensors_tool.py"
  "$python" "$tool" write "$raw/safetensors/a.safetensors" w:F32:2x3 h:F16:3:0.25 n:I64:scalar:7 meta:k=v
  "$python" "$tool" corrupt "$raw/safetensors" >/dev/null
  "$python" "$tool" write "$raw/checkpoint/state.ckpt" w:F32:4x2 b:F32:2 \
    mpt.velocity/w:F32:4x2 mpt.velocity/b:F32:2 mpt.loss_scale:F32:scalar:1024 \
    mpt.good_steps:I32:scalar:3 mpt.hysteresis_left:I32:scalar:2 \
    meta:mpt.format=mpt-checkpoint-1 meta:mpt.step=4 meta:mpt.seed=1
  "$python" "$tool" write "$raw/checkpoint/params.safetensors" w:F32:4x2 b:F16:2
  /usr/lib/llvm-22/bin/split-file "$root/test/Runtime/signature.test" "$raw/json"
  printf '%s' '#mpt.loss_scale<init = 1.024000e+03, hysteresis = 2>' >"$raw/json/loss_scale.txt"
  selector=0
  for kind in npy safetensors checkpoint json; do
    for file in "$raw/$kind"/*; do
      [ -f "$file" ] || continue
      { printf "\\x0$selector"; cat "$file"; } >"$seeds/$kind-$(basename "$file")"
    done
    selector=$((selector + 1))
  done
fi

flags=()
if [ "$target" = compile ]; then
  flags+=(-dict="$root/utils/fuzz/mlir.dict")
elif [ "$target" = import ]; then
  flags+=(-dict="$root/utils/fuzz/onnx.dict")
fi

log="$work/fuzz.log"
echo "fuzz.sh: $target for $mode s; log in $log, crashes in $crashes"
set +e
"$fuzzer" "$corpus" "$seeds" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -max_total_time="$mode" -timeout=30 -rss_limit_mb=4096 \
  -artifact_prefix="$crashes/" -print_final_stats=1 "${flags[@]}" "$@" >"$log" 2>&1
status=$?
set -e
grep -E '^#[0-9]+: cov' "$log" | tail -1 || true
found=$(find "$crashes" -type f | wc -l)
echo "fuzz.sh: $found crashing inputs in $crashes (exit $status)"
find "$crashes" -type f -newer "$seeds" -printf '  %f\n' | head -20
