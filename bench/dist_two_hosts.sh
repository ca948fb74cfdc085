#!/usr/bin/env bash
# The README's two-machine example on one machine: two network namespaces joined by a veth pair (10.9.0.1 and
# 10.9.0.2, no loopback between them) stand for two hosts; rank 0 runs in the first with torchrun's environment
# (MASTER_ADDR=10.9.0.1), rank 1 in the second. Checks that both ranks end with status 0 and that only rank 0 wrote a
# run directory. Needs root (ip netns); removes the namespaces afterwards. Not part of mvn test.
# Usage: bench/dist_two_hosts.sh [EPOCHS (1)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EPOCHS="${1:-1}"
OUT="$ROOT/target/bench/two-hosts"; rm -rf "$OUT"; mkdir -p "$OUT"
[ -f swin4j-cli/target/swin4j-cli.jar ] || (mvn -q -B -DskipTests package >&2)
A=swin4j-host-a; B=swin4j-host-b
cleanup() { ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add "$A"; ip netns add "$B"
ip link add swin4j-va type veth peer name swin4j-vb
ip link set swin4j-va netns "$A"; ip link set swin4j-vb netns "$B"
ip -n "$A" addr add 10.9.0.1/24 dev swin4j-va; ip -n "$B" addr add 10.9.0.2/24 dev swin4j-vb
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set swin4j-va up; ip -n "$B" link set swin4j-vb up

args=(train --recipe fashion-mnist --epochs "$EPOCHS" --warmup-epochs 0 --train-limit 2048 --val-limit 512 --threads 1
      --dist-timeout 60 --no-progress)
# LOCAL_WORLD_SIZE=2 would share the cores; --threads 1 does it here (two "machines" on one 2-core host).
ip netns exec "$A" env RANK=0 WORLD_SIZE=2 MASTER_ADDR=10.9.0.1 MASTER_PORT=29500 ./swin "${args[@]}" --output "$OUT/run-a" \
  >"$OUT/rank0.log" 2>&1 & p0=$!
ip netns exec "$B" env RANK=1 WORLD_SIZE=2 MASTER_ADDR=10.9.0.1 MASTER_PORT=29500 ./swin "${args[@]}" --output "$OUT/run-b" \
  >"$OUT/rank1.log" 2>&1 & p1=$!
s0=0; s1=0; wait "$p0" || s0=$?; wait "$p1" || s1=$?
echo "--- rank 0 (10.9.0.1) ---"; cat "$OUT/rank0.log"
echo "--- rank 1 (10.9.0.2) ---"; cat "$OUT/rank1.log"
[ "$s0" = 0 ] && [ "$s1" = 0 ] || { echo "two-hosts: rank 0 exited $s0, rank 1 exited $s1" >&2; exit 1; }
[ -f "$OUT/run-a/model.safetensors" ] && [ ! -e "$OUT/run-b" ] || { echo "two-hosts: expected a run directory from rank 0 only" >&2; exit 1; }
echo "two-hosts: ok (2 ranks over 10.9.0.1 <-> 10.9.0.2; run directory from rank 0 only)"
