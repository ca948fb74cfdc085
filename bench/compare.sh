#!/usr/bin/env bash
# Side-by-side Swin-T 224 inference on this machine: swin4j (fp32 on libtorch and on ONNX Runtime, bf16, int8 dynamic
# and static), ONNX Runtime Java
# 1.22.0 (fp32) and PyTorch eager (Debian torch 1.13: fp32, and its own dynamic int8 quantization), all on the same
# random-weight torchvision swin_t. One run:
#   1. installs what it needs (Debian python3-torch, python3-torchvision, libopenblas0-pthread; ORT from Maven Central),
#   2. exports the model (state dict for swin4j and PyTorch, ONNX opset 17 for ORT),
#   3. checks that the three give the same logits on the same input,
#   4. measures in rounds, every engine and batch size once per round (A B C A B C ...), each in a fresh process
#      (so each peak RSS is that configuration's), so that machine drift hits all alike,
#   5. measures bf16's and int8's agreement with fp32 and runs the leak check, and prints the table.
# Not part of mvn test. Usage: bench/compare.sh [ROUNDS (2)] [SECONDS per measurement (10)] [BATCHES ("1 8 32")]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${1:-2}"; SECONDS_EACH="${2:-10}"; BATCHES="${3:-1 8 32}"
OUT="$ROOT/target/bench"; mkdir -p "$OUT"
CORES="$(nproc)"
ORT_VERSION=1.22.0  # 1.29.0 segfaults when the java command line exceeds ~4 KB

need=()
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || need+=(python3-torch python3-torchvision)
# tcmalloc: what ./swin preloads (see README, Performance); PyTorch gets it too.
[ -f /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ] || need+=(libtcmalloc-minimal4)
# Without the pthread OpenBLAS, Debian's torch falls back to the reference BLAS (about 10x slower GEMM).
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ "${#need[@]}" -gt 0 ]; then
  echo "compare: installing ${need[*]}" >&2
  apt-get install -y -q "${need[@]}" >/dev/null
fi

echo "compare: building swin4j" >&2
mvn -q -B -DskipTests package >&2
ORT_JAR="$OUT/ort/onnxruntime-$ORT_VERSION.jar"
[ -f "$ORT_JAR" ] || mvn -q -B dependency:copy -Dartifact="com.microsoft.onnxruntime:onnxruntime:$ORT_VERSION" \
  -DoutputDirectory="$OUT/ort" >&2
[ -f "$OUT/swin_t.pth" ] && [ -f "$OUT/check_pytorch.npy" ] || /usr/bin/python3 bench/export_torchvision.py "$OUT" 1 $BATCHES >&2
for b in 1 $BATCHES; do [ -f "$OUT/swin_t_b$b.onnx" ] || /usr/bin/python3 bench/export_torchvision.py "$OUT" 1 $BATCHES >&2; done

# OPENBLAS_CORETYPE: this machine presets Haswell; swin4j's and PyTorch's OpenBLAS detect the core themselves
# when it is unset (./swin unsets it too). ORT does not use OpenBLAS.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# Thread pools and allocator: swin4j runs with ./swin's defaults (OpenMP and OpenBLAS at the core count, passive
# waiting, tcmalloc; see README, Performance). PyTorch, the other libtorch, gets the same environment unless
# TORCH_ENV overrides it (e.g. TORCH_ENV="OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2"). ORT: its own pool of all
# cores and its own arena allocator.
# (Read from tools/native-env.sh, in a subshell, so that the two engines cannot drift apart.)
TORCH_ENV="${TORCH_ENV:-$( . "$ROOT/tools/native-env.sh"
  echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OMP_WAIT_POLICY=$OMP_WAIT_POLICY OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS" \
       "OPENBLAS_THREAD_TIMEOUT=$OPENBLAS_THREAD_TIMEOUT LD_PRELOAD=${LD_PRELOAD:-}")}"
ORT_CP="$ORT_JAR:$ROOT/swin4j-bench/target/lib/*:$ROOT/swin4j-bench/target/swin4j-bench-0.1.0-SNAPSHOT.jar"

swin() { "$ROOT/swin" "$@"; }
ort() { java -cp "$ORT_CP" "$ROOT/bench/OrtBench.java" "$@"; }
pytorch() { env $TORCH_ENV /usr/bin/python3 "$ROOT/bench/torch_bench.py" "$@"; }

echo "compare: logits check (same input, same weights)" >&2
swin forward --weights "$OUT/swin_t.pth" --input "$OUT/check_input.npy" --output "$OUT/check_swin4j.npy"
ort check "$OUT/swin_t_b1.onnx" "$OUT/check_input.npy" "$OUT/check_onnxruntime.npy"
/usr/bin/python3 - "$OUT" <<'PY'
import sys, numpy as np
out = sys.argv[1]
ref = np.load(f"{out}/check_pytorch.npy")
scale = np.abs(ref).max()
for name in ("swin4j", "onnxruntime"):
    got = np.load(f"{out}/check_{name}.npy")
    diff = np.abs(got - ref).max()
    same = (got.argmax(1) == ref.argmax(1)).all()
    print(f"logits check: {name} vs pytorch: max |diff| {diff:.2e} (logits up to {scale:.2f}), same top-1: {same}")
    if diff > 1e-3 * max(scale, 1) or not same:
        sys.exit(f"compare: {name} disagrees with PyTorch; not benchmarking")
PY

# bf16 is fast only with bf16 instructions (AVX-512 BF16, AMX); elsewhere libtorch's generic bf16 GEMM is several
# times slower than fp32, so it is timed briefly, at the small batch sizes only.
if grep -qw -e avx512_bf16 -e amx_bf16 /proc/cpuinfo; then
  BF16_BATCHES="$BATCHES"; BF16_FLAGS="--seconds $SECONDS_EACH"
else
  BF16_BATCHES="$(echo $BATCHES | tr ' ' '\n' | awk '$1 <= 8' | tr '\n' ' ')"; BF16_FLAGS="--warmup 1 --runs 3 --seconds 0"
  echo "compare: this CPU has no bf16 instructions: bf16 timed briefly, at batch sizes $BF16_BATCHES only" >&2
fi

# int8: dynamic (--precision int8 on the fp32 checkpoint) and static (an int8 file calibrated on the sample images;
# random weights make the calibration set's content irrelevant to speed).
swin quantize --weights "$OUT/swin_t.pth" --calibration "$ROOT/samples" --output "$OUT/swin_t_int8.safetensors" >&2

RESULTS="$OUT/results.jsonl"; : > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for b in $BATCHES; do
    echo "compare: round $round batch $b" >&2
    swin bench --weights "$OUT/swin_t.pth" --batch "$b" --seconds "$SECONDS_EACH" --json 2>/dev/null | grep '^{' >> "$RESULTS"
    # swin4j's own ONNX graph under ONNX Runtime (engine column "swin4j-onnxruntime")
    swin bench --engine onnxruntime --weights "$OUT/swin_t.pth" --batch "$b" --seconds "$SECONDS_EACH" --json 2>/dev/null \
      | grep '^{' >> "$RESULTS"
    ort bench "$OUT/swin_t_b$b.onnx" "$b" "$CORES" 3 10 "$SECONDS_EACH" >> "$RESULTS"
    pytorch "$OUT/swin_t.pth" "$b" 3 10 "$SECONDS_EACH" >> "$RESULTS"
    swin bench --weights "$OUT/swin_t.pth" --batch "$b" --precision int8 --seconds "$SECONDS_EACH" --json 2>/dev/null | grep '^{' >> "$RESULTS"
    swin bench --weights "$OUT/swin_t_int8.safetensors" --batch "$b" --seconds "$SECONDS_EACH" --json 2>/dev/null | grep '^{' >> "$RESULTS"
    pytorch "$OUT/swin_t.pth" "$b" 3 10 "$SECONDS_EACH" int8 >> "$RESULTS"
    if [[ " $BF16_BATCHES " == *" $b "* ]]; then
      swin bench --weights "$OUT/swin_t.pth" --batch "$b" --precision bf16 $BF16_FLAGS --json 2>/dev/null | grep '^{' >> "$RESULTS"
    fi
  done
done

echo
echo "## Swin-T 224 inference, $(lscpu | sed -n 's/^Model name: *//p'), $CORES cores, $(date -u +%F)"
echo "Command: bench/compare.sh $ROUNDS $SECONDS_EACH \"$BATCHES\""
echo
/usr/bin/python3 bench/summarize.py "$RESULTS"
echo
echo "bf16 vs fp32 (swin4j, same weights):"
swin bench --weights "$ROOT/swin4j-core/src/main/resources/io/swin4j/default/fashion-mnist-swin.safetensors" --batch 16 \
  --precision bf16 --runs 1 --seconds 0 --agreement 2000 2>/dev/null | tail -1 | sed 's/^/  bundled Fashion-MNIST model: /'
swin bench --weights "$OUT/swin_t.pth" --batch 1 --precision bf16 --runs 1 --seconds 0 --agreement 64 2>/dev/null | tail -1 \
  | sed 's/^/  random-weight Swin-T: /'
echo "int8 vs fp32 (swin4j, same weights):"
BUNDLED="$ROOT/swin4j-core/src/main/resources/io/swin4j/default/fashion-mnist-swin.safetensors"
if [ ! -f "$OUT/fmnist_int8.safetensors" ]; then
  java -cp "$ROOT/swin4j-cli/target/swin4j-cli.jar:$ROOT/swin4j-cli/target/lib/*" io.swin4j.bench.ExportFashionMnist \
    "$OUT/fmnist_train512" 512 train >&2
  swin quantize --weights "$BUNDLED" --calibration "$OUT/fmnist_train512" --output "$OUT/fmnist_int8.safetensors" >&2
fi
swin bench --weights "$BUNDLED" --batch 16 --precision int8 --runs 1 --seconds 0 --agreement 10000 2>/dev/null | tail -1 \
  | sed 's/^/  bundled Fashion-MNIST model: /'
swin bench --weights "$OUT/fmnist_int8.safetensors" --batch 16 --runs 1 --seconds 0 --agreement 10000 2>/dev/null | tail -1 \
  | sed 's/^/  bundled Fashion-MNIST model: /'
swin bench --weights "$OUT/swin_t.pth" --batch 1 --precision int8 --runs 1 --seconds 0 --agreement 64 2>/dev/null | tail -1 \
  | sed 's/^/  random-weight Swin-T: /'
swin bench --weights "$OUT/swin_t_int8.safetensors" --batch 1 --runs 1 --seconds 0 --agreement 64 2>/dev/null | tail -1 \
  | sed 's/^/  random-weight Swin-T: /'
echo "leak check (swin4j fp32):"
swin bench --weights "$OUT/swin_t.pth" --batch 1 --runs 1 --seconds 0 --leak-check 1000 2>/dev/null | tail -1
