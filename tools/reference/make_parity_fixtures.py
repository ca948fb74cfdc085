#!/usr/bin/env python3
"""Generates the committed parity fixtures of swin4j (fixtures/parity/, fixtures/geometry/).

Random-weight tiny Swin V1 models from the reference implementations (official microsoft/Swin-Transformer,
timm, torchvision), their checkpoints in each layout swin4j reads (official, timm, torchvision, HF v4
safetensors, mmdet), and their outputs (logits, pooled embedding, the four stage outputs) on seeded inputs.
Plus window-geometry facts (relative-position index, SW-MSA masks, partition order) as JSON.

See tools/reference/README.md for the exact command. Deterministic: reruns give byte-identical files.
"""
import argparse
import copy
import json
import logging
import os
import shutil
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # keep tools/reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swin_ref_common as C  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

TINY = dict(img_size=64, patch_size=4, in_chans=3, embed_dim=12, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8],
            window_size=4, mlp_ratio=4.0, qkv_bias=True, qk_scale=None, ape=False, patch_norm=True,
            num_classes=10, drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0)

TINY_META = dict(TINY, layer_norm_eps=1e-5, qk_scale="head_dim^-0.5", act="exact GELU")

SEED_OFFICIAL_W, SEED_TIMM_W, SEED_TV_W = 1001, 1002, 1003
SEED_INPUT = 2024
RANDOMIZE_RULE = ("every parameter overwritten: matrices/conv kernels randn*0.2, LayerNorm weight 1+0.1*randn, "
                  "LayerNorm and other biases 0.1*randn, relative_position_bias_table 0.5*randn "
                  "(torch.Generator seeded, module order)")
BLOCK_WINDOWS_DOC = "per stage, per block: [window_h, window_w, shift_h, shift_w] actually used by the reference"


def randn(shape, seed):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float32)


def official_tiny(refs, **over):
    cfg = dict(TINY)
    cfg.update(over)
    m = refs.official.SwinTransformer(**cfg)
    return m


def ref_set(entry, prefix, only=None):
    """A meta.json 'sets' entry pointing at another case's files (relative paths) instead of copies."""
    out = {"input": dict(entry["input"], file=prefix + entry["input"]["file"]), "outputs": {}}
    for k, v in entry["outputs"].items():
        if only is None or k in only:
            out["outputs"][k] = dict(v, file=prefix + v["file"])
    return out


def buffers_of(model):
    return {n for n, _ in model.named_buffers()}


def case_dir(root, name):
    d = os.path.join(root, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def base_meta(case, layout, impl, weights, weights_format, wrapper, config, windows, sets, notes=None, **extra):
    m = {"schema": "swin4j-parity/1",
         "case": case,
         "layout": layout,
         "weights": weights,
         "weights_format": weights_format,
         "weights_wrapper": wrapper,
         "reference_impl": impl,
         "config": config,
         "randomization": RANDOMIZE_RULE,
         "stage_format": C.STAGE_FORMAT,
         "embedding_format": "(B, 8C): final LayerNorm, then mean over tokens, before the head",
         "block_windows_doc": BLOCK_WINDOWS_DOC,
         "block_windows": windows,
         "outputs_available": sorted(set(k for s in sets for k in s["outputs"])),
         "sets": sets}
    m.update(extra)
    if notes:
        m["notes"] = notes
    return m


# ==========================================================================================================
# conversions
# ==========================================================================================================

def official_to_hf(sd):
    """Official names -> HF transformers v4 names, as convert_swin_timm_to_pytorch.py does (old-timm layout =
    official layout). attn_mask dropped; relative_position_index kept (persistent in HF v4)."""
    out = {}
    for k, v in sd.items():
        if "attn_mask" in k:
            continue
        if k.startswith("head."):
            out["classifier." + k[len("head."):]] = v
            continue
        if k.startswith("norm."):
            out["swin.layernorm." + k[len("norm."):]] = v
            continue
        n = k
        n = n.replace("patch_embed.proj", "embeddings.patch_embeddings.projection")
        n = n.replace("patch_embed.norm", "embeddings.norm")
        if n.startswith("layers."):
            n = "encoder." + n
        n = n.replace("attn.proj", "attention.output.dense")
        n = n.replace("norm1", "layernorm_before")
        n = n.replace("norm2", "layernorm_after")
        n = n.replace("mlp.fc1", "intermediate.dense")
        n = n.replace("mlp.fc2", "output.dense")
        if "attn.qkv" in n:
            dim = v.shape[0] // 3
            stem = n.replace("attn.qkv", "attention.self")
            kind = n.rsplit(".", 1)[1]  # weight | bias
            stem = stem.rsplit(".", 1)[0]
            out["swin." + stem + ".query." + kind] = v[:dim].clone()
            out["swin." + stem + ".key." + kind] = v[dim:2 * dim].clone()
            out["swin." + stem + ".value." + kind] = v[2 * dim:].clone()
            continue
        n = n.replace("attn.", "attention.self.")
        out["swin." + n] = v
    return out


def hf_to_official(hf):
    """Inverse of official_to_hf (used only to check the round trip)."""
    out = {}
    qkv = {}
    for k, v in hf.items():
        if k.startswith("classifier."):
            out["head." + k[len("classifier."):]] = v
            continue
        assert k.startswith("swin."), k
        n = k[len("swin."):]
        if n.startswith("layernorm."):
            out["norm." + n[len("layernorm."):]] = v
            continue
        n = n.replace("embeddings.patch_embeddings.projection", "patch_embed.proj")
        n = n.replace("embeddings.norm", "patch_embed.norm")
        n = n.replace("encoder.layers.", "layers.")
        n = n.replace("attention.output.dense", "attn.proj")
        n = n.replace("layernorm_before", "norm1").replace("layernorm_after", "norm2")
        n = n.replace("intermediate.dense", "mlp.fc1").replace("output.dense", "mlp.fc2")
        for part in ("query", "key", "value"):
            tag = f"attention.self.{part}."
            if tag in n:
                stem, kind = n.split(tag)
                qkv.setdefault((stem + "attn.qkv." + kind), {})[part] = v
                break
        else:
            out[n.replace("attention.self.", "attn.")] = v
    for k, parts in qkv.items():
        out[k] = torch.cat([parts["query"], parts["key"], parts["value"]], 0)
    return out


def swin_converter(ckpt):
    """mmdet/mmseg `swin_converter` (mmdet/models/backbones/swin.py), copied rule for rule."""
    new_ckpt = {}

    def correct_unfold_reduction_order(x):
        out_channel, in_channel = x.shape
        x = x.reshape(out_channel, 4, in_channel // 4)
        x = x[:, [0, 2, 1, 3], :].transpose(1, 2).reshape(out_channel, in_channel)
        return x

    def correct_unfold_norm_order(x):
        in_channel = x.shape[0]
        x = x.reshape(4, in_channel // 4)
        x = x[[0, 2, 1, 3], :].transpose(0, 1).reshape(in_channel)
        return x

    for k, v in ckpt.items():
        if k.startswith('head'):
            continue
        elif k.startswith('layers'):
            new_v = v
            if 'attn.' in k:
                new_k = k.replace('attn.', 'attn.w_msa.')
            elif 'mlp.' in k:
                if 'mlp.fc1.' in k:
                    new_k = k.replace('mlp.fc1.', 'ffn.layers.0.0.')
                elif 'mlp.fc2.' in k:
                    new_k = k.replace('mlp.fc2.', 'ffn.layers.1.')
                else:
                    new_k = k.replace('mlp.', 'ffn.')
            elif 'downsample' in k:
                new_k = k
                if 'reduction.' in k:
                    new_v = correct_unfold_reduction_order(v)
                elif 'norm.' in k:
                    new_v = correct_unfold_norm_order(v)
            else:
                new_k = k
            new_k = new_k.replace('layers', 'stages', 1)
        elif k.startswith('patch_embed'):
            new_v = v
            if 'proj' in k:
                new_k = k.replace('proj', 'projection')
            else:
                new_k = k
        else:
            new_v = v
            new_k = k
        new_ckpt['backbone.' + new_k] = new_v.contiguous()
    return new_ckpt


def mmdet_unfold_merge(x_tokens, hw, norm_w, norm_b, red_w, eps=1e-5):
    """mmdet PatchMerging (nn.Unfold kernel 2 stride 2, channel order c*4 + kh*2 + kw), even sizes."""
    b, l, c = x_tokens.shape
    h, w = hw
    x = x_tokens.view(b, h, w, c).permute(0, 3, 1, 2)
    x = nn.Unfold(kernel_size=2, dilation=1, padding=0, stride=2)(x)  # B, 4C, L'
    x = x.transpose(1, 2)
    x = F.layer_norm(x, (4 * c,), norm_w, norm_b, eps)
    return F.linear(x, red_w)


def mmdet_relative_position_index(wh, ww):
    """mmdet WindowMSA: double_step_seq + flip."""
    def double_step_seq(step1, len1, step2, len2):
        seq1 = torch.arange(0, step1 * len1, step1)
        seq2 = torch.arange(0, step2 * len2, step2)
        return (seq1[:, None] + seq2[None, :]).reshape(1, -1)
    rel = double_step_seq(2 * ww - 1, wh, 1, ww)
    rel = rel + rel.T
    return rel.flip(1).contiguous()


# ==========================================================================================================
# torchvision shifted_window_attention: copied logic (mask + partition), checked against the library
# ==========================================================================================================

def tv_window_plan(H, W, window_size, shift_size):
    pad_r = (window_size[1] - W % window_size[1]) % window_size[1]
    pad_b = (window_size[0] - H % window_size[0]) % window_size[0]
    pad_H, pad_W = H + pad_b, W + pad_r
    shift_size = list(shift_size).copy()
    if window_size[0] >= pad_H:
        shift_size[0] = 0
    if window_size[1] >= pad_W:
        shift_size[1] = 0
    return pad_H, pad_W, shift_size


def tv_attn_mask(H, W, window_size, shift_size):
    """Exactly the mask construction in torchvision.models.swin_transformer.shifted_window_attention
    (returns None when sum(shift) == 0, as the library then adds no mask)."""
    pad_H, pad_W, shift_size = tv_window_plan(H, W, window_size, shift_size)
    if sum(shift_size) == 0:
        return None, pad_H, pad_W, shift_size
    num_windows = (pad_H // window_size[0]) * (pad_W // window_size[1])
    attn_mask = torch.zeros((pad_H, pad_W))
    h_slices = ((0, -window_size[0]), (-window_size[0], -shift_size[0]), (-shift_size[0], None))
    w_slices = ((0, -window_size[1]), (-window_size[1], -shift_size[1]), (-shift_size[1], None))
    count = 0
    for h in h_slices:
        for w in w_slices:
            attn_mask[h[0]: h[1], w[0]: w[1]] = count
            count += 1
    attn_mask = attn_mask.view(pad_H // window_size[0], window_size[0], pad_W // window_size[1], window_size[1])
    attn_mask = attn_mask.permute(0, 2, 1, 3).reshape(num_windows, window_size[0] * window_size[1])
    attn_mask = attn_mask.unsqueeze(1) - attn_mask.unsqueeze(2)
    attn_mask = attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(attn_mask == 0, float(0.0))
    return attn_mask, pad_H, pad_W, shift_size


def tv_partition_index(H, W, window_size, shift_size):
    """Source token index (row-major h*W+w of the unpadded map; H*W = padding) of each windowed token,
    following the library: pad (bottom/right), roll by -shift, view/permute into windows."""
    pad_H, pad_W, shift_size = tv_window_plan(H, W, window_size, shift_size)
    x = torch.arange(H * W, dtype=torch.float64).view(1, H, W, 1)
    x = F.pad(x, (0, 0, 0, pad_W - W, 0, pad_H - H), value=float(H * W))
    if sum(shift_size) > 0:
        x = torch.roll(x, shifts=(-shift_size[0], -shift_size[1]), dims=(1, 2))
    x = x.view(1, pad_H // window_size[0], window_size[0], pad_W // window_size[1], window_size[1], 1)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(-1)
    return [int(v) for v in x.tolist()]


def tv_swa_replica(input, qkv_weight, proj_weight, relative_position_bias, window_size, num_heads, shift_size,
                   qkv_bias, proj_bias):
    """shifted_window_attention with the mask taken from tv_attn_mask (V1 path, no dropout): used to check that
    the copied mask logic is what the library does."""
    B, H, W, Cc = input.shape
    mask, pad_H, pad_W, shift_size = tv_attn_mask(H, W, window_size, shift_size)
    x = F.pad(input, (0, 0, 0, pad_W - W, 0, pad_H - H))
    if sum(shift_size) > 0:
        x = torch.roll(x, shifts=(-shift_size[0], -shift_size[1]), dims=(1, 2))
    num_windows = (pad_H // window_size[0]) * (pad_W // window_size[1])
    x = x.view(B, pad_H // window_size[0], window_size[0], pad_W // window_size[1], window_size[1], Cc)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(B * num_windows, window_size[0] * window_size[1], Cc)
    qkv = F.linear(x, qkv_weight, qkv_bias)
    qkv = qkv.reshape(x.size(0), x.size(1), 3, num_heads, Cc // num_heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    q = q * (Cc // num_heads) ** -0.5
    attn = q.matmul(k.transpose(-2, -1)) + relative_position_bias
    if mask is not None:
        attn = attn.view(x.size(0) // num_windows, num_windows, num_heads, x.size(1), x.size(1))
        attn = attn + mask.unsqueeze(1).unsqueeze(0)
        attn = attn.view(-1, num_heads, x.size(1), x.size(1))
    attn = F.softmax(attn, dim=-1)
    x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), Cc)
    x = F.linear(x, proj_weight, proj_bias)
    x = x.view(B, pad_H // window_size[0], pad_W // window_size[1], window_size[0], window_size[1], Cc)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(B, pad_H, pad_W, Cc)
    if sum(shift_size) > 0:
        x = torch.roll(x, shifts=(shift_size[0], shift_size[1]), dims=(1, 2))
    return x[:, :H, :W, :].contiguous()


def mask_bits(mask):
    """(nW, N, N) float mask of 0 / -100 -> flat list of 0/1 (1 = -100), asserting there is nothing else."""
    m = mask.reshape(-1)
    assert bool(((m == 0) | (m == -100)).all())
    return [1 if float(v) != 0 else 0 for v in m.tolist()]


# ==========================================================================================================
# the fixtures
# ==========================================================================================================

def make_geometry(refs, out_root):
    gdir = os.path.join(out_root, "geometry")
    if os.path.isdir(gdir):
        shutil.rmtree(gdir)
    os.makedirs(gdir)
    src_off = {"impl": "microsoft/Swin-Transformer models/swin_transformer.py", "commit": C.OFFICIAL_COMMIT}

    # relative_position_index: the official WindowAttention buffer; also checked against mmdet's construction
    cases = []
    for w in (2, 3, 4, 7):
        wa = refs.official.WindowAttention(dim=4, window_size=(w, w), num_heads=1)
        idx = wa.relative_position_index
        assert torch.equal(idx, mmdet_relative_position_index(w, w)), "mmdet index differs"
        tv_blk = refs.tv.ShiftedWindowAttention(4, [w, w], [0, 0], 1)
        assert torch.equal(tv_blk.relative_position_index.view(-1), idx.reshape(-1)), "torchvision index differs"
        cases.append({"window": [w, w], "shape": list(idx.shape), "table_rows": (2 * w - 1) ** 2,
                      "values": [int(v) for v in idx.reshape(-1).tolist()]})
    with open(os.path.join(gdir, "relative_position_index.json"), "w") as f:
        json.dump({"source": src_off, "layout": "row-major (N, N), N = window_h*window_w; identical in "
                   "mmdet (checked) and torchvision (stored flat there, checked)", "cases": cases},
                  f, separators=(",", ":"))

    # official SW-MSA attn_mask buffers
    cases = []
    for (H, W, ws, sh) in [(8, 8, 4, 2), (16, 16, 4, 2), (56, 56, 7, 3)]:
        blk = refs.official.SwinTransformerBlock(dim=4, input_resolution=(H, W), num_heads=1, window_size=ws,
                                                 shift_size=sh)
        m = blk.attn_mask
        cases.append({"H": H, "W": W, "window": ws, "shift": sh, "shape": list(m.shape), "mask": mask_bits(m)})
    with open(os.path.join(gdir, "official_attn_mask.json"), "w") as f:
        json.dump({"source": src_off, "fill_value": -100.0,
                   "encoding": "flat row-major (nW, N, N) list of 0/1: 1 means the buffer holds -100.0, 0 means 0.0",
                   "cases": cases}, f, separators=(",", ":"))

    # official window_partition order (with and without the cyclic shift)
    H = W = 8
    ws, sh = 4, 2
    x = torch.arange(H * W, dtype=torch.float32).view(1, H, W, 1)
    rolled = torch.roll(x, shifts=(-sh, -sh), dims=(1, 2))
    shifted = refs.official.window_partition(rolled, ws).reshape(-1)
    plain = refs.official.window_partition(x, ws).reshape(-1)
    rev = refs.official.window_reverse(refs.official.window_partition(rolled, ws), ws, H, W)
    assert torch.equal(torch.roll(rev, shifts=(sh, sh), dims=(1, 2)), x)
    with open(os.path.join(gdir, "official_window_partition.json"), "w") as f:
        json.dump({"source": src_off,
                   "encoding": "flat list over (nW, window, window): the row-major source index h*W+w of each "
                               "windowed token; input arange(H*W) shaped (1,H,W,1)",
                   "cases": [{"H": H, "W": W, "window": ws, "shift": sh,
                              "op": "torch.roll(x, shifts=(-shift,-shift), dims=(1,2)) then window_partition",
                              "index": [int(v) for v in shifted.tolist()]},
                             {"H": H, "W": W, "window": ws, "shift": 0, "op": "window_partition",
                              "index": [int(v) for v in plain.tolist()]}]}, f, separators=(",", ":"))

    # torchvision: padded masks with per-axis shift
    cases = []
    g = torch.Generator().manual_seed(77)
    for (H, W, win, shift) in [(7, 10, [4, 4], [2, 2]), (7, 10, [7, 7], [3, 3])]:
        mask, pad_H, pad_W, eff = tv_attn_mask(H, W, win, shift)
        # check the copied logic against the library function on random data
        Cc, nh = 8, 2
        inp = torch.randn(2, H, W, Cc, generator=g)
        qkv_w, qkv_b = torch.randn(3 * Cc, Cc, generator=g) * 0.3, torch.randn(3 * Cc, generator=g) * 0.1
        pw, pb = torch.randn(Cc, Cc, generator=g) * 0.3, torch.randn(Cc, generator=g) * 0.1
        N = win[0] * win[1]
        rpb = torch.randn(1, nh, N, N, generator=g)
        ref = refs.tv.shifted_window_attention(inp, qkv_w, pw, rpb, win, nh, shift, 0.0, 0.0, qkv_b, pb)
        mine = tv_swa_replica(inp, qkv_w, pw, rpb, win, nh, shift, qkv_b, pb)
        assert torch.allclose(ref, mine, atol=1e-6, rtol=0), (ref - mine).abs().max()
        # the mask matters: without it the result must differ
        assert mask is not None
        cases.append({"H": H, "W": W, "window": win, "shift_requested": shift, "padded": [pad_H, pad_W],
                      "pad_bottom_right": [pad_H - H, pad_W - W], "shift_effective": eff,
                      "num_windows": (pad_H // win[0]) * (pad_W // win[1]), "shape": list(mask.shape),
                      "mask": mask_bits(mask),
                      "partition_index": tv_partition_index(H, W, win, shift)})
    with open(os.path.join(gdir, "torchvision_attn_mask.json"), "w") as f:
        json.dump({"source": {"impl": "torchvision.models.swin_transformer.shifted_window_attention",
                              "version": refs.torchvision_version},
                   "fill_value": -100.0,
                   "rule": "pad bottom/right to window multiples; shift_size copied, then shift[a]=0 where "
                           "window[a] >= padded size[a]; mask only when sum(shift)>0; pad -> roll -> partition",
                   "encoding": "mask: flat row-major (nW, N, N) 0/1, 1 = -100.0; partition_index: source index "
                               "h*W+w of the unpadded map per windowed token, H*W marks a padding token",
                   "cases": cases}, f, separators=(",", ":"))


def check_mmdet_merge(refs, model):
    """Unfold-order merge with converted weights == official PatchMerging with official weights."""
    g = torch.Generator().manual_seed(5)
    for i in range(3):
        ds = model.layers[i].downsample
        h, w = ds.input_resolution
        c = ds.dim
        x = torch.randn(2, h * w, c, generator=g)
        ref = ds(x)
        conv = swin_converter({f"layers.{i}.downsample.reduction.weight": ds.reduction.weight.detach(),
                               f"layers.{i}.downsample.norm.weight": ds.norm.weight.detach(),
                               f"layers.{i}.downsample.norm.bias": ds.norm.bias.detach()})
        p = f"backbone.stages.{i}.downsample."
        mine = mmdet_unfold_merge(x, (h, w), conv[p + "norm.weight"], conv[p + "norm.bias"],
                                  conv[p + "reduction.weight"])
        err = (ref - mine).abs().max().item()
        assert err < 1e-5, f"mmdet merge mismatch at stage {i}: {err}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    C.add_source_args(ap)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures"),
                    help="fixtures root (parity/ and geometry/ are (re)created under it)")
    ap.add_argument("--full-resized-state-dict", action="store_true",
                    help="store the whole window-8 state dict in official_window_resize/resized_w8.pth "
                         "(+1.3 MB) instead of only the resized tables")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # fixed reduction order -> byte-identical reruns
    refs = C.Refs(args.official, args.timm)
    out_root = os.path.abspath(args.out)
    proot = os.path.join(out_root, "parity")
    if os.path.isdir(proot):
        shutil.rmtree(proot)
    os.makedirs(proot)
    report = {}

    with torch.no_grad():
        make_geometry(refs, out_root)

        # ---------------------------------------------------------------- 1. official
        off = official_tiny(refs)
        C.randomize_(off, SEED_OFFICIAL_W)
        off.eval()
        x1 = randn((2, 3, 64, 64), SEED_INPUT)
        o1 = C.run_official(off, x1)
        report["official"] = C.tensor_stats(o1)
        d = case_dir(proot, "official")
        sd = off.state_dict()
        torch.save({"model": sd}, os.path.join(d, "official.pth"))
        impl_off = refs.impl_official()
        win_off = C.official_windows(off)
        s1 = C.save_set(d, x1, o1)
        C.write_meta(d, base_meta("official", "official", impl_off, "official.pth", "torch_zip", "model",
                                  TINY_META, win_off, [s1], notes=[
                                      "checkpoint {'model': state_dict} with the buffers relative_position_index "
                                      "and attn_mask, as official releases",
                                      "official rule: window shrinks to min(resolution) and shift becomes 0 where "
                                      "min(resolution) <= window: stage 2 (4x4) keeps window 4 but has no shift, "
                                      "stage 3 (2x2) uses window 2 (table 3x3=9 rows)"]))
        # reload check
        chk = torch.load(os.path.join(d, "official.pth"), map_location="cpu")
        off2 = official_tiny(refs)
        off2.load_state_dict(chk["model"], strict=True)
        off2.eval()
        assert torch.equal(off2(x1), o1["logits"])

        # timm's own filter on official weights reproduces the official model (same window rule at 64)
        tm_chk = refs.timm_swin.SwinTransformer(img_size=64, patch_size=4, in_chans=3, num_classes=10,
                                                embed_dim=12, depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8),
                                                window_size=4, mlp_ratio=4.0, qkv_bias=True, drop_path_rate=0.0)
        tm_chk.load_state_dict(refs.timm_swin.checkpoint_filter_fn({"model": dict(sd)}, tm_chk), strict=True)
        tm_chk.eval()
        ot = C.run_timm(tm_chk, x1)
        for k in o1:
            err = (ot[k] - o1[k]).abs().max().item()
            assert err < 1e-4, f"timm(official weights) vs official {k}: {err}"

        # ---------------------------------------------------------------- 7. official_batch3
        x7 = randn((3, 3, 64, 64), SEED_INPUT + 7)
        o7 = C.run_official(off, x7)
        d = case_dir(proot, "official_batch3")
        s7 = C.save_set(d, x7, o7)
        C.write_meta(d, base_meta("official_batch3", "official", impl_off, "../official/official.pth", "torch_zip",
                                  "model", TINY_META, win_off, [s7]))

        # ---------------------------------------------------------------- 5. hf (safetensors)
        d = case_dir(proot, "hf")
        hf = official_to_hf(sd)
        C.write_safetensors(os.path.join(d, "hf.safetensors"), hf, {"format": "pt"})
        back, md = C.read_safetensors(os.path.join(d, "hf.safetensors"))
        assert md == {"format": "pt"}
        assert set(back) == set(hf)
        rt = hf_to_official(back)
        want = {k: v for k, v in sd.items() if "attn_mask" not in k}
        assert set(rt) == set(want), set(rt) ^ set(want)
        for k in want:
            assert rt[k].dtype == want[k].dtype and torch.equal(rt[k], want[k]), k
        off_hf = official_tiny(refs)
        missing, unexpected = off_hf.load_state_dict(rt, strict=False)
        assert not unexpected and all("attn_mask" in k for k in missing)
        off_hf.eval()
        assert torch.equal(off_hf(x1), o1["logits"])
        s5 = ref_set(s1, "../official/")
        C.write_meta(d, base_meta("hf", "hf_v4", impl_off, "hf.safetensors", "safetensors", None, TINY_META, win_off,
                                  [s5], reference_outputs_from="../official (input and outputs referenced, not copied)",
                                  converted_from="../official/official.pth", notes=[
                                      "names as convert_swin_timm_to_pytorch.py (transformers v4): swin. prefix, "
                                      "q/k/v split from qkv (rows [0:C],[C:2C],[2C:3C]), downsample at stage end, "
                                      "swin.layernorm, classifier; relative_position_index kept (I64), no attn_mask",
                                      "relative_position_index / bias tables keep the official per-stage shapes: "
                                      "stage 3 window 2 -> table (9, nH), index (4, 4). HF v4 itself builds every "
                                      "stage's table with config.window_size (49 rows here) and only shrinks the "
                                      "window in forward, so transformers would refuse this file for this tiny "
                                      "config; real releases (224/w7, 384/w12) never hit this"]))

        # ---------------------------------------------------------------- 6. mmdet
        check_mmdet_merge(refs, off)
        d = case_dir(proot, "mmdet")
        mm_all = swin_converter(sd)
        mm = {k: v for k, v in mm_all.items() if not k.startswith("backbone.norm.") and "attn_mask" not in k}
        dropped = sorted(set(mm_all) - set(mm))
        mmdet_meta = {"note": "swin4j synthetic fixture: official tiny weights through mmdet swin_converter",
                      "converted_from": "../official/official.pth"}
        torch.save({"meta": mmdet_meta, "state_dict": mm}, os.path.join(d, "mmdet.pth"))
        s6 = ref_set(s1, "../official/", only=("stage0", "stage1", "stage2", "stage3"))
        C.write_meta(d, base_meta("mmdet", "mmdet", impl_off, "mmdet.pth", "torch_zip", "state_dict", TINY_META,
                                  win_off, [s6], reference_outputs_from="../official (input and stage0..3 "
                                                                        "referenced; official semantics; no "
                                                                        "logits/embedding for this layout)",
                                  converted_from="../official/official.pth", notes=[
                                      "swin_converter rules; merge reduction.weight / norm.weight / norm.bias "
                                      "permuted to nn.Unfold order (verified: unfold merge with converted weights "
                                      "== official merge)",
                                      "dropped after conversion (not in an mmdet model's state_dict): "
                                      "backbone.norm.* (the literal converter keeps it; mmdet uses norm0..3) and "
                                      "backbone.stages.*.attn_mask (the converter would keep them); head dropped by "
                                      "the converter; relative_position_index kept (mmdet's buffer is persistent)",
                                      "the expected stage outputs follow the official window rule; mmdet's own "
                                      "backbone never shrinks the window or drops the shift (it would shift stage 2 "
                                      "and pad stage 3 to window 4, with a 49-row table), so mmdet itself would "
                                      "neither load stage 3's 9-row tables nor reproduce these outputs"]))

        # ---------------------------------------------------------------- 8. official_window_resize
        d = case_dir(proot, "official_window_resize")
        w8 = official_tiny(refs, window_size=8)
        logger = logging.getLogger("official.load_pretrained")
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
        cfg = types.SimpleNamespace(MODEL=types.SimpleNamespace(PRETRAINED=os.path.join(proot, "official",
                                                                                        "official.pth")))
        msgs = []
        logger.warning = lambda m, *a, **k: msgs.append(m)  # capture load_state_dict's report
        refs.official_utils.load_pretrained(cfg, w8, logger)
        res = [m for m in msgs if hasattr(m, "missing_keys")][0]
        assert not res.unexpected_keys
        assert all(("relative_position_index" in k or "attn_mask" in k) for k in res.missing_keys), res
        w8.eval()
        bufs = buffers_of(w8)
        rsd = {k: v for k, v in w8.state_dict().items() if k not in bufs}
        # independent replica of the bicubic table resize
        for k, v in sd.items():
            if k.endswith("relative_position_bias_table"):
                if v.shape != rsd[k].shape:
                    L1, nH = v.shape
                    S1, S2 = int(L1 ** 0.5), int(rsd[k].shape[0] ** 0.5)
                    r = F.interpolate(v.permute(1, 0).reshape(1, nH, S1, S1), size=(S2, S2), mode="bicubic")
                    assert torch.equal(r.view(nH, S2 * S2).permute(1, 0), rsd[k]), k
                else:
                    assert torch.equal(v, rsd[k]), k
            elif k in rsd:
                assert torch.equal(v, rsd[k]), k
        resized = sorted(k for k in rsd if k.endswith("relative_position_bias_table") and rsd[k].shape != sd[k].shape)
        if args.full_resized_state_dict:
            torch.save(rsd, os.path.join(d, "resized_w8.pth"))
            resized_content = "full state dict of the window-8 model after loading (buffers dropped)"
        else:
            torch.save({k: rsd[k] for k in resized}, os.path.join(d, "resized_w8.pth"))
            resized_content = ("only the resized relative_position_bias_table tensors (every other tensor of the "
                               "window-8 model equals ../official/official.pth, checked): full window-8 state dict "
                               "= ../official/official.pth minus relative_position_index/attn_mask, updated with "
                               "this file (regenerate with --full-resized-state-dict to store it whole)")
        o8 = C.run_official(w8, x1)
        report["official_window_resize"] = C.tensor_stats(o8)
        s8 = C.save_set(d, x1, o8)
        s8["input"] = dict(s8["input"], file="../official/input.npy")
        os.remove(os.path.join(d, "input.npy"))
        C.write_meta(d, base_meta("official_window_resize", "official", impl_off, "resized_w8.pth", "torch_zip", None,
                                  dict(TINY_META, window_size=8), C.official_windows(w8), [s8],
                                  source_weights="../official/official.pth", source_window_size=4,
                                  resized_tables=resized, resized_w8_content=resized_content, notes=[
                                      "official utils.load_pretrained (called): drops relative_position_index and "
                                      "attn_mask, bicubic F.interpolate (align_corners=False) of each "
                                      "relative_position_bias_table viewed as (1, nH, S, S) to the new S, "
                                      "load_state_dict(strict=False)",
                                      "resized_w8.pth: plain dict, official names; stages 0/1 tables 49 -> 225 "
                                      "rows, stages 2/3 (window capped at 4 and 2 by the map size) unchanged",
                                      "input = ../official/input.npy (referenced)"]))

        # ---------------------------------------------------------------- 9. dtypes
        d = case_dir(proot, "dtypes")
        dsets = []
        for tag, dt in (("fp16", torch.float16), ("bf16", torch.bfloat16)):
            low = {k: (v.to(dt) if v.is_floating_point() else v) for k, v in sd.items()}
            torch.save({"model": low}, os.path.join(d, f"official_{tag}.pth"))
            m = official_tiny(refs)
            m.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in low.items()}, strict=True)
            m.eval()
            lg = m(x1)
            fn = f"logits_{tag}.npy"
            dsets.append({"weights": f"official_{tag}.pth", "dtype": tag,
                          "logits": {"file": fn, "shape": C.save_npy(os.path.join(d, fn), lg)},
                          "max_abs_diff_vs_fp32_logits": float((lg - o1["logits"]).abs().max())})
        C.write_meta(d, {"schema": "swin4j-parity/1", "case": "dtypes", "layout": "official",
                         "weights_format": "torch_zip", "weights_wrapper": "model", "reference_impl": impl_off,
                         "config": TINY_META, "input": {"file": "../official/input.npy", "shape": list(x1.shape)},
                         "variants": dsets,
                         "notes": ["official tiny state dict (../official/official.pth) with every floating tensor "
                                   "(parameters and attn_mask) cast to fp16 / bf16; relative_position_index stays "
                                   "int64", "logits computed by the official model in fp32 after loading the "
                                   "rounded weights (upcast to fp32); input = ../official/input.npy (referenced)"]})

        # ---------------------------------------------------------------- 2. timm
        tm = refs.timm_swin.SwinTransformer(img_size=64, patch_size=4, in_chans=3, num_classes=10, embed_dim=12,
                                            depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8), window_size=4,
                                            mlp_ratio=4.0, qkv_bias=True, drop_rate=0.0, proj_drop_rate=0.0,
                                            attn_drop_rate=0.0, drop_path_rate=0.0)
        C.randomize_(tm, SEED_TIMM_W)
        tm.eval()
        x2 = randn((2, 3, 64, 64), SEED_INPUT + 2)
        o2 = C.run_timm(tm, x2)
        report["timm"] = C.tensor_stats(o2)
        d = case_dir(proot, "timm")
        tsd = tm.state_dict()
        assert not any("relative_position_index" in k or "attn_mask" in k for k in tsd)
        assert "head.fc.weight" in tsd and "layers.0.downsample.reduction.weight" not in tsd
        torch.save(tsd, os.path.join(d, "timm.pth"))
        s2 = C.save_set(d, x2, o2)
        C.write_meta(d, base_meta("timm", "timm", refs.impl_timm(), "timm.pth", "torch_zip", None, TINY_META,
                                  C.timm_windows(tm), [s2], notes=[
                                      "timm native names: merge at stage start (layers.{i}.downsample for i>=1), "
                                      "head.fc.*, no buffers (relative_position_index / attn_mask non-persistent)",
                                      "stage i = output of timm layers[i] (its merge comes first), i.e. the same "
                                      "tensor as the official stage i output",
                                      "timm per-axis rule: window = min(res, 4), shift 0 where res <= window: "
                                      "stage 2 (4x4) window 4 no shift; stage 3 (2x2) window 2 (9-row table) -- "
                                      "identical to the official model here (checked: official weights through "
                                      "timm.checkpoint_filter_fn reproduce the official outputs)"]))

        # ---------------------------------------------------------------- 3./4. torchvision
        tv = refs.tv.SwinTransformer(patch_size=[4, 4], embed_dim=12, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8],
                                     window_size=[4, 4], num_classes=10, stochastic_depth_prob=0.0)
        C.randomize_(tv, SEED_TV_W)
        tv.eval()
        x3 = randn((2, 3, 64, 64), SEED_INPUT + 3)
        o3 = C.run_torchvision(tv, x3)
        report["torchvision"] = C.tensor_stats(o3)
        d = case_dir(proot, "torchvision")
        tvsd = tv.state_dict()
        torch.save(tvsd, os.path.join(d, "torchvision.pth"))
        s3 = C.save_set(d, x3, o3)
        tv_cfg = {"patch_size": [4, 4], "embed_dim": 12, "depths": [2, 2, 2, 2], "num_heads": [1, 2, 4, 8],
                  "window_size": [4, 4], "mlp_ratio": 4.0, "num_classes": 10, "dropout": 0.0,
                  "attention_dropout": 0.0, "stochastic_depth_prob": 0.0, "layer_norm_eps": 1e-5,
                  "in_chans": 3, "qkv_bias": True}
        tv_notes = ["torchvision rule: no window shrink; pad bottom/right to window multiples, zero padding tokens "
                    "take part in attention unmasked; shift 0 on an axis where window >= padded size; merges pad odd "
                    "sizes by one (bottom/right)",
                    "at 64x64 stage 3 is 2x2 padded to 4x4 with window 4 (49-row table, unlike official's window 2)"]
        C.write_meta(d, base_meta("torchvision", "torchvision", refs.impl_torchvision(), "torchvision.pth",
                                  "torch_zip", None, dict(tv_cfg, img_size=64), C.torchvision_windows(tv, 64, 64),
                                  [s3], notes=tv_notes))

        d = case_dir(proot, "torchvision_nonmultiple")
        x4a = randn((1, 3, 52, 76), SEED_INPUT + 4)
        x4b = randn((1, 3, 54, 77), SEED_INPUT + 5)
        o4a = C.run_torchvision(tv, x4a)
        o4b = C.run_torchvision(tv, x4b)
        report["torchvision_nonmultiple"] = C.tensor_stats(o4a)
        s4a = C.save_set(d, x4a, o4a)
        s4b = C.save_set(d, x4b, o4b, suffix="_b")
        wa, wb = C.torchvision_windows(tv, 52, 76), C.torchvision_windows(tv, 54, 77)
        assert wa == wb
        C.write_meta(d, base_meta("torchvision_nonmultiple", "torchvision", refs.impl_torchvision(),
                                  "../torchvision/torchvision.pth", "torch_zip", None, dict(tv_cfg, img_size=None),
                                  wa, [s4a, s4b], notes=tv_notes + [
                                      "input 52x76: patch multiple, not window multiple -> 13x19, 7x10, 4x5, 2x3",
                                      "input_b 54x77: not a patch multiple; the stem Conv2d (stride 4) drops the "
                                      "last 2 rows / 1 column -> same grid as input",
                                      "stage 2 (4x5 padded to 4x8) has a per-axis shift: H shift 0 (window 4 >= 4), "
                                      "W shift 2"]))

    # determinism / sanity report
    for k, v in report.items():
        print(f"{k}: " + ", ".join(f"{n}={a:.3g}" for n, a in v.items()))
    print("wrote", out_root)


if __name__ == "__main__":
    main()
