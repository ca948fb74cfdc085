#!/usr/bin/env bash
# Mutation testing (PIT) of the packages whose tests are fast: geometry, vision, weights.io, weights.layout,
# infer (Labels, TopK) (swin4j-core), train.augment (swin4j-train) and the batcher and multipart parser
# (swin4j-serve).
# Prints killed / mutants / score per package from PIT's mutations.xml and exits non-zero when a package is under
# its target: 85% for geometry, vision, weights.io and weights.layout, 75% for the others.
#
#   tools/mutation.sh            compile, run PIT on the three modules, print the table
#   tools/mutation.sh --report   only print the table of the last run's reports
#
# Extra Maven arguments can be given in MVN_ARGS (e.g. MVN_ARGS=-o for offline, or -Dthreads=1).
# Reports: swin4j-core/target/pit-reports/{index.html,mutations.xml}, the same under swin4j-train/ and swin4j-serve/.
# Mutators: PIT's DEFAULTS. Why each remaining survivor is equivalent, or still open: tools/mutation-equivalent.md.
# Faster reruns: MVN_ARGS="-DwithHistory" reuses the previous run's results for unchanged classes and tests;
# -Dpit.skip.core=true / -Dpit.skip.train=true / -Dpit.skip.serve=true leaves a module out (its report is then the
# previous run's, or missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--report" ]]; then
  start=$(date +%s)
  # PIT mutates compiled classes and needs the test classes: compile the modules (and what they depend on)
  # first, then mutate each module in the same reactor so swin4j-train and swin4j-serve see swin4j-core's classes.
  mvn -B -q ${MVN_ARGS:-} -pl swin4j-core,swin4j-train,swin4j-serve -am test-compile
  mvn -B ${MVN_ARGS:-} -pl swin4j-core,swin4j-train,swin4j-serve -am \
      -Dsurefire.failIfNoSpecifiedTests=false \
      test-compile org.pitest:pitest-maven:mutationCoverage 2>&1 \
    | grep -E ">> Generated [0-9]+ mutations|>> Ran |BUILD|\[ERROR\]|SEVERE" || true
  test -f swin4j-core/target/pit-reports/mutations.xml || { echo "no PIT report for swin4j-core" >&2; exit 2; }
  test -f swin4j-train/target/pit-reports/mutations.xml || { echo "no PIT report for swin4j-train" >&2; exit 2; }
  test -f swin4j-serve/target/pit-reports/mutations.xml || { echo "no PIT report for swin4j-serve" >&2; exit 2; }
  echo "PIT took $(( $(date +%s) - start )) s"
fi

python3 - swin4j-core/target/pit-reports/mutations.xml swin4j-train/target/pit-reports/mutations.xml \
  swin4j-serve/target/pit-reports/mutations.xml <<'PY'
import sys
import xml.etree.ElementTree as ET

# package (or class prefix) -> (group name, target %)
GROUPS = [
    ("io.swin4j.geometry.", "geometry", 85),
    ("io.swin4j.vision.", "vision", 85),
    ("io.swin4j.weights.io.", "weights.io", 85),
    ("io.swin4j.weights.layout.", "weights.layout", 85),
    ("io.swin4j.infer.Labels", "infer (Labels, TopK)", 75),
    ("io.swin4j.infer.TopK", "infer (Labels, TopK)", 75),
    ("io.swin4j.train.augment.", "train.augment", 75),
    ("io.swin4j.serve.MicroBatcher", "serve (MicroBatcher, Multipart)", 75),
    ("io.swin4j.serve.Multipart", "serve (MicroBatcher, Multipart)", 75),
]
KILLED = {"KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR"}
stats, targets, survivors = {}, {}, []
import os
for path in sys.argv[1:]:
    if not os.path.exists(path):
        print(f"(no report at {path})")
        continue
    for m in ET.parse(path).getroot().iter("mutation"):
        cls = m.findtext("mutatedClass")
        group = next(((g, t) for prefix, g, t in GROUPS if cls.startswith(prefix)), None)
        if group is None:
            continue
        name, target = group
        targets[name] = target
        s = stats.setdefault(name, [0, 0])
        s[1] += 1
        status = m.get("status")
        if status in KILLED:
            s[0] += 1
        else:
            survivors.append((name, cls, m.findtext("lineNumber"), m.findtext("mutator").rsplit(".", 1)[-1],
                              status, m.findtext("description")))
failed = []
print(f"{'package':34} {'killed':>7} {'mutants':>8} {'score':>7} {'target':>7}")
seen = []
for _, name, _ in GROUPS:
    if name in seen or name not in stats:
        continue
    seen.append(name)
    killed, total = stats[name]
    score = 100.0 * killed / total if total else 100.0
    ok = score >= targets[name]
    if not ok:
        failed.append(name)
    print(f"{name:34} {killed:7d} {total:8d} {score:6.1f}% {targets[name]:6d}%{'' if ok else '  UNDER TARGET'}")
missing = [g for _, g, _ in GROUPS if g not in stats]
if missing:
    print("no mutants found for: " + ", ".join(sorted(set(missing))))
    failed += missing
if survivors:
    print(f"\nsurviving mutants ({len(survivors)}):")
    for name, cls, line, mut, status, desc in sorted(survivors):
        print(f"  {cls.rsplit('.', 1)[-1]}:{line} {mut} {status}: {desc}")
sys.exit(1 if failed else 0)
PY
