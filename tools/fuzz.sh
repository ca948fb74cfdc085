#!/usr/bin/env bash
# Coverage-guided fuzzing with Jazzer (libFuzzer for the JVM): tools/fuzz.sh TARGET SECONDS [HEAP]
#
#   TARGET  pth | safetensors | image | multipart   (or "list")
#   SECONDS how long to fuzz (libFuzzer's -max_total_time)
#   HEAP    the fuzzed JVM's -Xmx (default 512m: an input that makes the code allocate what a file declares is a finding)
#
# Each target is a test class with a static fuzzerTestOneInput(byte[]) (run here by the standalone Jazzer driver) and a
# @FuzzTest method `fuzz` that `mvn test` uses to replay the committed inputs in
# src/test/resources/<package>/<Class>Inputs/fuzz/ (the seed corpus and every crashing input found, kept as
# regression tests). The corpus grown here goes to target/fuzz/TARGET/corpus; crashing inputs to
# target/fuzz/TARGET/ (crash-*, with a Java reproducer). Copy a crash into the Inputs directory once it is fixed.
# Prints the executions and the findings at the end (from libFuzzer's own log, target/fuzz/TARGET/fuzz.log).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
declare -A MODULE=([pth]=swin4j-core [safetensors]=swin4j-core [image]=swin4j-core [multipart]=swin4j-serve)
declare -A CLASS=([pth]=io.swin4j.weights.io.PthFuzzTest [safetensors]=io.swin4j.weights.io.SafetensorsFuzzTest
                  [image]=io.swin4j.vision.ImageFuzzTest [multipart]=io.swin4j.serve.MultipartFuzzTest)
target="${1:-}"; seconds="${2:-}"; heap="${3:-512m}"
if [ "$target" = list ]; then for t in "${!CLASS[@]}"; do echo "$t ${MODULE[$t]} ${CLASS[$t]}"; done | sort; exit 0; fi
if [ -z "$target" ] || [ -z "${CLASS[$target]:-}" ] || ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: tools/fuzz.sh {pth|safetensors|image|multipart|list} SECONDS [HEAP]" >&2; exit 2
fi
module="${MODULE[$target]}"; class="${CLASS[$target]}"
cd "$ROOT"
mvn -B -q -o -Dstyle.color=never -pl "$module" -am -DskipTests test-compile >&2
cp_file="$ROOT/$module/target/fuzz-classpath.txt"
mvn -B -q -o -Dstyle.color=never -pl "$module" dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$cp_file" >&2
classpath="$ROOT/$module/target/test-classes:$ROOT/$module/target/classes:$(cat "$cp_file")"
out="$ROOT/target/fuzz/$target"; mkdir -p "$out/corpus"
seeds="$ROOT/$module/src/test/resources/$(echo "${class%.*}" | tr . /)/${class##*.}Inputs/fuzz"
[ -d "$seeds" ] || { echo "fuzz: no seed corpus at $seeds" >&2; exit 1; }
echo "fuzz: $target ($class) for ${seconds}s, heap $heap; corpus $out/corpus, seeds $seeds" >&2
# Only swin4j is instrumented for coverage (the JDK and libraries are not). --keep_going counts findings instead of
# stopping at the first; each distinct one is written as crash-*.
set +e
java -Xmx"$heap" -XX:+EnableDynamicAgentLoading --enable-native-access=ALL-UNNAMED -cp "$classpath" \
  com.code_intelligence.jazzer.Jazzer --target_class="$class" --instrumentation_includes='io.swin4j.**' \
  --keep_going=100 --reproducer_path="$out" -artifact_prefix="$out/" -max_total_time="$seconds" \
  -rss_limit_mb=4096 -timeout=10 "$out/corpus" "$seeds" >"$out/fuzz.log" 2>&1
rc=$?
set -e
execs=$(grep -oE '^#[0-9]+' "$out/fuzz.log" | tail -n 1 | tr -d '#')
done_line=$(grep -E '^Done [0-9]+ runs' "$out/fuzz.log" | tail -n 1 || true)
findings=$(grep -c '^== Java Exception\|^==[0-9]*== ERROR' "$out/fuzz.log" || true)
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$out/fuzz.log" | tail -n 1 || true)
echo "fuzz: $target: ${done_line:-about ${execs:-0} runs} ($cov); findings: $findings; exit $rc; log $out/fuzz.log"
ls "$out"/crash-* 2>/dev/null || true
[ "$findings" = 0 ]
