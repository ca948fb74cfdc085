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

TINY = C.TINY

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

def hf_to_official(hf, prefix="swin.", v2=False):
    """Inverse of official_to_hf (used only to check the round trip). v2: HF's Swin V2 names (make_family_fixtures.py):
    prefix swinv2., continuous_position_bias_mlp -> cpb_mlp, query/value biases -> q_bias/v_bias, no key bias."""
    out = {}
    qkv = {}
    for k, v in hf.items():
        if k.startswith("classifier."):
            out["head." + k[len("classifier."):]] = v
            continue
        assert k.startswith(prefix), k
        n = k[len(prefix):]
        if n.startswith("layernorm."):
            out["norm." + n[len("layernorm."):]] = v
            continue
        n = n.replace("embeddings.patch_embeddings.projection", "patch_embed.proj")
        n = n.replace("embeddings.norm", "patch_embed.norm")
        n = n.replace("encoder.layers.", "layers.")
        n = n.replace("attention.output.dense", "attn.proj")
        n = n.replace("layernorm_before", "norm1").replace("layernorm_after", "norm2")
        n = n.replace("intermediate.dense", "mlp.fc1").replace("output.dense", "mlp.fc2")
        if v2:
            n = n.replace("continuous_position_bias_mlp", "cpb_mlp")
            if ".attention.self.query.bias" in n:
                out[n.replace(".attention.self.query.bias", ".attn.q_bias")] = v
                continue
            if ".attention.self.value.bias" in n:
                out[n.replace(".attention.self.value.bias", ".attn.v_bias")] = v
                continue
            assert ".attention.self.key.bias" not in n, k
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


# The public conversion scripts, imported from files outside the repository (their code is not copied here):
#   HF transformers src/transformers/models/swin/convert_swin_timm_to_pytorch.py  (rename_key, convert_state_dict)
#   mmsegmentation tools/model_converters/swin2mmseg.py                           (convert_swin)
HF_CONVERT_SRC = {"repo": "huggingface/transformers",
                  "path": "src/transformers/models/swin/convert_swin_timm_to_pytorch.py",
                  "commit": "001f85b38fb432858ace93f18622f07cec46d874"}
MMSEG_CONVERT_SRC = {"repo": "open-mmlab/mmsegmentation", "path": "tools/model_converters/swin2mmseg.py",
                     "commit": "088894bd6167bf55031e4d05475d22504035b3e6"}


class _Stub(types.ModuleType):
    """Stands in for a module a conversion script imports at top level but whose conversion functions never
    use (network, hub, the model classes); any attribute is a callable that refuses to run."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def refuse(*a, **k):
            raise RuntimeError(f"stub {self.__name__}.{name} called: the fixture generator only uses the "
                               "scripts' rename functions")
        return refuse


def load_script(name, path, stub_modules):
    """Imports a standalone script by path with the named top-level imports stubbed in sys.modules (only while
    it loads; modules already imported, e.g. timm, torch, PIL, stay real)."""
    added = []
    for m in stub_modules:
        if m not in sys.modules:
            sys.modules[m] = _Stub(m)
            added.append(m)
    try:
        return C._load_file_module(name, path)
    finally:
        for m in added:
            del sys.modules[m]


class PublicConverters:
    def __init__(self, hf_path, mmseg_path):
        for flag, p in (("--hf-convert / SWIN_HF_CONVERT", hf_path), ("--mmseg-convert / SWIN_MMSEG_CONVERT", mmseg_path)):
            if not p or not os.path.isfile(p):
                raise SystemExit(f"{flag} must point at the public conversion script (see tools/reference/README.md)")
        self.hf = load_script("swin4j_ref_hf_convert", hf_path,
                              ["httpx", "timm", "huggingface_hub", "transformers"])
        self.mmseg = load_script("swin4j_ref_swin2mmseg", mmseg_path, ["mmengine", "mmengine.runner"])
        self.hf_source = dict(HF_CONVERT_SRC, sha256=C.sha256_file(hf_path),
                              functions=["rename_key", "convert_state_dict"])
        self.mmseg_source = dict(MMSEG_CONVERT_SRC, sha256=C.sha256_file(mmseg_path), functions=["convert_swin"])

    def to_hf(self, sd, depths, embed_dim, num_heads):
        """convert_state_dict(state_dict, model) of the HF script; it reads only
        model.swin.encoder.layers[i].blocks[j].attention.self.all_head_size (= the stage's dim) from the model,
        so a stand-in object gives it that."""
        NS = types.SimpleNamespace
        layers = [NS(blocks=[NS(attention=NS(self=NS(all_head_size=embed_dim * 2 ** i,
                                                     num_attention_heads=num_heads[i])))
                             for _ in range(d)]) for i, d in enumerate(depths)]
        stand_in = NS(swin=NS(encoder=NS(layers=layers)))
        out = self.hf.convert_state_dict(dict(sd), stand_in)
        return {k: v.contiguous() for k, v in out.items()}

    def to_mmseg(self, sd):
        return self.mmseg.convert_swin(sd)


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
                   qkv_bias, proj_bias, use_mask=True):
    """shifted_window_attention with the mask taken from tv_attn_mask (V1 path, no dropout): used to check that
    the copied mask logic is what the library does."""
    B, H, W, Cc = input.shape
    mask, pad_H, pad_W, shift_size = tv_attn_mask(H, W, window_size, shift_size)
    if not use_mask:
        mask = None
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
        # the mask matters: the same computation without it gives a different result
        assert mask is not None
        unmasked = tv_swa_replica(inp, qkv_w, pw, rpb, win, nh, shift, qkv_b, pb, use_mask=False)
        gap = (ref - unmasked).abs().max().item()
        assert gap > 1e-2, f"mask makes no difference at {H}x{W} window {win} shift {shift}: {gap}"
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


def check_mmdet_merge(conv_ref, model):
    """Unfold-order merge with weights converted by swin2mmseg.convert_swin == official PatchMerging with the
    official weights."""
    g = torch.Generator().manual_seed(5)
    for i in range(3):
        ds = model.layers[i].downsample
        h, w = ds.input_resolution
        c = ds.dim
        x = torch.randn(2, h * w, c, generator=g)
        ref = ds(x)
        conv = conv_ref.to_mmseg({f"layers.{i}.downsample.reduction.weight": ds.reduction.weight.detach(),
                                  f"layers.{i}.downsample.norm.weight": ds.norm.weight.detach(),
                                  f"layers.{i}.downsample.norm.bias": ds.norm.bias.detach()})
        p = f"stages.{i}.downsample."
        mine = mmdet_unfold_merge(x, (h, w), conv[p + "norm.weight"], conv[p + "norm.bias"],
                                  conv[p + "reduction.weight"])
        err = (ref - mine).abs().max().item()
        assert err < 1e-5, f"mmdet merge mismatch at stage {i}: {err}"


# window 7 at 224 px: Swin-T's geometry (stage maps 56/28/14/7, real shifts 3 in stages 0-2, no padding, stage 3
# one 7x7 window without shift) at reduced width, so that it runs in every `mvn test`
W7 = dict(TINY, img_size=224, embed_dim=16, window_size=7)
W7_META = dict(W7, layer_norm_eps=1e-5, qk_scale="head_dim^-0.5", act="exact GELU")
W7_TV_EMBED = 12
SEED_W7_OFFICIAL, SEED_W7_TV, SEED_W7_INPUT = 1071, 1073, 2071
W7_RANDOMIZE = ("as 'randomization' but matrices/conv kernels randn/sqrt(fan_in) (fan_in_scaled), so that "
                "activations stay O(1) through the 224-px model")


def make_window7(refs, proot, report):
    x = randn((1, 3, 224, 224), SEED_W7_INPUT)

    # official, embed 16
    m = official_tiny(refs, img_size=224, embed_dim=W7["embed_dim"], window_size=7)
    C.randomize_(m, SEED_W7_OFFICIAL, fan_in_scaled=True)
    m.eval()
    o = C.run_official(m, x)
    report["official_w7"] = C.tensor_stats(o)
    win = C.official_windows(m)
    assert [st["resolution"] for st in win] == [[56, 56], [28, 28], [14, 14], [7, 7]]
    assert [st["blocks"] for st in win] == [[[7, 7, 0, 0], [7, 7, 3, 3]]] * 3 + [[[7, 7, 0, 0], [7, 7, 0, 0]]]
    d = case_dir(proot, "official_w7")
    sd = m.state_dict()
    masks = [k for k in sd if k.endswith("attn_mask")]
    assert masks == ["layers.0.blocks.1.attn_mask", "layers.1.blocks.1.attn_mask", "layers.2.blocks.1.attn_mask"]
    bufs = sorted(buffers_of(m))
    assert all(k.endswith(("attn_mask", "relative_position_index")) for k in bufs) and len(bufs) == 3 + 8
    kept = {k: v for k, v in sd.items() if k not in bufs}
    torch.save({"model": kept}, os.path.join(d, "official_w7.pth"))
    chk = torch.load(os.path.join(d, "official_w7.pth"), map_location="cpu")
    m2 = official_tiny(refs, img_size=224, embed_dim=W7["embed_dim"], window_size=7)
    missing, unexpected = m2.load_state_dict(chk["model"], strict=False)
    assert not unexpected and sorted(missing) == bufs
    m2.eval()
    assert torch.equal(m2(x), o["logits"])
    s = C.save_set(d, x, o)
    C.write_meta(d, base_meta("official_w7", "official", refs.impl_official(), "official_w7.pth", "torch_zip",
                              "model", W7_META, win, [s], randomization_w7=W7_RANDOMIZE, notes=[
                                  "Swin-T geometry at reduced width: 224 px, patch 4, window 7, depths 2,2,2,2, "
                                  "heads 1,2,4,8 (head dim 16): stage maps 56/28/14/7, SW-MSA shift 3 in the odd "
                                  "blocks of stages 0-2 (64/16/4 windows, all windows full, no padding), stage 3 "
                                  "one 7x7 window without shift",
                                  "checkpoint {'model': state_dict} of the parameters only: the buffers "
                                  "(8 relative_position_index, 3 attn_mask: 1 MB) are left out to stay small; the "
                                  "loader recomputes both, and the tiny official case keeps them as releases do"]))

    # torchvision, embed 12 (its own weights; the input of official_w7)
    tv = refs.tv.SwinTransformer(patch_size=[4, 4], embed_dim=W7_TV_EMBED, depths=[2, 2, 2, 2],
                                 num_heads=[1, 2, 4, 8], window_size=[7, 7], num_classes=10,
                                 stochastic_depth_prob=0.0)
    C.randomize_(tv, SEED_W7_TV, fan_in_scaled=True)
    tv.eval()
    ot = C.run_torchvision(tv, x)
    report["torchvision_w7"] = C.tensor_stats(ot)
    tv_win = C.torchvision_windows(tv, 224, 224)
    assert [st["padded"] for st in tv_win] == [st["resolution"] for st in tv_win] == [[56, 56], [28, 28], [14, 14],
                                                                                       [7, 7]]
    assert [st["blocks"] for st in tv_win] == [st["blocks"] for st in win]
    d = case_dir(proot, "torchvision_w7")
    torch.save(tv.state_dict(), os.path.join(d, "torchvision_w7.pth"))
    keep = ("logits", "embedding", "stage0", "stage2", "stage3")  # stage1 left out to stay small
    st = C.save_set(d, x, {k: v for k, v in ot.items() if k in keep})
    os.remove(os.path.join(d, "input.npy"))
    st["input"] = dict(st["input"], file="../official_w7/input.npy")
    tv_cfg = {"patch_size": [4, 4], "embed_dim": W7_TV_EMBED, "depths": [2, 2, 2, 2], "num_heads": [1, 2, 4, 8],
              "window_size": [7, 7], "mlp_ratio": 4.0, "num_classes": 10, "dropout": 0.0, "attention_dropout": 0.0,
              "stochastic_depth_prob": 0.0, "layer_norm_eps": 1e-5, "in_chans": 3, "qkv_bias": True,
              "img_size": 224}
    C.write_meta(d, base_meta("torchvision_w7", "torchvision", refs.impl_torchvision(), "torchvision_w7.pth",
                              "torch_zip", None, tv_cfg, tv_win, [st], randomization_w7=W7_RANDOMIZE, notes=[
                                  "torchvision swin_t's architecture (torchvision.models.swin_transformer."
                                  "SwinTransformer, patch 4, window 7) at embed 12, depths 2,2,2,2, heads 1,2,4,8",
                                  "at 224 px nothing is padded and the effective windows/shifts equal the "
                                  "official ones (checked)",
                                  "input = ../official_w7/input.npy (referenced); stage1 not stored (size)"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    C.add_source_args(ap)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures"),
                    help="fixtures root (parity/ and geometry/ are (re)created under it)")
    ap.add_argument("--full-resized-state-dict", action="store_true",
                    help="store the whole window-8 state dict in official_window_resize/resized_w8.pth "
                         "(+1.3 MB) instead of only the resized tables")
    ap.add_argument("--hf-convert", default=os.environ.get("SWIN_HF_CONVERT"),
                    help="transformers' src/transformers/models/swin/convert_swin_timm_to_pytorch.py, saved "
                         "outside the repo (or env SWIN_HF_CONVERT)")
    ap.add_argument("--mmseg-convert", default=os.environ.get("SWIN_MMSEG_CONVERT"),
                    help="mmsegmentation's tools/model_converters/swin2mmseg.py, saved outside the repo "
                         "(or env SWIN_MMSEG_CONVERT)")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # fixed reduction order -> byte-identical reruns
    refs = C.Refs(args.official, args.timm)
    conv = PublicConverters(args.hf_convert, args.mmseg_convert)
    out_root = os.path.abspath(args.out)
    proot = os.path.join(out_root, "parity")
    # Only this script's own case folders are replaced (case_dir); make_family_fixtures.py writes the V2/MLP ones.
    os.makedirs(proot, exist_ok=True)
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
        hf = conv.to_hf(sd, TINY["depths"], TINY["embed_dim"], TINY["num_heads"])
        C.write_safetensors(os.path.join(d, "hf.safetensors"), hf, {"format": "pt"})
        back, md = C.read_safetensors(os.path.join(d, "hf.safetensors"))
        assert md == {"format": "pt"}
        assert set(back) == set(hf)
        # consistency: the script's output carries every official tensor (inverse mapping, check only)
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
                                  converted_from="../official/official.pth", conversion_script=conv.hf_source, notes=[
                                      "state dict = convert_state_dict(official state dict, stand-in model) of "
                                      "transformers' convert_swin_timm_to_pytorch.py (imported from the public file, "
                                      "see conversion_script; the stand-in model only gives all_head_size = the "
                                      "stage's dim), written as safetensors as save_pretrained does: swin. prefix, "
                                      "q/k/v split from qkv, downsample at stage end, swin.layernorm, classifier; "
                                      "attn_mask dropped by the script, relative_position_index kept (I64)",
                                      "relative_position_index / bias tables keep the official per-stage shapes: "
                                      "stage 3 window 2 -> table (9, nH), index (4, 4). HF v4 itself builds every "
                                      "stage's table with config.window_size (49 rows here) and only shrinks the "
                                      "window in forward, so transformers would refuse this file for this tiny "
                                      "config; real releases (224/w7, 384/w12) never hit this"]))

        # ---------------------------------------------------------------- 6. mmdet (mmseg's converter)
        check_mmdet_merge(conv, off)
        d = case_dir(proot, "mmdet")
        mm = conv.to_mmseg(chk["model"])  # swin2mmseg main(): checkpoint['model'] of the official file
        assert "norm.weight" in mm and not any(k.startswith("head") for k in mm)
        torch.save(mm, os.path.join(d, "mmdet.pth"))  # as swin2mmseg main(): torch.save(weight, dst)
        s6 = ref_set(s1, "../official/", only=("embedding", "stage0", "stage1", "stage2", "stage3"))
        C.write_meta(d, base_meta("mmdet", "mmdet", impl_off, "mmdet.pth", "torch_zip", None, TINY_META,
                                  win_off, [s6], reference_outputs_from="../official (input, embedding and "
                                                                        "stage0..3 referenced; official semantics; "
                                                                        "no logits: the converter drops the head)",
                                  converted_from="../official/official.pth", conversion_script=conv.mmseg_source,
                                  notes=[
                                      "mmdet.pth = exactly what swin2mmseg.py writes for ../official/official.pth: "
                                      "convert_swin(checkpoint['model']) (imported from the public file, see "
                                      "conversion_script) saved as a plain dict: stages.*, attn.w_msa, ffn.layers, "
                                      "patch_embed.projection, merge reduction.weight / norm.* permuted to "
                                      "nn.Unfold order (verified: unfold merge with converted weights == official "
                                      "merge), head dropped, final norm.* kept (-> the embedding is defined), "
                                      "attn_mask and relative_position_index kept as stages.*.attn_mask / "
                                      "attn.w_msa.relative_position_index",
                                      "mmdet/mmseg load this with a 'backbone.' prefix added (their training "
                                      "checkpoints: {'state_dict': {'backbone.stages...'}}); both spellings name "
                                      "the same tensors",
                                      "the expected outputs follow the official window rule; mmdet's own "
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

        make_window7(refs, proot, report)

    # determinism / sanity report
    for k, v in report.items():
        print(f"{k}: " + ", ".join(f"{n}={a:.3g}" for n, a in v.items()))
    print("wrote", out_root)


if __name__ == "__main__":
    main()
