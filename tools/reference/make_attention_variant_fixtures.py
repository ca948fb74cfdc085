#!/usr/bin/env python3
"""Reference for the outlier-free attention variants (issue 19; Bondarenko, Nagel, Blankevoort 2023, "Quantizable
Transformers: Removing Outliers by Helping Attention Heads Do Nothing"): one V1 window-attention layer, written as the
official Swin ``WindowAttention`` (relative position bias table, shifted-window mask) plus the paper's change:

- clipped: softmax replaced by clip((zeta - gamma) * softmax(x) + gamma, 0, 1), gamma = -alpha / T, T the tokens of
  a window (the authors' ``clipped_softmax``);
- gated: the authors' "conditional per token" gate (the paper's default): per head h an ``nn.Linear(d_head, 1)``
  applied to every token of the attention input split into heads, sigmoid, multiplying that token's output of the
  head before the heads merge (bias initialised to logit(pi_init)).

Geometry: a 6x6 map of 2 images, window 3, shift 1 (4 windows, the official SW-MSA mask), dim 8, 2 heads. The layer
runs in float64 on a fixed input of windows (8, 9, 8); the loss is sum(out * R) for a fixed random R. Writes
fixtures/attention/<case>/: weights.safetensors (layer parameter names: relative_position_bias_table, qkv.*, proj.*,
gate.weight (heads, d_head), gate.bias (heads)), input.npy, weight_r.npy, output.npy, probs.npy (the clipped
probabilities, clipped case), grads.safetensors (the input's gradient as "input" and every parameter's), meta.json.
Float32 files. Run from the repository root with Debian's torch:
  /usr/bin/python3 tools/reference/make_attention_variant_fixtures.py
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swin_ref_common import save_npy, write_meta, write_safetensors  # noqa: E402

OUT = "fixtures/attention"
DIM, HEADS, WINDOW, SHIFT, SIDE, IMAGES = 8, 2, 3, 1, 6, 2


def official_shift_mask():
    """The official SwinTransformerBlock's attn_mask for a SIDE x SIDE map, window WINDOW, shift SHIFT."""
    img_mask = torch.zeros((1, SIDE, SIDE, 1))
    cnt = 0
    for h in (slice(0, -WINDOW), slice(-WINDOW, -SHIFT), slice(-SHIFT, None)):
        for w in (slice(0, -WINDOW), slice(-WINDOW, -SHIFT), slice(-SHIFT, None)):
            img_mask[:, h, w, :] = cnt
            cnt += 1
    x = img_mask.view(1, SIDE // WINDOW, WINDOW, SIDE // WINDOW, WINDOW, 1)
    mask_windows = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, WINDOW * WINDOW)
    attn_mask = mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)
    return attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(attn_mask == 0, float(0.0))


def clipped_softmax(data, dim, zeta, gamma):
    """The authors' clipped_softmax (their eta is the paper's zeta)."""
    sm_out = torch.nn.functional.softmax(data, dim=dim)
    return torch.clip(sm_out * (zeta - gamma) + gamma, 0, 1)


class WindowAttention(nn.Module):
    """The official Swin V1 WindowAttention (qkv bias, no dropout), with an optional clipped softmax or head gate."""

    def __init__(self, dim, window, heads, variant, alpha=0.0, zeta=1.0, pi_init=None):
        super().__init__()
        self.dim, self.window_size, self.num_heads = dim, (window, window), heads
        head_dim = dim // heads
        self.scale = head_dim ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window - 1) * (2 * window - 1), heads))
        coords = torch.stack(torch.meshgrid([torch.arange(window), torch.arange(window)], indexing="ij"))
        flat = torch.flatten(coords, 1)
        rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += window - 1
        rel[:, :, 1] += window - 1
        rel[:, :, 0] *= 2 * window - 1
        self.register_buffer("relative_position_index", rel.sum(-1))
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.variant, self.alpha, self.zeta = variant, alpha, zeta
        if variant == "gated":
            # the authors' separate predictor per head, bias logit(pi_init)
            self.alpha_heads = nn.ModuleList(nn.Linear(head_dim, 1, bias=True) for _ in range(heads))
            for fc in self.alpha_heads:
                nn.init.constant_(fc.bias, math.log(pi_init / (1 - pi_init)))
        self.probs = None

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
        if self.variant == "clipped":
            attn = clipped_softmax(attn, -1, self.zeta, -self.alpha / N)
        else:
            attn = attn.softmax(dim=-1)
        self.probs = attn
        context = attn @ v  # (B_, heads, N, d)
        if self.variant == "gated":
            xh = x.view(B_, N, self.num_heads, C // self.num_heads).permute(0, 2, 1, 3)  # (B_, H, N, d)
            alpha = torch.stack([fc(xh[:, h]) for h, fc in enumerate(self.alpha_heads)], dim=1)  # (B_, H, N, 1)
            context = context * torch.sigmoid(alpha)
        x = context.transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)

    def swin4j_params(self):
        """Parameters under swin4j's names: the per-head gate Linears stacked into gate.weight / gate.bias."""
        out = {k: v for k, v in self.named_parameters() if not k.startswith("alpha_heads")}
        if self.variant == "gated":
            out["gate.weight"] = torch.cat([fc.weight for fc in self.alpha_heads], 0)
            out["gate.bias"] = torch.cat([fc.bias for fc in self.alpha_heads], 0)
        return out


def run_case(name, variant, seed, **kw):
    torch.manual_seed(seed)
    layer = WindowAttention(DIM, WINDOW, HEADS, variant, **kw).double()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for pname, p in layer.named_parameters():
            if pname.endswith("bias") and pname.startswith("alpha_heads"):
                p.add_(0.3 * torch.randn(p.shape, generator=g, dtype=torch.float64))  # off its init, as after training
            elif pname == "relative_position_bias_table":
                p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64))
            else:
                p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * (0.9 if pname == "qkv.weight" else 0.4))
    windows = IMAGES * (SIDE // WINDOW) ** 2
    x = torch.randn(windows, WINDOW * WINDOW, DIM, generator=g, dtype=torch.float64, requires_grad=True)
    r = torch.randn(windows, WINDOW * WINDOW, DIM, generator=g, dtype=torch.float64)
    mask = official_shift_mask().double()
    out = layer(x, mask)
    (out * r).sum().backward()
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    params = layer.swin4j_params()
    grads = {"input": x.grad}
    for k, v in layer.named_parameters():
        if not k.startswith("alpha_heads"):
            grads[k] = v.grad
    if variant == "gated":
        grads["gate.weight"] = torch.cat([fc.weight.grad for fc in layer.alpha_heads], 0)
        grads["gate.bias"] = torch.cat([fc.bias.grad for fc in layer.alpha_heads], 0)
    write_safetensors(os.path.join(d, "weights.safetensors"), {k: v.detach().float() for k, v in params.items()})
    write_safetensors(os.path.join(d, "grads.safetensors"), {k: v.detach().float() for k, v in grads.items()})
    save_npy(os.path.join(d, "input.npy"), x)
    save_npy(os.path.join(d, "weight_r.npy"), r)
    save_npy(os.path.join(d, "output.npy"), out)
    meta = {"variant": variant, "dim": DIM, "heads": HEADS, "window": WINDOW, "shift": SHIFT, "side": SIDE,
            "images": IMAGES, "loss": "sum(output * weight_r)", **kw}
    if variant == "clipped":
        p = layer.probs.detach()
        save_npy(os.path.join(d, "probs.npy"), p)
        # both ends of the clip are reached on entries whose logits are not masked
        unmasked = (mask.repeat(IMAGES, 1, 1).unsqueeze(1).expand_as(p) == 0)
        zeros, ones = int(((p == 0) & unmasked).sum()), int((p == 1).sum())
        assert zeros > 20 and ones > 2, (zeros, ones)
        meta.update(exact_zeros_unmasked=zeros, exact_ones=ones)
    else:
        gates = torch.sigmoid(torch.stack([fc(x.view(windows, 9, HEADS, DIM // HEADS)[:, :, h])
                                           for h, fc in enumerate(layer.alpha_heads)], 1)).detach()
        meta.update(gate_min=float(gates.min()), gate_max=float(gates.max()))
        assert float(gates.max() - gates.min()) > 0.1, "gates must differ between tokens and heads"
    write_meta(d, meta)
    print(name, json.dumps(meta))


def main():
    run_case("clipped", "clipped", 19, alpha=1.5, zeta=1.2)
    run_case("gated", "gated", 23, pi_init=0.25)


if __name__ == "__main__":
    main()
