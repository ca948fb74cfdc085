#!/usr/bin/env python3
"""Generates fixtures/int8/: PyTorch's own int8 quantization of a linear layer, for swin4j's int8 tests.

What PyTorch (Debian torch 1.13) computes, on fixed random data. Debian's torch is built without FBGEMM (its engines
are qnnpack and onednn), so the products are written out from PyTorch's quantize/dequantize of the operands rather
than taken from its kernels: they are the values an exact int8 kernel must give.

  w.npy, b.npy, x.npy           a Linear's weight (48, 40), bias (48) and an input (2, 7, 40), fp32
  w_scales.npy                  PerChannelMinMaxObserver(qint8, per_channel_symmetric) scales of w (zero points 0)
  w_int8.npy                    torch.quantize_per_channel(w, scales, 0, axis 0, qint8).int_repr(), as fp32
  x_qparams.json                MinMaxObserver(quint8, reduce_range=True) scale / zero point of x: what dynamic
                                quantization measures on this input, and a static range calibrated on it
  y_int8_ref.npy                the int8 product written out: dequant(quant(x)) @ dequant(wq).T + b, in fp64
  observer_cases.json           MinMaxObserver(quint8, reduce_range=True) on several [min, max] ranges
  requant.npy                   quantize_per_tensor(v, 0.05, 64, quint8).int_repr() of values around the edges and
                                halfway points (round half to even), v in requant_in.npy
  y_fp32.npy                    F.linear(x, w, b): how far int8 is from fp32

Run from the repository root: /usr/bin/python3 tools/reference/make_int8_fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "fixtures", "int8")


def save(name, a):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(a, dtype=np.float32))


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(19)
    w = torch.randn(48, 40, generator=g) * 0.2
    w[3] *= 10  # one channel with a much larger range: per-channel scales differ
    w[7] = 0.0  # an all-zero channel: the scale floors at eps
    b = torch.randn(48, generator=g)
    x = torch.randn(2, 7, 40, generator=g)
    x[0, 0, 0] = 6.0  # an activation outlier

    obs = torch.ao.quantization.PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8,
                                                        qscheme=torch.per_channel_symmetric)
    obs(w)
    scales, zps = obs.calculate_qparams()
    assert int(zps.abs().max()) == 0
    wq = torch.quantize_per_channel(w, scales.double(), zps, 0, torch.qint8)

    xobs = torch.ao.quantization.MinMaxObserver(dtype=torch.quint8, reduce_range=True)
    xobs(x)
    xs, xz = xobs.calculate_qparams()
    xq = torch.quantize_per_tensor(x, float(xs), int(xz), torch.quint8)
    y_static = xq.dequantize().double() @ wq.dequantize().double().T + b.double()

    save("w.npy", w.numpy())
    save("b.npy", b.numpy())
    save("x.npy", x.numpy())
    save("w_scales.npy", scales.float().numpy())
    save("w_int8.npy", wq.int_repr().float().numpy())
    save("y_int8_ref.npy", y_static.float().numpy())
    save("y_fp32.npy", torch.nn.functional.linear(x, w, b).numpy())
    with open(os.path.join(OUT, "x_qparams.json"), "w") as f:
        json.dump({"scale": float(xs), "zero_point": int(xz)}, f)

    cases = []
    for lo, hi in [(-1.0, 1.0), (0.0, 6.0), (-0.3, 12.5), (-7.25, -0.5), (0.1, 0.2), (0.0, 0.0), (-3e-8, 2e-8)]:
        o = torch.ao.quantization.MinMaxObserver(dtype=torch.quint8, reduce_range=True)
        o(torch.tensor([lo, hi], dtype=torch.float32))
        s, z = o.calculate_qparams()
        cases.append({"min": lo, "max": hi, "scale": float(s), "zero_point": int(z)})
    with open(os.path.join(OUT, "observer_cases.json"), "w") as f:
        json.dump(cases, f, indent=1)

    v = torch.tensor([-3.2, -3.175, -3.2 + 0.025, 0.0, 0.025, 0.075, 0.125, 1.0, 3.175, 3.2, 3.225, 9.7, 100.0],
                     dtype=torch.float32)
    save("requant_in.npy", v.numpy())
    save("requant.npy", torch.quantize_per_tensor(v, 0.05, 64, torch.quint8).int_repr().float().numpy())
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump({"torch": torch.__version__, "engines": torch.backends.quantized.supported_engines,
                   "generator": "tools/reference/make_int8_fixtures.py"}, f, indent=1)


if __name__ == "__main__":
    main()
