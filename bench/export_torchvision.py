#!/usr/bin/env python3
"""Inputs of bench/compare.sh: a random-weight torchvision swin_t (seed 0) as a state dict (what swin4j loads)
and as ONNX (opset 17, one static-shape file per batch size, what ONNX Runtime runs), a fixed input and the
PyTorch logits for the three-way logits check. Uses Debian's torch 1.13 / torchvision 0.14.

  /usr/bin/python3 bench/export_torchvision.py OUT_DIR 1 8 32
"""
import os
import sys

import numpy as np
import torch
import torchvision


def main():
    out, batches = sys.argv[1], [int(b) for b in sys.argv[2:]] or [1, 8, 32]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = torchvision.models.swin_t(weights=None).eval()
    torch.save(model.state_dict(), os.path.join(out, "swin_t.pth"))
    for b in batches:
        path = os.path.join(out, f"swin_t_b{b}.onnx")
        if not os.path.exists(path):
            torch.onnx.export(model, torch.randn(b, 3, 224, 224), path, opset_version=17,
                              input_names=["images"], output_names=["logits"], do_constant_folding=True)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        y = model(x)
    np.save(os.path.join(out, "check_input.npy"), x.numpy())
    np.save(os.path.join(out, "check_pytorch.npy"), y.numpy())
    print(f"exported swin_t (torch {torch.__version__}, torchvision {torchvision.__version__}) to {out}")


if __name__ == "__main__":
    main()
