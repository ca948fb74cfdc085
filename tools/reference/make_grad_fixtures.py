#!/usr/bin/env python3
"""Gradient parity reference for training: the official SwinTransformer at a micro config (img 32, patch 4,
window 4, embed 12, depths [2, 2], heads [1, 2], 10 classes; stage 0 shifted, stage 1 window = map so no shift),
random weights, drop-path and dropout off. For a fixed batch and targets: the mean cross-entropy loss (label
smoothing 0.1, as the recipe) and the gradient of every parameter.

Writes fixtures/grad/: weights.safetensors (official names), grads.safetensors, input.npy, meta.json (loss,
targets). Run from the repository root with the official and timm sources on the path (see README.md):
  /usr/bin/python3 tools/reference/make_grad_fixtures.py --official /tmp/ref/official --timm /tmp/ref/timm
"""
import argparse, json, os, struct, sys

import numpy as np
import torch

OUT = "fixtures/grad"


def save_safetensors(path, tensors):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for k, t in tensors.items():
        b = t.detach().contiguous().float().numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--official", default=os.environ.get("SWIN_OFFICIAL_SRC", "/tmp/ref/official"))
    ap.add_argument("--timm", default=os.environ.get("TIMM_SRC", "/tmp/ref/timm"))
    a = ap.parse_args()
    sys.path[:0] = [a.official, a.timm]
    from models.swin_transformer import SwinTransformer

    torch.manual_seed(0)
    model = SwinTransformer(img_size=32, patch_size=4, in_chans=3, num_classes=10, embed_dim=12, depths=[2, 2],
                            num_heads=[1, 2], window_size=4, mlp_ratio=4.0, qkv_bias=True, drop_rate=0.0,
                            attn_drop_rate=0.0, drop_path_rate=0.0, ape=False, patch_norm=True)
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("relative_position_bias_table"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
            elif p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
    model.train()
    x = torch.randn(4, 3, 32, 32, generator=g)
    targets = torch.tensor([3, 7, 0, 9])
    loss = torch.nn.functional.cross_entropy(model(x), targets, label_smoothing=0.1)
    loss.backward()
    os.makedirs(OUT, exist_ok=True)
    params = dict(model.named_parameters())
    save_safetensors(f"{OUT}/weights.safetensors", {k: v for k, v in params.items()})
    save_safetensors(f"{OUT}/grads.safetensors", {k: v.grad for k, v in params.items()})

    # Three AdamW steps of the official recipe on the same batch: no weight decay on 1-D params, biases,
    # absolute_pos_embed and relative_position_bias_table (official optimizer.set_weight_decay), gradient
    # clipping (1.0 here so that it acts; the recipe uses 5.0), and the lr of timm's CosineLRScheduler (warmup prefix, per iteration) in the official
    # call order: step, then lr_scheduler.step_update(iteration).
    from timm.scheduler.cosine_lr import CosineLRScheduler
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.dim() == 1 or name.endswith(".bias") or name == "absolute_pos_embed" or "relative_position_bias_table" in name:
            no_decay.append(p)
        else:
            decay.append(p)
    opt = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}], eps=1e-8, betas=(0.9, 0.999),
                            lr=1e-3, weight_decay=0.05)
    sched = CosineLRScheduler(opt, t_initial=8, lr_min=1e-5, warmup_lr_init=1e-6, warmup_t=2, cycle_limit=1,
                              t_in_epochs=False, warmup_prefix=True)
    lrs, norms = [], []
    for it in range(3):
        opt.zero_grad()
        l = torch.nn.functional.cross_entropy(model(x), targets, label_smoothing=0.1)
        l.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step_update(it)
    save_safetensors(f"{OUT}/after_3_steps.safetensors", dict(model.named_parameters()))
    schedule = [sched._get_lr(t)[0] for t in range(0, 14)]
    np.save(f"{OUT}/input.npy", x.numpy().astype(np.float32))
    with open(f"{OUT}/meta.json", "w") as f:
        json.dump({"loss": loss.item(), "targets": targets.tolist(), "label_smoothing": 0.1,
                   "adamw": {"lr_used_per_step": lrs, "grad_norms_before_clip": norms, "weight_decay": 0.05, "eps": 1e-8,
                             "betas": [0.9, 0.999], "clip": 1.0},
                   "cosine": {"base_lr": 1e-3, "t_initial": 8, "lr_min": 1e-5, "warmup_lr_init": 1e-6, "warmup_t": 2,
                              "warmup_prefix": True, "lr_at_t": schedule},
                   "config": {"img_size": 32, "patch_size": 4, "embed_dim": 12, "depths": [2, 2], "num_heads": [1, 2],
                              "window_size": 4, "num_classes": 10},
                   "reference": "official models/swin_transformer.py, train mode, drop rates 0, torch " + torch.__version__}, f, indent=1)
    print("loss", loss.item(), "params", sum(p.numel() for p in params.values()))


if __name__ == "__main__":
    main()
