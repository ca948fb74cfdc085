#!/usr/bin/env bash
# Spark scaling on this machine: the same folder of Fashion-MNIST test images (PNG) classified by the core API
# alone (swin predict, one JVM) and by swin spark-predict on local[1] and local[2], each run twice, alternating.
# Prints each run's own timing line. Not part of `mvn test`.
# Usage: bench/spark_scaling.sh [IMAGES] [-- model flags, e.g. --weights target/bench/swin_t.pth]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-400}"
shift $(( $# >= 1 ? 1 : 0 )) || true
[ "${1:-}" = "--" ] && shift
MODEL=("$@")
./swin --version >/dev/null
DIR="target/spark_scaling/images_$N"
[ -d "$DIR" ] || java -cp "swin4j-cli/target/swin4j-cli.jar:swin4j-cli/target/lib/*" io.swin4j.bench.ExportFashionMnist "$DIR" "$N"
export SPARK_LOCAL_IP=127.0.0.1
for ROUND in 1 2; do
  echo "round $ROUND"
  # Core API: one JVM, the launcher's thread pools (both at the core count), batches of 32.
  START=$(date +%s.%N)
  ./swin predict "${MODEL[@]}" --batch-size 32 --no-progress --format csv --output target/spark_scaling/core.csv "$DIR" 2>&1 | tail -1
  END=$(date +%s.%N)
  awk -v s="$START" -v e="$END" -v n="$N" 'BEGIN { printf "  core API (swin predict): %.1f s wall incl. JVM start and model load = %.1f img/s\n", e - s, n / (e - s) }'
  # local[1]: one task, one thread; local[2]: two tasks of one thread; local[2] with spark.task.cpus=2: one task
  # of two threads (as the core API runs).
  for RUN in "1 1" "2 1" "2 2"; do
    read -r CORES TASK_CPUS <<< "$RUN"
    START=$(date +%s.%N)
    LINE=$(./swin spark-predict "${MODEL[@]}" --input "$DIR" --output "target/spark_scaling/out_$CORES.parquet" --overwrite \
           --master "local[$CORES]" --conf spark.task.cpus="$TASK_CPUS" --partitions $((CORES / TASK_CPUS)) \
           --batch-size 32 2>&1 | grep 'spark-predict:')
    END=$(date +%s.%N)
    echo "  task.cpus=$TASK_CPUS $LINE"
    awk -v s="$START" -v e="$END" -v n="$N" -v c="$CORES" 'BEGIN { printf "    local[%d]: %.1f s wall incl. JVM and Spark start = %.1f img/s\n", c, e - s, n / (e - s) }'
  done
done
