#!/usr/bin/env bash
# Load test of `swin serve` over loopback: 16 concurrent clients for 60 s against the service with micro-batching
# (--max-batch 16) and without (--max-batch 1); prints requests by status, p50/p99 latency, img/s and the server's
# RSS before and after each run, then the micro-batching gain. Not part of `mvn test`.
# Usage: bench/serve_load.sh [CLIENTS] [SECONDS] [-- serve flags, e.g. --weights target/bench/swin_t.pth]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLIENTS="${1:-16}"; SECONDS_PER_RUN="${2:-60}"
shift $(( $# >= 2 ? 2 : $# )) || true
[ "${1:-}" = "--" ] && shift
SERVE_FLAGS=("$@")
PORT="${PORT:-18090}"
./swin --version >/dev/null   # builds the command line if needed
CP="swin4j-cli/target/swin4j-cli.jar:swin4j-cli/target/lib/*"

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

declare -A RATE
for BATCH in 16 1; do
  ./swin serve --port "$PORT" --max-batch "$BATCH" "${SERVE_FLAGS[@]}" > "target/serve_load_$BATCH.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  # Warm-up (first forward passes, JIT), then the measured run.
  java -cp "$CP" io.swin4j.bench.HttpLoad --url "http://127.0.0.1:$PORT/v1/classify" --clients "$CLIENTS" --seconds 5 samples/ >/dev/null
  BEFORE=$(rss_mb $PID)
  echo "--max-batch $BATCH: server RSS before ${BEFORE} MB"
  OUT=$(java -cp "$CP" io.swin4j.bench.HttpLoad --url "http://127.0.0.1:$PORT/v1/classify" --clients "$CLIENTS" \
        --seconds "$SECONDS_PER_RUN" samples/)
  AFTER=$(rss_mb $PID)
  echo "  $OUT"
  echo "  server RSS after ${AFTER} MB (peak $(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$PID/status) MB)"
  curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^swin4j_batch_size_(sum|count)' | sed 's/^/  /'
  RATE[$BATCH]=$(echo "$OUT" | sed -E 's/.* ([0-9.]+) img\/s.*/\1/')
  kill -TERM $PID; wait $PID || true
done
awk -v a="${RATE[16]}" -v b="${RATE[1]}" 'BEGIN { printf "micro-batching gain: %.2fx (%s vs %s img/s)\n", a / b, a, b }'
