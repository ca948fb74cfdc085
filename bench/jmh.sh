#!/usr/bin/env bash
# JMH micro-benchmarks of the hot pieces of a Swin block (swin4j-bench, io.swin4j.model.BlockBenchmarks).
# Usage: bench/jmh.sh [JMH args, e.g. 'windowAttention' -p stage=0]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -DskipTests package -pl swin4j-core,swin4j-bench -am >&2
# Same settings as ./swin: OpenBLAS detects the core itself (the machine presets Haswell, half speed on AMD);
# OpenMP at 1 and OpenBLAS at the core count do not oversubscribe.
unset OPENBLAS_CORETYPE
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$(nproc)}"
exec java -cp "swin4j-bench/target/swin4j-bench-0.1.0-SNAPSHOT.jar:swin4j-bench/target/lib/*" org.openjdk.jmh.Main "$@"
