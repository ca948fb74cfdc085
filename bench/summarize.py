#!/usr/bin/env python3
"""Table of bench/compare.sh results: per engine, precision and batch size, the median over rounds of each
round's median img/s, latency p50/p95, the highest peak RSS, and the ratio to ONNX Runtime at that batch size.

  python3 bench/summarize.py target/bench/results.jsonl
"""
import json
import statistics
import sys
from collections import defaultdict


def main():
    rows = defaultdict(list)
    for line in open(sys.argv[1]):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            rows[(r["engine"], r["precision"], r["stats"]["batch"])].append(r)
    ort = {b: statistics.median(x["stats"]["imgPerSec"] for x in rs)
           for (e, p, b), rs in rows.items() if e == "onnxruntime"}
    order = {"swin4j": 0, "onnxruntime": 1, "pytorch": 2}
    print("| engine | dtype | batch | img/s (median of rounds) | rounds' medians | × ONNX Runtime | p50 ms | p95 ms | GFLOP/s | peak RSS MB | threads |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|")
    for key in sorted(rows, key=lambda k: (k[2], order.get(k[0], 9), k[1])):
        e, p, b = key
        rs = rows[key]
        ips = statistics.median(x["stats"]["imgPerSec"] for x in rs)
        each = " ".join(f"{x['stats']['imgPerSec']:.1f}" for x in rs)
        ratio = f"{ips / ort[b]:.2f}" if b in ort else "n/a"
        print(f"| {e} | {p} | {b} | {ips:.1f} | {each} | {ratio} | "
              f"{statistics.median(x['stats']['latencyP50Ms'] for x in rs):.1f} | "
              f"{statistics.median(x['stats']['latencyP95Ms'] for x in rs):.1f} | "
              f"{statistics.median(x['gflops'] for x in rs):.0f} | {max(x['peakRssMb'] for x in rs):.0f} | {rs[0]['threads']} |")


if __name__ == "__main__":
    main()
