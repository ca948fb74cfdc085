#!/usr/bin/env python3
"""Reference for io.swin4j.weights.layout.Resampling: PyTorch's F.interpolate(mode='bicubic', align_corners=False),
as the official utils.load_pretrained applies it to absolute_pos_embed and relative-position-bias tables, on small
random grids (up- and down-sampling, square and rectangular). Writes fixtures/resampling/bicubic.json.

Deterministic (fixed seed, one thread); asserts its own consistency: a constant grid stays constant, and a same-size
resize is the identity.
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cases = []
    # (in_h, in_w, out_h, out_w): window tables (2M-1)^2 up and down, a pos-embed grid, rectangles
    for ih, iw, oh, ow in [(7, 7, 15, 15), (13, 13, 7, 7), (3, 3, 5, 5), (4, 4, 6, 6), (5, 3, 2, 8), (6, 6, 6, 6)]:
        x = torch.randn(1, 2, ih, iw, dtype=torch.float32)
        y = F.interpolate(x, size=(oh, ow), mode="bicubic", align_corners=False)
        const = F.interpolate(torch.full((1, 1, ih, iw), 0.75), size=(oh, ow), mode="bicubic", align_corners=False)
        assert torch.allclose(const, torch.full_like(const, 0.75), atol=1e-6), (ih, iw, oh, ow)
        if (ih, iw) == (oh, ow):
            assert torch.equal(x, y)
        cases.append({"in": [ih, iw], "out": [oh, ow], "channels": 2,
                      "input": [float(v) for v in x.flatten()], "output": [float(v) for v in y.flatten()]})
    d = os.path.join(os.path.abspath(args.out), "resampling")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "bicubic.json"), "w") as f:
        json.dump({"torch": torch.__version__, "mode": "bicubic", "align_corners": False, "cases": cases}, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
