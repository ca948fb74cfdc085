#!/usr/bin/env bash
# Issue 19's experiment ("Quantizable Transformers", Bondarenko et al. 2023, at Fashion-MNIST scale): vanilla,
# clipped-softmax and gated-attention Swins of the bundled model's size, trained with its recipe and seed for EPOCHS
# epochs, then for each model:
#   fp32 top-1                       swin eval on the 10,000 test images
#   W8A8 static PTQ top-1            swin quantize --calibration (512 training images, min-max, every linear layer
#                                    including the head and the patch embedding), then swin eval of that file
#   W8A8 dynamic top-1               swin quantize without calibration (same layers), then swin eval
#   max ‖x‖∞, average kurtosis       swin outliers, 10 batches of 32 test images (block outputs)
# and prints one markdown table. Every number comes from one of those commands; their JSON is kept in OUT_DIR.
# Usage: tools/quantizable_experiment.sh OUT_DIR [EPOCHS (8)] [CLIP_ALPHA (0.4)]
#   A model whose OUT_DIR/<variant>/model.safetensors exists is not trained again. Training runs one variant at a
#   time with libtorch and OpenBLAS at 1 thread (2–4 minutes an epoch here); PARALLEL=1 trains the three at once.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: tools/quantizable_experiment.sh OUT_DIR [EPOCHS] [CLIP_ALPHA]}"; EPOCHS="${2:-8}"; ALPHA="${3:-0.4}"
mkdir -p "$OUT"
swin() { "$ROOT/swin" "$@"; }
declare -A FLAGS=([vanilla]="" [clipped]="--attention clipped --clip-alpha $ALPHA" [gated]="--attention gated")
pids=()
for v in vanilla clipped gated; do
  [ -f "$OUT/$v/model.safetensors" ] && continue
  # one thread per process in both pools (libtorch and OpenBLAS): two trainings at once must not oversubscribe
  cmd=(env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$ROOT/swin" train --recipe fashion-mnist --epochs "$EPOCHS" --set threads=1 --set workers=1 ${FLAGS[$v]} --output "$OUT/$v")
  echo "experiment: ${cmd[*]}" >&2
  if [ "${PARALLEL:-0}" = 1 ]; then "${cmd[@]}" > "$OUT/$v.log" 2>&1 & pids+=($!); else "${cmd[@]}" > "$OUT/$v.log" 2>&1; fi
done
for p in "${pids[@]}"; do wait "$p"; done

CALIB="$OUT/calibration"
[ -d "$CALIB" ] || java -cp "$ROOT/swin4j-cli/target/swin4j-cli.jar:$ROOT/swin4j-cli/target/lib/*" \
  io.swin4j.bench.ExportFashionMnist "$CALIB" 512 train >&2
evaljson() { swin eval --weights "$1" --dataset fashion-mnist --split test --json --no-progress 2>/dev/null; }
for v in vanilla clipped gated; do
  m="$OUT/$v/model.safetensors"
  evaljson "$m" > "$OUT/$v.fp32.json"
  swin quantize --weights "$m" --calibration "$CALIB" --head --patch-embed --output "$OUT/$v.static.safetensors" >&2
  swin quantize --weights "$m" --head --patch-embed --output "$OUT/$v.dynamic.safetensors" >&2
  evaljson "$OUT/$v.static.safetensors" > "$OUT/$v.static.json"
  evaljson "$OUT/$v.dynamic.safetensors" > "$OUT/$v.dynamic.json"
  swin outliers --weights "$m" --dataset fashion-mnist --split test --batches 10 --json --output "$OUT/$v.outliers" \
    > "$OUT/$v.outliers.json" 2>/dev/null
done
/usr/bin/python3 - "$OUT" "$EPOCHS" <<'PY'
import json, sys
out, epochs = sys.argv[1], sys.argv[2]
print(f"| attention ({epochs} epochs) | fp32 top-1 | W8A8 static PTQ top-1 (agreement) | W8A8 dynamic top-1 (agreement) | max ‖x‖∞ | average kurtosis |")
print("|---|---:|---:|---:|---:|---:|")
for v in ("vanilla", "clipped", "gated"):
    j = {k: json.load(open(f"{out}/{v}.{k}.json")) for k in ("fp32", "static", "dynamic", "outliers")}
    q = lambda k: f"{100 * j[k]['top1']:.2f}% ({100 * j[k]['agreementWithFp32']['top1Agreement']:.2f}%)"
    s = j["outliers"]["summary"]
    print(f"| {v} | {100 * j['fp32']['top1']:.2f}% | {q('static')} | {q('dynamic')} | {s['max_inf_norm']:.1f} | {s['average_kurtosis']:.2f} |")
PY
