#!/usr/bin/env python3
"""Generates the committed Swin V2 and Swin-MLP reference fixtures of swin4j (issue 17, "Proof").

Random-weight tiny models from the reference implementations (official microsoft/Swin-Transformer
swin_transformer_v2.py and swin_mlp.py, timm's swin_transformer_v2.py, torchvision 0.14's SwinTransformer built
like swin_v2_t), their checkpoints in each source layout, and their outputs (logits, pooled embedding, the four
stage outputs) on seeded inputs; gradients of one training step; the official flops() of every preset.

  fixtures/parity/v2_official/             official V2, {'model': state_dict} with buffers; 64x64 batch 2 and 64x128
  fixtures/parity/v2_official_pretrained/  v2_official's window-4 weights, official load_pretrained into window 8,
                                           img 128, pretrained_window_sizes (4, 4, 4, 2)
  fixtures/parity/v2_timm/                 timm V2 native layout (downsample at stage start, head.fc, no buffers)
  fixtures/parity/v2_torchvision/          torchvision V2 (features.N, full 3C qkv.bias); 64x64 and 72x100
  fixtures/parity/v2_hf/                   v2_official converted by transformers' convert_swinv2_timm_to_pytorch.py
  fixtures/parity/mlp_official/            official Swin-MLP; 64x64 batch 2 and 64x128
  fixtures/grad/v2/, fixtures/grad/mlp/    loss and every parameter gradient of one train() step (micro config)
  fixtures/flops/family_flops.json         official flops() of every configs/swinv2 and configs/swinmlp preset

See tools/reference/README.md for the command. Deterministic: reruns give byte-identical files.
"""
import argparse
import copy
import logging
import math
import os
import shutil
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # keep tools/reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swin_ref_common as C  # noqa: E402
import make_parity_fixtures as P  # noqa: E402  (helpers only: base_meta, ref_set, case_dir, load_script, hf_to_official)

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# V1's TINY geometry (img 64, patch 4, window 4, depths 2,2,2,2, heads 1,2,4,8, 10 classes) at embed 6 instead of
# 12: a V2 state dict at embed 12 is 1.44 MB and four V2 layouts + MLP would pass the 4 MB budget of this set;
# the windows, shifts, window shrink and merges are the same (head dim 6 in every stage).
TINY_EMBED = 6
FAMILY_TINY = dict(img_size=64, patch_size=4, in_chans=3, embed_dim=TINY_EMBED, depths=[2, 2, 2, 2],
                   num_heads=[1, 2, 4, 8], window_size=4, mlp_ratio=4.0, ape=False, patch_norm=True,
                   num_classes=10, drop_rate=0.0, drop_path_rate=0.0)
V2_TINY = dict(FAMILY_TINY, qkv_bias=True, attn_drop_rate=0.0, pretrained_window_sizes=[0, 0, 0, 0])
MLP_TINY = dict(FAMILY_TINY)
V2_META_EXTRA = dict(layer_norm_eps=1e-5, act="exact GELU",
                     attention="cosine: normalize(q) normalize(k)^T * exp(min(logit_scale, log 100)); qkv without "
                               "bias, bias = cat(q_bias, 0, v_bias); + 16*sigmoid(cpb_mlp(relative_coords_table))",
                     norm_placement="res-post-norm: x + norm1(attn(x)), x + norm2(mlp(x))",
                     merge="reduction 4C->2C, then norm(2C)")
MLP_META_EXTRA = dict(layer_norm_eps=1e-5, act="exact GELU",
                      token_mixer="spatial_mlp: Conv1d(heads*M^2, heads*M^2, 1, groups=heads) over the M^2 tokens "
                                  "of each window, per head (C/heads channels); shifted blocks zero-pad "
                                  "(M-s, s) on each axis, no roll, no mask, crop after",
                      norm_placement="pre-norm", merge="norm(4C), then reduction 4C->2C")
PRETRAINED_W = 8
PRETRAINED_IMG = 128
PRETRAINED_SIZES = [4, 4, 4, 2]
# micro config of fixtures/grad (V1), for the gradient fixtures
GRAD_MICRO = dict(img_size=32, patch_size=4, in_chans=3, embed_dim=12, depths=[2, 2], num_heads=[1, 2],
                  window_size=4, mlp_ratio=4.0, ape=False, patch_norm=True, num_classes=10, drop_rate=0.0,
                  drop_path_rate=0.0)

SEED_V2_OFF, SEED_V2_TIMM, SEED_V2_TV, SEED_MLP = 1101, 1102, 1103, 1106
SEED_INPUT = 2124
SEED_GRAD_V2, SEED_GRAD_MLP = 1111, 1116

HF_V2_CONVERT_SRC = {"repo": "huggingface/transformers",
                     "path": "src/transformers/models/swinv2/convert_swinv2_timm_to_pytorch.py",
                     "commit": "0d7e95d96b4e187c651e2b2406ed98ed40d74963"}


def randn(shape, seed):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float32)


def family_meta(case, family, layout, impl, weights, wrapper, config, windows, sets, pretrained, notes,
                weights_format="torch_zip", **extra):
    m = P.base_meta(case, layout, impl, weights, weights_format, wrapper, config, windows, sets, notes, **extra)
    out = {}
    for k, v in m.items():  # family and pretrained_window_sizes right after schema/case, the rest as V1
        out[k] = v
        if k == "case":
            out["family"] = family
            out["pretrained_window_sizes"] = pretrained
    out["randomization"] = C.FAMILY_RANDOMIZE_RULE
    return out


class NoClamp:
    """Stands in for the torch module inside a reference file so that torch.clamp does nothing (check only)."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def clamp(t, *a, **k):
        return t


def rel_diff(a, b):
    return float((a - b).abs().max() / b.abs().max())


def save_set_shared_input(d, x, outs, suffix=""):
    """C.save_set for a case run on v2_official's input{suffix}.npy: the set refers to that file, no copy is kept."""
    entry = C.save_set(d, x, outs, suffix=suffix)
    os.remove(os.path.join(d, f"input{suffix}.npy"))
    entry["input"] = dict(entry["input"], file=f"../v2_official/input{suffix}.npy")
    return entry


def non_square_set(d, case, model, state, x, run, windows, report):
    """The 64x128 set of a case: model (built at img_size (64, 128)) loads the case's state dict strictly and runs on
    v2_official's input_64x128.npy; the set carries its img_size and block windows."""
    model.load_state_dict(state, strict=True)
    model.eval()
    outs = run(model, x)
    report[case + "_64x128"] = C.tensor_stats(outs)
    entry = save_set_shared_input(d, x, outs, suffix="_64x128")
    entry["img_size"] = [64, 128]
    entry["block_windows"] = windows(model)
    return entry


def official_v2(refs, **over):
    v2, _ = C.load_official_family(refs)
    cfg = dict(V2_TINY)
    cfg.update(over)
    return v2.SwinTransformerV2(**cfg)


def official_mlp(refs, **over):
    _, mlp = C.load_official_family(refs)
    cfg = dict(MLP_TINY)
    cfg.update(over)
    return mlp.SwinMLP(**cfg)


def v2_pretrained_windows(model):
    """Per stage and block: the window the cpb coordinates are divided by (pretrained window, or the window)."""
    out = []
    for layer in model.layers:
        row = []
        for b in layer.blocks:
            pw = list(b.attn.pretrained_window_size)
            row.append(pw if pw[0] > 0 else list(b.attn.window_size))
        out.append(row)
    return out


def clamp_check(module, model, x, clamped):
    """The clamp at log(100) acts: the same model with torch.clamp disabled in the reference file differs."""
    assert clamped, "no logit_scale above the clamp"
    with torch.no_grad():
        ref = model(x)
        module.torch = NoClamp()
        try:
            free = model(x)
        finally:
            module.torch = torch
    d = rel_diff(free, ref)
    assert d > 1e-3, f"the logit_scale clamp makes no difference ({d})"
    return d


# ==========================================================================================================
# HF conversion (public script, imported from a file outside the repository)
# ==========================================================================================================

class HfV2Converter:
    def __init__(self, path):
        if not path or not os.path.isfile(path):
            raise SystemExit("--hf-v2-convert / SWIN_HF_V2_CONVERT must point at transformers' "
                             "convert_swinv2_timm_to_pytorch.py (see tools/reference/README.md)")
        self.mod = P.load_script("swin4j_ref_hf_v2_convert", path, ["httpx", "timm", "huggingface_hub", "transformers"])
        self.source = dict(HF_V2_CONVERT_SRC, sha256=C.sha256_file(path), functions=["rename_key", "convert_state_dict"])

    def convert(self, sd, depths, embed_dim, num_heads):
        """convert_state_dict(state_dict, model): it reads only
        model.swinv2.encoder.layers[i].blocks[j].attention.self.all_head_size (the stage's dim)."""
        NS = types.SimpleNamespace
        layers = [NS(blocks=[NS(attention=NS(self=NS(all_head_size=embed_dim * 2 ** i,
                                                     num_attention_heads=num_heads[i])))
                             for _ in range(d)]) for i, d in enumerate(depths)]
        out = self.mod.convert_state_dict(dict(sd), NS(swinv2=NS(encoder=NS(layers=layers))))
        return {k: v.contiguous() for k, v in out.items()}


# ==========================================================================================================
# parity cases
# ==========================================================================================================

def make_parity(refs, hfconv, proot, report):
    v2mod, mlpmod = C.load_official_family(refs)
    impl_v2 = C.impl_official_v2(refs)
    v2_cfg = dict(V2_TINY, **V2_META_EXTRA)

    # ------------------------------------------------------------------ 1. v2_official
    off = official_v2(refs)
    clamped = C.randomize_family_(off, SEED_V2_OFF)
    off.eval()
    x1 = randn((2, 3, 64, 64), SEED_INPUT)
    o1 = C.run_official(off, x1)
    report["v2_official"] = C.tensor_stats(o1)
    clamp_gap = clamp_check(v2mod, off, x1, clamped)
    d = P.case_dir(proot, "v2_official")
    sd = off.state_dict()
    bufs = sorted(P.buffers_of(off))
    assert all(k.endswith(("attn_mask", "relative_position_index", "relative_coords_table")) for k in bufs)
    torch.save({"model": sd}, os.path.join(d, "v2_official.pth"))
    chk = torch.load(os.path.join(d, "v2_official.pth"), map_location="cpu")
    off2 = official_v2(refs)
    off2.load_state_dict(chk["model"], strict=True)
    off2.eval()
    with torch.no_grad():
        assert torch.equal(off2(x1), o1["logits"])
    s1 = C.save_set(d, x1, o1)
    win_off = C.official_windows(off)
    assert [st["blocks"] for st in win_off] == [[[4, 4, 0, 0], [4, 4, 2, 2]]] * 2 + [[[4, 4, 0, 0]] * 2, [[2, 2, 0, 0]] * 2]

    # non-square: the official model built at img (64, 128); same parameters, attn_mask recomputed
    ns = official_v2(refs, img_size=(64, 128))
    sd_ns = {k: v for k, v in sd.items() if not k.endswith("attn_mask")}
    missing, unexpected = ns.load_state_dict(sd_ns, strict=False)
    assert not unexpected and all(k.endswith("attn_mask") for k in missing), (missing, unexpected)
    for k, v in ns.state_dict().items():
        if k.endswith(("relative_coords_table", "relative_position_index")):
            assert torch.equal(v, sd[k]), k  # the windows (so the tables) are the same as at 64x64
    ns.eval()
    x1b = randn((1, 3, 64, 128), SEED_INPUT + 1)
    o1b = C.run_official(ns, x1b)
    report["v2_official_64x128"] = C.tensor_stats(o1b)
    s1b = C.save_set(d, x1b, o1b, suffix="_64x128")
    s1b["img_size"] = [64, 128]
    s1b["block_windows"] = C.official_windows(ns)
    n_clamped = len(clamped)
    C.write_meta(d, family_meta(
        "v2_official", "v2", "official", impl_v2, "v2_official.pth", "model", v2_cfg, win_off, [s1, s1b],
        V2_TINY["pretrained_window_sizes"], [
            "checkpoint {'model': state_dict} with the buffers relative_coords_table, relative_position_index and "
            "attn_mask, as the official V2 releases",
            "official rule (as V1): window shrinks to min(resolution) and shift becomes 0 where min(resolution) <= "
            "window: stage 2 (4x4) window 4 no shift, stage 3 (2x2) window 2 (relative_coords_table (1,3,3,2), "
            "coordinates divided by window-1 = 1 since pretrained_window_sizes is 0)",
            f"logit_scale: {n_clamped} of the {sum(V2_TINY['depths'])} attention modules have a head above the clamp "
            f"log(100) (the last head in stages 1-3); with torch.clamp disabled the logits move by rel "
            f"{clamp_gap:.3g} (checked)",
            "set 2 (_64x128): the official model built with img_size (64, 128) (PatchEmbed asserts the size), the "
            "same parameters (the windows and so relative_coords_table / relative_position_index are the same); "
            "attn_mask recomputed for 16x32, 8x16 (the file's masks are for 64x64); stage maps 16x32, 8x16, 4x8 "
            "(window 4, no shift), 2x4 (window 2, no shift); batch 1; its block_windows are in the set"],
        set_fields_doc="a set may carry img_size (the size the official model is built with) and block_windows "
                       "when they differ from the case's"))

    # ------------------------------------------------------------------ 2. v2_official_pretrained
    d = P.case_dir(proot, "v2_official_pretrained")
    big = official_v2(refs, img_size=PRETRAINED_IMG, window_size=PRETRAINED_W, pretrained_window_sizes=PRETRAINED_SIZES)
    logger = logging.getLogger("official.load_pretrained.v2")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    msgs = []
    logger.warning = lambda m, *a, **k: msgs.append(m)
    cfg = types.SimpleNamespace(MODEL=types.SimpleNamespace(PRETRAINED=os.path.join(proot, "v2_official",
                                                                                    "v2_official.pth")))
    refs.official_utils.load_pretrained(cfg, big, logger)
    res = [m for m in msgs if hasattr(m, "missing_keys")][0]
    assert not res.unexpected_keys, res
    assert all(k.endswith(("relative_position_index", "relative_coords_table", "attn_mask")) for k in res.missing_keys)
    big.eval()
    bsd = big.state_dict()
    for k, v in sd.items():  # no table to resize in V2: every parameter is copied unchanged
        if not k.endswith(("relative_position_index", "relative_coords_table", "attn_mask")):
            assert torch.equal(bsd[k], v), k
    win_big = C.official_windows(big)
    assert [st["blocks"] for st in win_big] == [[[8, 8, 0, 0], [8, 8, 4, 4]]] * 2 + [[[8, 8, 0, 0]] * 2,
                                                                                    [[4, 4, 0, 0]] * 2]
    x2 = randn((1, 3, PRETRAINED_IMG, PRETRAINED_IMG), SEED_INPUT + 2)
    o2 = C.run_official(big, x2)
    report["v2_official_pretrained"] = C.tensor_stats(o2)
    # the pretrained window matters: the same weights without pretrained_window_sizes give other outputs
    plain = official_v2(refs, img_size=PRETRAINED_IMG, window_size=PRETRAINED_W)
    plain.load_state_dict({k: v for k, v in bsd.items() if not k.endswith(("relative_coords_table", "attn_mask"))},
                          strict=False)
    plain.eval()
    with torch.no_grad():
        pgap = rel_diff(plain(x2), o2["logits"])
    assert pgap > 1e-3, pgap
    s2 = C.save_set(d, x2, o2)
    big_cfg = dict(v2_cfg, img_size=PRETRAINED_IMG, window_size=PRETRAINED_W, pretrained_window_sizes=PRETRAINED_SIZES)
    C.write_meta(d, family_meta(
        "v2_official_pretrained", "v2", "official", impl_v2, "../v2_official/v2_official.pth", "model", big_cfg,
        win_big, [s2], PRETRAINED_SIZES, [
            "weights = ../v2_official/v2_official.pth (the window-4, img-64 V2 state dict, pretrained_window_sizes "
            "0, effective windows 4,4,4,2) loaded by the official utils.load_pretrained (called) into the official "
            "V2 built with source_config's successor 'config': img 128, window 8, pretrained_window_sizes "
            "(4, 4, 4, 2): it drops relative_position_index, relative_coords_table and attn_mask and loads with "
            "strict=False; V2 has no relative_position_bias_table, so nothing is resized: every parameter equals "
            "the source's (checked)",
            "stage maps 32, 16 (window 8, shift 4), 8 (window 8, no shift), 4 (window 4 = min(res), no shift); "
            "relative_coords_table of every stage is rebuilt for its window and divided by the pretrained window "
            "- 1 (3, 3, 3, 1), i.e. the cpb MLP is evaluated outside the coordinates it was trained on",
            f"the same weights with pretrained_window_sizes 0 give logits that differ by rel {pgap:.3g} (checked)",
            "batch 1 (size)"],
        source_weights="../v2_official/v2_official.pth", source_config=dict(v2_cfg),
        load_function="official utils.load_pretrained(config, model, logger)",
        pretrained_window_per_block=v2_pretrained_windows(big)))

    # ------------------------------------------------------------------ 3. v2_timm
    tv2 = refs.timm_v2
    tm = tv2.SwinTransformerV2(img_size=64, patch_size=4, in_chans=3, num_classes=10, embed_dim=TINY_EMBED,
                               depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8), window_size=4, mlp_ratio=4.0,
                               qkv_bias=True, drop_rate=0.0, proj_drop_rate=0.0, attn_drop_rate=0.0,
                               drop_path_rate=0.0, pretrained_window_sizes=(0, 0, 0, 0))
    tclamped = C.randomize_family_(tm, SEED_V2_TIMM)
    tm.eval()
    o3 = C.run_timm(tm, x1)
    report["v2_timm"] = C.tensor_stats(o3)
    d = P.case_dir(proot, "v2_timm")
    tsd = tm.state_dict()
    assert not any(k.endswith(("relative_position_index", "relative_coords_table", "attn_mask", "k_bias")) for k in tsd)
    assert "head.fc.weight" in tsd and "layers.1.downsample.reduction.weight" in tsd
    assert "layers.0.downsample.reduction.weight" not in tsd
    torch.save(tsd, os.path.join(d, "v2_timm.pth"))
    tm2 = tv2.SwinTransformerV2(img_size=64, patch_size=4, num_classes=10, embed_dim=TINY_EMBED, depths=(2, 2, 2, 2),
                                num_heads=(1, 2, 4, 8), window_size=4, drop_path_rate=0.0)
    tm2.load_state_dict(torch.load(os.path.join(d, "v2_timm.pth")), strict=True)
    tm2.eval()
    with torch.no_grad():
        assert torch.equal(tm2(x1), o3["logits"])
    # timm's own filter on the official weights reproduces the official model (same window rule at 64x64)
    tchk = tv2.SwinTransformerV2(img_size=64, patch_size=4, num_classes=10, embed_dim=TINY_EMBED,
                                 depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8), window_size=4, drop_path_rate=0.0)
    tchk.load_state_dict(tv2.checkpoint_filter_fn({"model": dict(sd)}, tchk), strict=True)
    tchk.eval()
    ot = C.run_timm(tchk, x1)
    for k in o1:
        err = rel_diff(ot[k], o1[k])
        assert err < 1e-5, f"timm(official V2 weights) vs official {k}: {err}"
    # timm's filter, key by key: official key -> timm key (null = dropped)
    timm_key_map = {}
    for k, v in sd.items():
        one = tv2.checkpoint_filter_fn({"model": {k: v}}, tchk)
        assert len(one) <= 1
        timm_key_map[k] = next(iter(one), None)
    # the three implementations build the same coordinate table for a window
    for blk_o, blk_t in zip([b for l in off.layers for b in l.blocks], [b for l in tchk.layers for b in l.blocks]):
        assert torch.equal(blk_o.attn.relative_coords_table, blk_t.attn.relative_coords_table)
    s3 = save_set_shared_input(d, x1, o3)
    # non-square: timm's per-axis window rule (built at img_size (64, 128), the same file loads strictly)
    tns = tv2.SwinTransformerV2(img_size=(64, 128), patch_size=4, num_classes=10, embed_dim=TINY_EMBED,
                                depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8), window_size=4, drop_path_rate=0.0)
    s3b = non_square_set(d, "v2_timm", tns, tsd, x1b, C.run_timm, C.timm_windows, report)
    assert s3b["block_windows"][2]["blocks"][1] == [4, 4, 0, 2] and s3b["block_windows"][3]["blocks"][0] == [2, 4, 0, 0]
    # ... which is not the official rule: the official weights through timm at 64x128 give other outputs
    tns_off = tv2.SwinTransformerV2(img_size=(64, 128), patch_size=4, num_classes=10, embed_dim=TINY_EMBED,
                                    depths=(2, 2, 2, 2), num_heads=(1, 2, 4, 8), window_size=4, drop_path_rate=0.0)
    tns_off.load_state_dict(tv2.checkpoint_filter_fn({"model": dict(sd)}, tns_off), strict=True)
    tns_off.eval()
    timm_vs_off_ns = rel_diff(tns_off(x1b), o1b["logits"])
    assert timm_vs_off_ns > 1e-2, timm_vs_off_ns
    C.write_meta(d, family_meta(
        "v2_timm", "v2", "timm", {"name": "timm", "class": "timm.models.swin_transformer_v2.SwinTransformerV2",
                                  "commit": C.TIMM_COMMIT, "version": refs.timm_version,
                                  "file_sha256": C.sha256_file(tv2.__file__), "torch": torch.__version__},
        "v2_timm.pth", None, dict(v2_cfg, img_size=64), C.timm_windows(tm), [s3, s3b], [0, 0, 0, 0], [
            "timm native V2 names, plain state dict (torch.save(model.state_dict())): merge at the next stage's "
            "start (layers.{i}.downsample.{reduction,norm} for i >= 1, none in layers.0), head.fc.*, "
            "attn.{qkv.weight, q_bias, v_bias, logit_scale, cpb_mlp.0.weight, cpb_mlp.0.bias, cpb_mlp.2.weight, "
            "proj.*}, norm1/norm2 (applied after attn / mlp), mlp.fc1/fc2",
            "no buffers in the file: timm registers relative_coords_table, relative_position_index, k_bias (zeros) "
            "and attn_mask with persistent=False",
            "stage i = output of timm layers[i] (its merge comes first) = the official stage i output",
            "timm's window rule is per axis (window = res where res <= window, shift 0 there); at 64x64 it equals "
            "the official one (checked: the official weights through timm.checkpoint_filter_fn reproduce the "
            "official outputs within rel 1e-5, and the relative_coords_table buffers are equal)",
            f"logit_scale above the clamp in {len(tclamped)} attention modules (last head, stages 1-3)",
            "set 2 (_64x128, batch 1, input ../v2_official/input_64x128.npy): timm built with img_size (64, 128) "
            "(strict_img_size), same file; timm's per-axis rule differs from the official one here: stage 2 "
            "(4x8) window 4x4 with shift (0, 2) in the odd block (official: no shift), stage 3 (2x4) window 2x4 "
            "(official: 2x2); the official weights through timm at 64x128 differ from v2_official's 64x128 "
            f"logits by rel {timm_vs_off_ns:.3g} (checked). Its block_windows are in the set",
            "input of set 1 = ../v2_official/input.npy (referenced)"],
        set_fields_doc="a set may carry img_size (the size timm is built with) and block_windows",
        official_key_map_doc="timm.models.swin_transformer_v2.checkpoint_filter_fn applied to each key of "
                             "../v2_official/v2_official.pth: official key -> timm key (null = dropped buffer)",
        official_key_map=timm_key_map))

    # ------------------------------------------------------------------ 4. v2_torchvision
    tvm = refs.tv
    tv = tvm.SwinTransformer(patch_size=[4, 4], embed_dim=TINY_EMBED, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8],
                             window_size=[4, 4], num_classes=10, stochastic_depth_prob=0.0,
                             block=tvm.SwinTransformerBlockV2, downsample_layer=tvm.PatchMergingV2)
    vclamped = C.randomize_family_(tv, SEED_V2_TV)
    tv.eval()
    o4 = C.run_torchvision(tv, x1)
    report["v2_torchvision"] = C.tensor_stats(o4)
    d = P.case_dir(proot, "v2_torchvision")
    tvsd = tv.state_dict()
    kthird = [k for k in tvsd if k.endswith("attn.qkv.bias")]
    assert kthird and all(float(tvsd[k][tvsd[k].numel() // 3: 2 * tvsd[k].numel() // 3].abs().max()) > 0.01
                          for k in kthird)
    torch.save(tvsd, os.path.join(d, "v2_torchvision.pth"))
    # the key third of qkv.bias is zeroed at run time: zeroing it in the weights changes nothing
    tvz = copy.deepcopy(tv)
    with torch.no_grad():
        for name, p in tvz.named_parameters():
            if name.endswith("attn.qkv.bias"):
                n = p.numel() // 3
                p[n:2 * n] = 0
        assert torch.equal(tvz(x1), o4["logits"])
    s4 = save_set_shared_input(d, x1, o4)
    x4b = randn((2, 3, 72, 100), SEED_INPUT + 4)
    o4b = C.run_torchvision(tv, x4b)
    report["v2_torchvision_72x100"] = C.tensor_stats(o4b)
    s4b = C.save_set(d, x4b, o4b, suffix="_72x100")
    s4b["block_windows"] = C.torchvision_windows(tv, 72, 100)
    tv_cfg = {"patch_size": [4, 4], "embed_dim": TINY_EMBED, "depths": [2, 2, 2, 2], "num_heads": [1, 2, 4, 8],
              "window_size": [4, 4], "mlp_ratio": 4.0, "num_classes": 10, "dropout": 0.0, "attention_dropout": 0.0,
              "stochastic_depth_prob": 0.0, "layer_norm_eps": 1e-5, "in_chans": 3, "qkv_bias": True,
              "block": "SwinTransformerBlockV2", "downsample_layer": "PatchMergingV2", "img_size": 64}
    C.write_meta(d, family_meta(
        "v2_torchvision", "v2", "torchvision", dict(refs.impl_torchvision(), builder="SwinTransformer(..., "
                                                    "block=SwinTransformerBlockV2, downsample_layer=PatchMergingV2) "
                                                    "as swin_v2_t builds it"),
        "v2_torchvision.pth", None, tv_cfg, C.torchvision_windows(tv, 64, 64), [s4, s4b], [0, 0, 0, 0], [
            "plain torchvision state dict: features.0.{0 (conv), 2 (norm)}, features.{1,3,5,7}.{j}.{norm1, attn, "
            "norm2, mlp.0, mlp.3}, features.{2,4,6}.{reduction, norm} (PatchMergingV2: norm after the reduction), "
            "norm, head; attn.{qkv.weight, qkv.bias (full 3C), proj, logit_scale, cpb_mlp.0, cpb_mlp.2}; buffers "
            "attn.relative_coords_table (1, 2w-1, 2w-1, 2) and attn.relative_position_index (flat w^4, int64) are "
            "in the file (persistent)",
            "qkv.bias holds random values in its key third (as a trained file may); shifted_window_attention "
            "clones it and zeroes that third before use (checked: zeroing it in the weights changes nothing)",
            "torchvision V2 has no pretrained_window_size: coordinates are always divided by window-1 (log2(.)/3.0 "
            "written as a literal instead of /log2(8))",
            "torchvision rule (as V1): no window shrink; pad bottom/right to window multiples (zero tokens, "
            "unmasked: with cosine attention a padding token has k = 0 -> normalize gives 0 -> its logit is "
            "0*scale + bias, and v = v-part of the bias); shift 0 on an axis where window >= padded size; merges "
            "pad odd sizes by one. At 64x64 stage 3 is 2x2 padded to 4x4 with window 4 (7x7 coordinate table, "
            "divided by 3) where the official model uses window 2 (3x3 table divided by 1)",
            "set 2 (_72x100, batch 2): 18x25 (pad 20x28, shift 2,2), 9x13 (pad 12x16, shift 2,2), 5x7 (pad 8x8, "
            "shift 2,2), 3x4 (pad 4x4, shift 0,0); its block_windows are in the set",
            f"logit_scale above the clamp in {len(vclamped)} attention modules (last head, stages 1-3)",
            "input of set 1 = ../v2_official/input.npy (referenced)"],
        set_fields_doc="a set may carry block_windows when they differ from the case's"))

    # ------------------------------------------------------------------ 5. v2_hf
    d = P.case_dir(proot, "v2_hf")
    hf = hfconv.convert(sd, V2_TINY["depths"], V2_TINY["embed_dim"], V2_TINY["num_heads"])
    C.write_safetensors(os.path.join(d, "model.safetensors"), hf, {"format": "pt"})
    back, md = C.read_safetensors(os.path.join(d, "model.safetensors"))
    assert md == {"format": "pt"} and set(back) == set(hf)
    assert not any("key.bias" in k for k in back) and not any("attn_mask" in k for k in back)
    rt = P.hf_to_official(back, prefix="swinv2.", v2=True)
    want = {k: v for k, v in sd.items() if not k.endswith("attn_mask")}
    assert set(rt) == set(want), set(rt) ^ set(want)
    for k in want:
        assert rt[k].dtype == want[k].dtype and torch.equal(rt[k], want[k]), k
    off_hf = official_v2(refs)
    missing, unexpected = off_hf.load_state_dict(rt, strict=False)
    assert not unexpected and all(k.endswith("attn_mask") for k in missing)
    off_hf.eval()
    with torch.no_grad():
        assert torch.equal(off_hf(x1), o1["logits"])
    buf_keys = sorted(k for k in hf if k.endswith(("relative_coords_table", "relative_position_index")))
    # the script's mapping, key by key (convert_state_dict on one-key dicts): official key -> HF keys ([] = dropped)
    hf_key_map = {}
    for k, v in sd.items():
        one = hfconv.convert({k: v}, V2_TINY["depths"], V2_TINY["embed_dim"], V2_TINY["num_heads"])
        hf_key_map[k] = list(one)
        for hk, hv in one.items():
            assert torch.equal(hv, hf[hk]), hk
    assert sorted(x for ks in hf_key_map.values() for x in ks) == sorted(hf)
    s5 = P.ref_set(s1, "../v2_official/")
    s5b = dict(P.ref_set(s1b, "../v2_official/"), img_size=[64, 128], block_windows=s1b["block_windows"])
    C.write_meta(d, family_meta(
        "v2_hf", "v2", "hf_v4", impl_v2, "model.safetensors", None, v2_cfg, win_off, [s5, s5b], [0, 0, 0, 0], [
            "model.safetensors = convert_state_dict(v2_official state dict incl. buffers, stand-in model) of "
            "transformers' convert_swinv2_timm_to_pytorch.py (imported from the public file, see "
            "conversion_script; the stand-in only gives all_head_size = the stage's dim), written as safetensors "
            "(the hub's format). transformers is not installable here: what can be tested is the key mapping and "
            "the tensors (the file's inverse mapping reproduces every official tensor and the official logits "
            "bit for bit, checked); the expected outputs are v2_official's",
            "names: swinv2. prefix; embeddings.patch_embeddings.projection, embeddings.norm; encoder.layers.{i}."
            "blocks.{j}.attention.self.{query,key,value}.weight (qkv.weight split in three), query.bias (= q_bias), "
            "value.bias (= v_bias), NO key.bias (HF's key Linear has bias=False, the official key bias is the "
            "constant 0), logit_scale, continuous_position_bias_mlp.{0,2} (= cpb_mlp); attention.output.dense "
            "(= attn.proj); layernorm_before / layernorm_after (= norm1 / norm2, which V2 applies AFTER attention "
            "/ MLP despite the names); intermediate.dense / output.dense (= mlp.fc1 / fc2); encoder.layers.{i}."
            "downsample.{reduction, norm} at the stage end (as official); swinv2.layernorm; classifier",
            f"buffers: the script drops attn_mask ('mask' in key) and keeps, renamed, {len(buf_keys)} "
            "attention.self.relative_coords_table (F32) and relative_position_index (I64) tensors; transformers' "
            "current Swinv2SelfAttention registers both with persistent=False (a file saved by a current "
            "save_pretrained would not hold them; older hub files may) -- a loader should accept either",
            "HF builds each stage's window as min(resolution, window) like the official model, so stage 3's "
            "(1,3,3,2) table fits; the cpb MLP shapes do not depend on the window",
            "set 2 refers to v2_official's 64x128 set",
            "quirk seen in transformers' modeling_swinv2.py (commit 004edfe2dc0fdbc94068d7977605aa6798de787e): "
            "Swinv2SelfAttention adds the shifted-window mask twice (masked logits -200 instead of -100); after "
            "softmax the difference is below fp32 resolution, so the official outputs stand for HF's"],
        reference_outputs_from="../v2_official (inputs and outputs referenced, not copied)",
        converted_from="../v2_official/v2_official.pth", conversion_script=hfconv.source,
        key_map_doc="every key of ../v2_official/v2_official.pth -> the keys the script writes for it, in order "
                    "([] = dropped; qkv.weight -> query/key/value.weight = rows [0,C), [C,2C), [2C,3C))",
        key_map=hf_key_map))

    # ------------------------------------------------------------------ 6. mlp_official
    impl_mlp = C.impl_official_mlp(refs)
    mlp_cfg = dict(MLP_TINY, **MLP_META_EXTRA)
    m = official_mlp(refs)
    C.randomize_family_(m, SEED_MLP)
    m.eval()
    o6 = C.run_official(m, x1)
    report["mlp_official"] = C.tensor_stats(o6)
    d = P.case_dir(proot, "mlp_official")
    msd = m.state_dict()
    assert not P.buffers_of(m)
    torch.save({"model": msd}, os.path.join(d, "mlp_official.pth"))
    m2 = official_mlp(refs)
    m2.load_state_dict(torch.load(os.path.join(d, "mlp_official.pth"))["model"], strict=True)
    m2.eval()
    with torch.no_grad():
        assert torch.equal(m2(x1), o6["logits"])
    win_mlp = C.official_windows(m)
    assert win_mlp == win_off
    s6 = save_set_shared_input(d, x1, o6)
    mns = official_mlp(refs, img_size=(64, 128))
    s6b = non_square_set(d, "mlp_official", mns, msd, x1b, C.run_official, C.official_windows, report)
    spatial = sorted(k for k in msd if k.endswith("spatial_mlp.weight"))
    C.write_meta(d, family_meta(
        "mlp_official", "mlp", "official", impl_mlp, "mlp_official.pth", "model", mlp_cfg, win_mlp, [s6, s6b],
        None, [
            "checkpoint {'model': state_dict} as the official releases; Swin-MLP has no buffers",
            "layers.{i}.blocks.{j}.{norm1, spatial_mlp.weight [heads*M^2, M^2, 1], spatial_mlp.bias [heads*M^2], "
            "norm2, mlp.fc1, mlp.fc2}; layers.{i}.downsample.{norm (4C, BEFORE the reduction as V1), reduction}; "
            f"M = the block's effective window: 4 in stages 0-2, 2 in stage 3 ({len(spatial)} spatial_mlp tensors)",
            "official rule: window = min(res) and shift 0 where min(res) <= window (as V1); shifted blocks "
            "(stages 0, 1: shift 2) zero-pad (M-s, s) = (2, 2) on top/bottom and left/right, partition the "
            "(H+M)x(W+M) map, crop [M-s : -s] after; no roll, no mask",
            "set 2 (_64x128): built with img_size (64, 128), same state dict (strict); input = "
            "../v2_official/input_64x128.npy; batch 1",
            "input of set 1 = ../v2_official/input.npy (referenced)"],
        set_fields_doc="a set may carry img_size (the size the official model is built with) and block_windows"))


# ==========================================================================================================
# gradients
# ==========================================================================================================

def make_grads(refs, groot, report):
    v2mod, mlpmod = C.load_official_family(refs)
    for fam, seed in (("v2", SEED_GRAD_V2), ("mlp", SEED_GRAD_MLP)):
        cfg = dict(GRAD_MICRO)
        if fam == "v2":
            cfg.update(qkv_bias=True, attn_drop_rate=0.0, pretrained_window_sizes=[0, 0])
            model = v2mod.SwinTransformerV2(**cfg)
        else:
            model = mlpmod.SwinMLP(**cfg)
        clamped = C.randomize_family_(model, seed)
        model.train()
        g = torch.Generator().manual_seed(seed + 7)
        x = torch.randn(4, 3, 32, 32, generator=g)
        targets = torch.randint(0, 10, (4,), generator=g)
        loss = F.cross_entropy(model(x), targets, label_smoothing=0.1)
        loss.backward()
        params = dict(model.named_parameters())
        assert all(p.grad is not None for p in params.values())
        zero = sorted(k for k, p in params.items() if float(p.grad.abs().max()) == 0.0)
        if fam == "v2":
            # the clamped heads' logit_scale gets no gradient (clamp), every other head does
            for k in clamped:
                gr = params[k].grad.view(-1)
                assert float(gr[-1]) == 0.0 and float(gr[:-1].abs().min()) > 0, (k, gr)
            assert not zero, zero
        else:
            assert not zero, zero
        d = os.path.join(groot, fam)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        C.write_safetensors(os.path.join(d, "weights.safetensors"), {k: v.detach() for k, v in params.items()})
        C.write_safetensors(os.path.join(d, "grads.safetensors"), {k: v.grad for k, v in params.items()})
        C.save_npy(os.path.join(d, "input.npy"), x)
        report[f"grad_{fam}"] = {"loss": float(loss), "max_grad": max(float(p.grad.abs().max()) for p in params.values())}
        meta = {"loss": float(loss), "targets": targets.tolist(), "label_smoothing": 0.1,
                "loss_function": "torch.nn.functional.cross_entropy(model(input), targets, label_smoothing=0.1), "
                                 "mean over the batch",
                "family": fam,
                "config": dict({k: cfg[k] for k in ("img_size", "patch_size", "embed_dim", "depths", "num_heads",
                                                    "window_size", "num_classes", "mlp_ratio")},
                               **({"pretrained_window_sizes": [0, 0]} if fam == "v2" else {})),
                "reference": ("official models/swin_transformer_v2.py SwinTransformerV2" if fam == "v2" else
                              "official models/swin_mlp.py SwinMLP") + ", train() mode, drop rates 0 (drop_rate, "
                             "attn_drop_rate, drop_path_rate), torch " + torch.__version__,
                "reference_impl": C.impl_official_v2(refs) if fam == "v2" else C.impl_official_mlp(refs),
                "randomization": C.FAMILY_RANDOMIZE_RULE,
                "files": {"weights": "weights.safetensors (every parameter, official names, F32)",
                          "grads": "grads.safetensors (the gradient of every parameter, same names)",
                          "input": "input.npy (4, 3, 32, 32) float32"},
                "num_parameters": int(sum(p.numel() for p in params.values()))}
        if fam == "v2":
            meta["clamped_logit_scale"] = clamped
            meta["notes"] = ["logit_scale of the last head of each stage-1 block lies above log(100): "
                             "torch.clamp passes no gradient there, so that head's gradient is exactly 0 (checked); "
                             "every other gradient is non-zero",
                             "buffers (relative_coords_table, relative_position_index, attn_mask) are not in "
                             "weights.safetensors: recompute them from the config"]
        else:
            meta["notes"] = ["stage 0 (8x8, window 4) has a shifted block with zero padding (2, 2); stage 1 (4x4) "
                             "window 4, no shift"]
        with open(os.path.join(d, "meta.json"), "w") as f:
            C.json.dump(meta, f, indent=1)
            f.write("\n")


# ==========================================================================================================
# FLOPs
# ==========================================================================================================

def _read_yaml(path):
    import yaml
    with open(path) as f:
        return yaml.safe_load(f)


def _no_init(refs):
    """Context: skip the (slow, unneeded) random init while building the big models for flops()."""
    import contextlib
    import torch.nn as nn

    @contextlib.contextmanager
    def ctx():
        v2mod, mlpmod = C.load_official_family(refs)
        saved = [(nn.Linear, "reset_parameters"), (nn.LayerNorm, "reset_parameters"),
                 (nn.Conv2d, "reset_parameters"), (nn.Conv1d, "reset_parameters")]
        old = [(c, n, getattr(c, n)) for c, n in saved]
        oldt = (v2mod.trunc_normal_, mlpmod.trunc_normal_)
        try:
            for c, n in saved:
                setattr(c, n, lambda self: None)
            v2mod.trunc_normal_ = mlpmod.trunc_normal_ = lambda t, *a, **k: t
            yield
        finally:
            for c, n, f in old:
                setattr(c, n, f)
            v2mod.trunc_normal_, mlpmod.trunc_normal_ = oldt
    return ctx()


def make_flops(refs, out_path):
    v2mod, mlpmod = C.load_official_family(refs)
    rows = {}

    def add(name, fam, cfg, extra=None):
        with _no_init(refs), torch.no_grad():
            if fam == "v2":
                m = v2mod.SwinTransformerV2(**cfg)
            else:
                m = mlpmod.SwinMLP(**cfg)
            fl = m.flops()
            del m
        row = {"family": fam}
        for k in ("img_size", "patch_size", "embed_dim", "depths", "num_heads", "window_size", "mlp_ratio",
                  "pretrained_window_sizes", "num_classes"):
            if k in cfg:
                row[k] = list(cfg[k]) if isinstance(cfg[k], (list, tuple)) else cfg[k]
        row["flops"] = float(fl)
        row.update(extra or {})
        rows[name] = row
        print(f"{name}: {fl / 1e9:.4f} G")

    for sub, fam, key in (("swinv2", "v2", "SWINV2"), ("swinmlp", "mlp", "SWIN_MLP")):
        cdir = os.path.join(refs.official_dir, "configs", sub)
        for fn in sorted(os.listdir(cdir)):
            if not fn.endswith(".yaml"):
                continue
            y = _read_yaml(os.path.join(cdir, fn))
            mc = y["MODEL"][key]
            data = y.get("DATA", {})
            cfg = dict(img_size=data.get("IMG_SIZE", 224), patch_size=mc.get("PATCH_SIZE", 4),
                       embed_dim=mc.get("EMBED_DIM", 96), depths=mc.get("DEPTHS", [2, 2, 6, 2]),
                       num_heads=mc.get("NUM_HEADS", [3, 6, 12, 24]), window_size=mc.get("WINDOW_SIZE", 7),
                       mlp_ratio=float(mc.get("MLP_RATIO", 4.0)),
                       num_classes=21841 if data.get("DATASET") == "imagenet22K" else 1000)
            if fam == "v2":
                cfg["pretrained_window_sizes"] = mc.get("PRETRAINED_WINDOW_SIZES", [0, 0, 0, 0])
            stem = fn[:-len(".yaml")]
            extra = {"yaml": f"configs/{sub}/{fn}", "yaml_model_name": y["MODEL"]["NAME"]}
            add(stem, fam, cfg, extra)
    # torchvision swin_v2_t/s/b: at 256 px, window 8, every map (64, 32, 16, 8) is a window multiple and the last
    # stage's one window equals the map, so torchvision pads nothing and drops the same shift as the official rule:
    # the official formula applies unchanged
    for name, embed, depths, heads in (("torchvision_swin_v2_t", 96, [2, 2, 6, 2], [3, 6, 12, 24]),
                                       ("torchvision_swin_v2_s", 96, [2, 2, 18, 2], [3, 6, 12, 24]),
                                       ("torchvision_swin_v2_b", 128, [2, 2, 18, 2], [4, 8, 16, 32])):
        add(name, "v2", dict(img_size=256, patch_size=4, embed_dim=embed, depths=depths, num_heads=heads,
                             window_size=8, mlp_ratio=4.0, pretrained_window_sizes=[0, 0, 0, 0], num_classes=1000),
            {"note": "torchvision geometry computed with the official SwinTransformerV2.flops(): same windows/"
                     "shifts at 256 (no padding, stage 3 one 8x8 window without shift in both)"})
    add("v2_tiny_fixture", "v2", dict(V2_TINY), {"note": "fixtures/parity/v2_official"})
    add("v2_tiny_fixture_64x128", "v2", dict(V2_TINY, img_size=(64, 128)),
        {"note": "fixtures/parity/v2_official set 2"})
    add("v2_pretrained_fixture", "v2", dict(V2_TINY, img_size=PRETRAINED_IMG, window_size=PRETRAINED_W,
                                            pretrained_window_sizes=PRETRAINED_SIZES),
        {"note": "fixtures/parity/v2_official_pretrained"})
    add("mlp_tiny_fixture", "mlp", dict(MLP_TINY), {"note": "fixtures/parity/mlp_official"})
    add("v2_grad_micro", "v2", dict(GRAD_MICRO, pretrained_window_sizes=[0, 0]), {"note": "fixtures/grad/v2"})
    add("mlp_grad_micro", "mlp", dict(GRAD_MICRO), {"note": "fixtures/grad/mlp"})
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        C.json.dump({"source": {"v2": "microsoft/Swin-Transformer models/swin_transformer_v2.py "
                                      "SwinTransformerV2.flops()",
                                "mlp": "microsoft/Swin-Transformer models/swin_mlp.py SwinMLP.flops()",
                                "commit": C.OFFICIAL_COMMIT},
                     "notes": ["key = config file stem (configs/swinv2, configs/swinmlp) or fixture name; the "
                               "model is built from the yaml fields with the official config.py defaults (patch 4, "
                               "mlp_ratio 4, img 224 where DATA.IMG_SIZE is absent) and flops() called on it",
                               "num_classes: 21841 for DATA.DATASET imagenet22K (data/build.py sets "
                               "MODEL.NUM_CLASSES from the dataset), else 1000",
                               "V2 flops() counts no cpb_mlp, logit_scale, normalization of q/k or bias sigmoid; "
                               "its PatchMerging counts H*W*dim/2 for the norm of 2C (V1: H*W*dim for 4C); MLP "
                               "flops() counts shifted blocks as (H/M+1)*(W/M+1) windows (float division); flops "
                               "are floats because nW = H*W/M/M is",
                               "configs/swinv2/swinv2_large_patch4_window12to16_192to256_22kto1k_ft.yaml carries "
                               "MODEL.NAME swinv2_base_patch4_window12to16_192to256_22kto1k_ft (a copy-paste in "
                               "the official repo): yaml_model_name shows it, the key is the file stem"],
                     "configs": rows}, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    C.add_source_args(ap)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures"),
                    help="fixtures root: writes parity/{v2_*,mlp_*}, grad/{v2,mlp}, flops/family_flops.json")
    ap.add_argument("--hf-v2-convert", default=os.environ.get("SWIN_HF_V2_CONVERT"),
                    help="transformers' src/transformers/models/swinv2/convert_swinv2_timm_to_pytorch.py, saved "
                         "outside the repo (or env SWIN_HF_V2_CONVERT)")
    ap.add_argument("--only", nargs="*", choices=["parity", "grad", "flops"], help="parts to generate (default all)")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # fixed reduction order -> byte-identical reruns
    refs = C.Refs(args.official, args.timm)
    import timm.models.swin_transformer_v2 as tv2
    refs.timm_v2 = tv2
    C.load_official_family(refs)
    out_root = os.path.abspath(args.out)
    want = set(args.only or ["parity", "grad", "flops"])
    report = {}
    if "parity" in want:
        hfconv = HfV2Converter(args.hf_v2_convert)
        proot = os.path.join(out_root, "parity")
        os.makedirs(proot, exist_ok=True)
        with torch.no_grad():
            make_parity(refs, hfconv, proot, report)
    if "grad" in want:
        make_grads(refs, os.path.join(out_root, "grad"), report)
    if "flops" in want:
        make_flops(refs, os.path.join(out_root, "flops", "family_flops.json"))
    for k, v in report.items():
        print(f"{k}: " + ", ".join(f"{n}={a:.3g}" for n, a in v.items()))
    print("wrote", out_root)


if __name__ == "__main__":
    main()
