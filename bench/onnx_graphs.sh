#!/usr/bin/env bash
# ONNX Runtime Java 1.22.0 on three graphs of the same random-weight Swin-T 224 (torchvision swin_t): torchvision's
# own export (torch.onnx, Debian torch 1.13, opset 17, static batch), and swin4j's `swin export` graphs (contrib ops,
# dynamic batch; fixed 224x224, and --dynamic-size) — plus the dynamic-size graph against a fixed 320x480 one. Every
# configuration in a fresh process, alternated round by round (A B C A B C ...), medians over calls; same ORT
# settings for all (optimisation ALL, intra-op = cores, inter-op 1). Needs what bench/compare.sh installs (it reuses
# its exports in target/bench). Not part of mvn test.
# Usage: bench/onnx_graphs.sh [ROUNDS (2)] [SECONDS per measurement (8)] [BATCHES ("1 8")]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${1:-2}"; SECONDS_EACH="${2:-8}"; BATCHES="${3:-1 8}"
OUT="$ROOT/target/bench"; mkdir -p "$OUT"
CORES="$(nproc)"
ORT_VERSION=1.22.0
[ -f swin4j-cli/target/swin4j-cli.jar ] || mvn -q -B -DskipTests package >&2
ORT_JAR="$OUT/ort/onnxruntime-$ORT_VERSION.jar"
[ -f "$ORT_JAR" ] || mvn -q -B dependency:copy -Dartifact="com.microsoft.onnxruntime:onnxruntime:$ORT_VERSION" \
  -DoutputDirectory="$OUT/ort" >&2
for b in $BATCHES; do
  [ -f "$OUT/swin_t_b$b.onnx" ] || /usr/bin/python3 bench/export_torchvision.py "$OUT" 1 $BATCHES >&2
done
swin() { "$ROOT/swin" "$@"; }
[ -f "$OUT/swin4j_t.onnx" ] || swin export --weights "$OUT/swin_t.pth" --output "$OUT/swin4j_t.onnx" --dynamic-batch >&2
[ -f "$OUT/swin4j_t_dynamic.onnx" ] || swin export --weights "$OUT/swin_t.pth" --output "$OUT/swin4j_t_dynamic.onnx" \
  --dynamic-batch --dynamic-size >&2
[ -f "$OUT/swin4j_t_320x480.onnx" ] || swin export --weights "$OUT/swin_t.pth" --output "$OUT/swin4j_t_320x480.onnx" \
  --dynamic-batch --size 320x480 >&2
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
CP="$ORT_JAR:$ROOT/swin4j-bench/target/lib/*:$ROOT/swin4j-bench/target/swin4j-bench-0.1.0-SNAPSHOT.jar"
ort() { java -cp "$CP" "$ROOT/bench/OrtBench.java" bench "$@"; }
RESULTS="$OUT/onnx_graphs.jsonl"; : > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for b in $BATCHES; do
    echo "onnx_graphs: round $round batch $b" >&2
    ort "$OUT/swin_t_b$b.onnx" "$b" "$CORES" 3 10 "$SECONDS_EACH" 224 224 "torchvision export 224" >> "$RESULTS"
    ort "$OUT/swin4j_t.onnx" "$b" "$CORES" 3 10 "$SECONDS_EACH" 224 224 "swin4j graph 224" >> "$RESULTS"
    ort "$OUT/swin4j_t_dynamic.onnx" "$b" "$CORES" 3 10 "$SECONDS_EACH" 224 224 "swin4j dynamic-size graph at 224" >> "$RESULTS"
    ort "$OUT/swin4j_t_320x480.onnx" "$b" "$CORES" 3 10 "$SECONDS_EACH" 320 480 "swin4j graph 320x480" >> "$RESULTS"
    ort "$OUT/swin4j_t_dynamic.onnx" "$b" "$CORES" 3 10 "$SECONDS_EACH" 320 480 "swin4j dynamic-size graph at 320x480" >> "$RESULTS"
  done
done
/usr/bin/python3 - "$RESULTS" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    if line.startswith('{'):
        r = json.loads(line); s = r['stats']
        rows[(r['model'], s['batch'])].append((s['imgPerSec'], s['latencyP50Ms'], r['peakRssMb']))
base = {b: statistics.median(x[0] for x in v) for (m, b), v in rows.items() if m.startswith('torchvision')}
print('| graph (ONNX Runtime 1.22, fp32) | batch | img/s (median of rounds) | rounds | × torchvision export | p50 ms | peak RSS MB |')
print('|---|---:|---:|---|---:|---:|---:|')
for (m, b), v in sorted(rows.items(), key=lambda k: (k[0][1], k[0][0])):
    ips = statistics.median(x[0] for x in v)
    print(f"| {m} | {b} | {ips:.1f} | {' '.join(f'{x[0]:.1f}' for x in v)} | "
          f"{ips / base[b]:.2f} | {statistics.median(x[1] for x in v):.1f} | {max(x[2] for x in v):.0f} |")
PY
