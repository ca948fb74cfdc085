#!/usr/bin/env bash
# JMH micro-benchmarks of the hot pieces of a Swin block (io.swin4j.model.BlockBenchmarks, in swin4j-core's test
# sources: the same package as the package-private blocks, without a split package).
# Usage: bench/jmh.sh [JMH args, e.g. 'windowAttention' -p stage=0]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Compiles core and its test sources (JMH's annotation processor writes the benchmark list) and writes core's test
# class path (JMH, libtorch, ...) to a file.
CP_FILE="$ROOT/swin4j-core/target/jmh.classpath"
mvn -q -B -DskipTests -pl swin4j-core test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >&2
# The same native environment as ./swin.
. "$ROOT/tools/native-env.sh"
exec java -cp "swin4j-core/target/test-classes:swin4j-core/target/classes:$(cat "$CP_FILE")" org.openjdk.jmh.Main "$@"
