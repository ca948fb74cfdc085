#!/usr/bin/env bash
# JMH micro-benchmarks of the hot pieces of a Swin block (swin4j-bench, io.swin4j.model.BlockBenchmarks).
# Usage: bench/jmh.sh [JMH args, e.g. 'windowAttention' -p stage=0]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -q -B -DskipTests package -pl swin4j-core,swin4j-bench -am >&2
# The same native environment as ./swin.
. "$ROOT/tools/native-env.sh"
exec java -cp "swin4j-bench/target/swin4j-bench-0.1.0-SNAPSHOT.jar:swin4j-bench/target/lib/*" org.openjdk.jmh.Main "$@"
