#!/usr/bin/env bash
# Data-parallel training throughput on this machine: one process with all the cores (--threads = cores) against
# --nproc 2 (two processes, half the cores each, gradients averaged over c10d/Gloo on loopback) with the all-reduce
# overlapping the backward pass (DDP's reducer, the default) and after it (--no-overlap, which times the whole
# all-reduce), alternated in rounds (A B C A B C ...) so that machine drift hits all alike. Two workloads, both on Debian's Fashion-MNIST:
#   fmnist: the bundled model's recipe (0.54 M parameters, 32 px, global batch 128), one epoch of 6,144 images;
#   swin_t: Swin-T at 224 px (28 M parameters: a 110 MB gradient all-reduce per step), global batch 16, 96 images.
# Prints per run the epoch's images/s (the trainer's own figure, data loading included) and, with --no-overlap, the
# time rank 0 spent averaging gradients after the backward pass and in all collectives (waiting for the other rank
# included); then medians.
# Not part of mvn test. Usage: bench/dist_train.sh [ROUNDS (3)] [WORKLOADS ("fmnist swin_t")]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${1:-3}"; WORKLOADS="${2:-fmnist swin_t}"
OUT="$ROOT/target/bench/dist"; rm -rf "$OUT"; mkdir -p "$OUT"
CORES="$(nproc)"
[ -f swin4j-cli/target/swin4j-cli.jar ] || (mvn -q -B -DskipTests package >&2)

args_for() {
  case "$1" in
    fmnist) echo "--recipe fashion-mnist --epochs 1 --warmup-epochs 0 --train-limit 6144 --val-limit 1024" ;;
    swin_t) echo "--recipe fashion-mnist --arch swin_tiny_patch4_window7_224 --batch-size 16 --epochs 1 --warmup-epochs 0 --train-limit 96 --val-limit 16 --drop-path 0.2" ;;
  esac
}

printf '%-7s %-18s %5s %10s %14s %16s %8s\n' workload setup round img/s "grad avg s" "collectives s" "epoch s"
for w in $WORKLOADS; do
  for r in $(seq 1 "$ROUNDS"); do
    for setup in "1x$CORES" "2x$((CORES / 2))" "2x$((CORES / 2))-after"; do
      log="$OUT/$w-$setup-$r.log"
      if [ "$setup" = "1x$CORES" ]; then
        ./swin train $(args_for "$w") --threads "$CORES" --no-progress --output "$OUT/run-$w-$setup-$r" >"$log" 2>&1
      elif [ "$setup" = "2x$((CORES / 2))" ]; then
        ./swin train $(args_for "$w") --nproc 2 --no-progress --output "$OUT/run-$w-$setup-$r" >"$log" 2>&1
      else
        ./swin train $(args_for "$w") --nproc 2 --no-overlap --no-progress --output "$OUT/run-$w-$setup-$r" >"$log" 2>&1
      fi
      line=$(grep -E '^epoch 1:' "$log")
      ips=$(sed -E 's/.* ([0-9.]+) img\/s.*/\1/' <<<"$line")
      secs=$(sed -E 's/.*\| ([0-9.]+) s, .*/\1/' <<<"$line")
      coll=$(grep -oE '\[rank 0\] epoch 1: .*[0-9.]+ s in (other )?collectives' "$log" | grep -oE '[0-9.]+ s in (other )?collectives' | cut -d' ' -f1 || true)
      grad=$(grep -oE 'gradient averaging after the backward pass [0-9.]+ s' "$log" | grep -oE '[0-9.]+' || true)
      printf '%-7s %-18s %5s %10s %14s %16s %8s\n' "$w" "$setup" "$r" "$ips" "${grad:--}" "${coll:--}" "$secs" | tee -a "$OUT/table.txt"
    done
  done
done
echo
echo "medians (setup: processes x threads each):"
python3 - "$OUT/table.txt" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    w, setup, _, ips, grad, coll, secs = line.split()
    rows[(w, setup)].append((float(ips), float(grad) if grad != '-' else None, float(coll) if coll != '-' else None, float(secs)))
base = {}
for (w, setup), v in rows.items():
    ips = statistics.median(x[0] for x in v)
    secs = statistics.median(x[3] for x in v)
    grads = [x[1] for x in v if x[1] is not None]
    colls = [x[2] for x in v if x[2] is not None]
    base.setdefault(w, ips)
    share = ""
    if grads:
        share += f", gradient averaging {100 * statistics.median(g / x[3] for g, x in zip(grads, v)):.1f}% of the epoch"
    if colls:
        share += f", collectives {100 * statistics.median(c / x[3] for c, x in zip(colls, v)):.1f}%"
    print(f"  {w:7s} {setup:11s}: {ips:7.1f} img/s ({ips / base[w]:.2f}x of 1 process){share}")
PY
