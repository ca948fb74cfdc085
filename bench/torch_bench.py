#!/usr/bin/env python3
"""PyTorch eager side of bench/compare.sh: the same random-weight torchvision swin_t, inference mode, timed as
swin bench times swin4j (warm-up, then at least RUNS calls and SECONDS seconds; img/s per call, median), one
JSON line in swin bench --json's format. Threads: torch.set_num_threads(OMP_NUM_THREADS), OpenBLAS from
OPENBLAS_NUM_THREADS, as set by compare.sh.

With PRECISION int8: PyTorch's own dynamic quantization of the same model,
torch.ao.quantization.quantize_dynamic with per-channel int8 weights (per_channel_dynamic_qconfig) on every nn.Linear
that torchvision calls as a module: the MLPs, patch merges and head. Its attention calls F.linear on qkv.weight and
proj.weight directly, which quantize_dynamic cannot swap (it fails with "argument 'weight' must be Tensor, not
method"), so qkv and proj stay fp32 there (about a third of the linear layers' FLOPs);
on the first quantized engine this torch has of fbgemm, x86, onednn, qnnpack (Debian's torch 1.13 is built without
FBGEMM: onednn), reported in the precision column.

  /usr/bin/python3 bench/torch_bench.py STATE_DICT BATCH [WARMUP RUNS SECONDS [fp32|int8]]
"""
import json
import os
import resource
import sys
import time

import torch
import torchvision

MACS_SWIN_T = 4494405120  # official SwinTransformer.flops() at 224, the count swin bench uses


def main():
    path, batch = sys.argv[1], int(sys.argv[2])
    warmup, runs, seconds = (int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])) if len(sys.argv) > 5 else (3, 10, 10.0)
    precision = sys.argv[6] if len(sys.argv) > 6 else "fp32"
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    model = torchvision.models.swin_t(weights=None)
    model.load_state_dict(torch.load(path))
    model.eval()
    if precision == "int8":
        engine = next(e for e in ("fbgemm", "x86", "onednn", "qnnpack") if e in torch.backends.quantized.supported_engines)
        torch.backends.quantized.engine = engine
        names = {n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and ".attn." not in n + "."}
        model = torch.ao.quantization.quantize_dynamic(
            model, {n: torch.ao.quantization.per_channel_dynamic_qconfig for n in names}, dtype=torch.qint8)
        precision = f"int8 dynamic ({engine})"
    x = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(batch))
    times = []
    with torch.inference_mode():
        for _ in range(warmup):
            model(x).numpy()
        start = time.perf_counter()
        while len(times) < runs or time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            model(x).numpy()
            times.append(time.perf_counter() - t0)
    times.sort()
    def pct(p):
        import math
        return times[max(0, min(len(times) - 1, math.ceil(p / 100 * len(times)) - 1))]
    p50, p95 = pct(50), pct(95)
    stats = {"batch": batch, "runs": len(times), "imgPerSec": batch / p50, "imgPerSecMin": batch / times[-1],
             "imgPerSecMax": batch / times[0], "latencyP50Ms": p50 * 1e3, "latencyP95Ms": p95 * 1e3}
    print(json.dumps({"engine": "pytorch", "model": "torchvision swin_t", "precision": precision,
                      "threads": f"omp={threads}"
                                 + (f" wait={os.environ['OMP_WAIT_POLICY'].lower()}" if "OMP_WAIT_POLICY" in os.environ else "")
                                 + f" openblas={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}"
                                 + (" tcmalloc" if "tcmalloc" in os.environ.get("LD_PRELOAD", "") else ""),
                      "imageSize": 224, "macsPerImage": MACS_SWIN_T, "stats": stats,
                      "gflops": 2 * MACS_SWIN_T * stats["imgPerSec"] / 1e9,
                      "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


if __name__ == "__main__":
    main()
