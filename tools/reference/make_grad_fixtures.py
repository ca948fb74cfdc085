#!/usr/bin/env python3
"""Gradient parity reference for training: the official SwinTransformer at a micro config (img 32, patch 4,
window 4, embed 12, depths [2, 2], heads [1, 2], 10 classes; stage 0 shifted, stage 1 window = map so no shift),
random weights, drop-path and dropout off. For a fixed batch and targets: the mean cross-entropy loss (label
smoothing 0.1, as the recipe) and the gradient of every parameter. Then three AdamW steps of the official recipe
(no-decay groups, gradient clipping, timm's cosine schedule), one batch per step, with every term large enough
that leaving it out moves the parameters far past the Java test's bound (asserted here, see run_steps' variants).

Writes fixtures/grad/: weights.safetensors (official names), grads.safetensors (step 0's batch, before clipping),
input.npy (step 0's batch), step_inputs.npy (every step's batch), clipped_grads_step0.safetensors,
after_3_steps.safetensors, meta.json (loss, targets, per-step targets, lrs, norms, the schedule, sensitivities).
Run from the repository root with the official and timm sources on the path (see README.md):
  /usr/bin/python3 tools/reference/make_grad_fixtures.py --official /tmp/ref/official --timm /tmp/ref/timm
"""
import argparse, json, os, struct, sys

import numpy as np
import torch

OUT = "fixtures/grad"
STEPS = 3


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
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    # One batch (4 images, random targets) per optimizer step; step 0's batch is also the gradient fixture's.
    xs = torch.randn(STEPS, 4, 3, 32, 32, generator=g)
    ys = torch.randint(0, 10, (STEPS, 4), generator=g)
    x, targets = xs[0], ys[0]
    loss = torch.nn.functional.cross_entropy(model(x), targets, label_smoothing=0.1)
    loss.backward()
    os.makedirs(OUT, exist_ok=True)
    params = dict(model.named_parameters())
    save_safetensors(f"{OUT}/weights.safetensors", {k: v for k, v in params.items()})
    save_safetensors(f"{OUT}/grads.safetensors", {k: v.grad for k, v in params.items()})
    model.zero_grad()

    # Three AdamW steps of the official recipe, one batch each: no weight decay on 1-D params, biases,
    # absolute_pos_embed and relative_position_bias_table (official optimizer.set_weight_decay), gradient clipping,
    # and the lr of timm's CosineLRScheduler (warmup prefix, per iteration) in the official call order: step, then
    # lr_scheduler.step_update(iteration). Every term is made large on purpose, so that leaving one out moves the
    # parameters far past the test's bound (asserted below): lr >= 5e-3 on every step, weight decay 0.5, a clip
    # far below the gradient norms, which differ from batch to batch (so that clipping changes Adam's moments, not
    # only their scale).
    cos = dict(t_initial=8, lr_min=1e-3, warmup_lr_init=5e-3, warmup_t=2)
    base_lr, wd, clip, eps = 2e-2, 0.5, 0.25, 1e-8

    def run_steps(no_decay_rule, clip_to, eps_):
        model.load_state_dict(initial)
        decay, no_decay = [], []
        for name, p in model.named_parameters():
            (no_decay if no_decay_rule(name, p) else decay).append(p)
        opt = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}], eps=eps_,
                                betas=(0.9, 0.999), lr=base_lr, weight_decay=wd)
        sched = CosineLRScheduler(opt, cycle_limit=1, t_in_epochs=False, warmup_prefix=True, **cos)
        lrs, norms, clipped = [], [], None
        for it in range(STEPS):
            opt.zero_grad()
            l = torch.nn.functional.cross_entropy(model(xs[it]), ys[it], label_smoothing=0.1)
            l.backward()
            norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), clip_to)))
            if it == 0:
                clipped = {k: v.grad.detach().clone() for k, v in model.named_parameters()}
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step_update(it)
        after = {k: v.detach().clone() for k, v in model.named_parameters()}
        return after, lrs, norms, clipped, sched

    from timm.scheduler.cosine_lr import CosineLRScheduler
    official = lambda n, p: (p.dim() == 1 or n.endswith(".bias") or n == "absolute_pos_embed"
                             or "relative_position_bias_table" in n)
    after, lrs, norms, clipped, sched = run_steps(official, clip, eps)
    assert min(lrs) >= 5e-3, lrs
    assert min(norms) > 4 * clip, norms  # clipping acts on every step
    assert max(norms) / min(norms) > 1.1, norms  # and by a different factor on each
    n0 = float(torch.sqrt(sum((v.double() ** 2).sum() for v in clipped.values())))
    assert abs(n0 - clip) < 1e-4 * clip, n0

    # Each variant the Java test must reject moves some tensor by far more than its bound (rel err 1e-4).
    def worst(other):
        return max(float((other[k] - v).norm() / v.norm()) for k, v in after.items())
    variants = {
        "decay every tensor": run_steps(lambda n, p: False, clip, eps)[0],
        "decay no tensor": run_steps(lambda n, p: True, clip, eps)[0],
        "decay relative_position_bias_table": run_steps(
            lambda n, p: p.dim() == 1 or n.endswith(".bias"), clip, eps)[0],
        "no clipping": run_steps(official, 1e9, eps)[0],
        "eps 1e-6": run_steps(official, clip, 1e-6)[0],
    }
    sensitivity = {name: worst(v) for name, v in variants.items()}
    for name, w in sensitivity.items():
        print(f"{name}: worst tensor rel diff {w:.3g}")
        assert w > 10 * 1e-4, (name, w)

    save_safetensors(f"{OUT}/clipped_grads_step0.safetensors", clipped)
    save_safetensors(f"{OUT}/after_3_steps.safetensors", after)
    schedule = [sched._get_lr(t)[0] for t in range(0, 14)]
    np.save(f"{OUT}/input.npy", x.numpy().astype(np.float32))
    np.save(f"{OUT}/step_inputs.npy", xs.numpy().astype(np.float32))
    with open(f"{OUT}/meta.json", "w") as f:
        json.dump({"loss": loss.item(), "targets": targets.tolist(), "label_smoothing": 0.1,
                   "adamw": {"step_targets": ys.tolist(), "lr_used_per_step": lrs, "grad_norms_before_clip": norms,
                             "weight_decay": wd, "eps": eps, "betas": [0.9, 0.999], "clip": clip,
                             "worst_rel_diff_of_variants": sensitivity},
                   "cosine": {"base_lr": base_lr, "t_initial": cos["t_initial"], "lr_min": cos["lr_min"],
                              "warmup_lr_init": cos["warmup_lr_init"], "warmup_t": cos["warmup_t"],
                              "warmup_prefix": True, "lr_at_t": schedule},
                   "config": {"img_size": 32, "patch_size": 4, "embed_dim": 12, "depths": [2, 2], "num_heads": [1, 2],
                              "window_size": 4, "num_classes": 10},
                   "reference": "official models/swin_transformer.py, train mode, drop rates 0, torch " + torch.__version__}, f, indent=1)
    print("loss", loss.item(), "params", sum(p.numel() for p in params.values()))


if __name__ == "__main__":
    main()
