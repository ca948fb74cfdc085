#!/usr/bin/env python3
"""Full-size random-weight reference fixtures for swin4j (NOT run in CI, outputs NOT committed; ~0.6 GB).

Cases (one folder each under --out, default target/fullsize/ at the repo root):
  torchvision_swin_t/        torchvision.models.swin_t(weights=None), 224, batch 1 and batch 2
  official_swin_t/           official SwinTransformer Swin-T 224 window 7, batch 1 and batch 2
  official_swin_b_384_w12/   official swin_base_patch4_window12_384 (embed 128, depths 2,2,18,2,
                             heads 4,8,16,32, window 12, img 384), batch 1
  torchvision_swin_v2_t/     torchvision.models.swin_v2_t(weights=None), 256, batch 1 and batch 2
  official_swinv2_tiny_w8_256/  official SwinTransformerV2 swinv2_tiny_patch4_window8_256 (embed 96, depths
                             2,2,6,2, heads 3,6,12,24, window 8, img 256), batch 1 and batch 2

Files per case: the checkpoint (official: {'model': state_dict} with buffers; torchvision: plain state dict),
input*.npy, logits*.npy, embedding*.npy, stage{0..3}*.npy (NCHW, before each stage's merge, no extra norm),
meta.json (same schema as fixtures/parity, see tools/reference/README.md).
Weights: every parameter random (fan-in-scaled so activations stay sane at full depth); V2 models also get
logit_scale log(10)+0.3*randn with the last head of every attention above the clamp log(100)
(swin_ref_common.randomize_family_).
"""
import argparse
import copy
import os
import shutil
import sys
import time

import torch

sys.dont_write_bytecode = True  # keep tools/reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swin_ref_common as C  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULE = ("every parameter overwritten: matrices/conv kernels randn/sqrt(fan_in), LayerNorm weight 1+0.1*randn, "
        "LayerNorm and other biases 0.1*randn, relative_position_bias_table 0.5*randn "
        "(torch.Generator seeded, module order)")

RULE_V2 = RULE + ("; then logit_scale = log(10)+0.3*randn, the last head of every attention with >= 2 heads "
                  "log(100)+0.25+0.25*rand (above the clamp) (swin_ref_common.randomize_family_)")

OFFICIAL_T = dict(img_size=224, patch_size=4, in_chans=3, num_classes=1000, embed_dim=96, depths=[2, 2, 6, 2],
                  num_heads=[3, 6, 12, 24], window_size=7, mlp_ratio=4.0, qkv_bias=True, qk_scale=None,
                  drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0, ape=False, patch_norm=True)
OFFICIAL_B384 = dict(OFFICIAL_T, img_size=384, embed_dim=128, depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32],
                     window_size=12)
OFFICIAL_V2_T = dict(img_size=256, patch_size=4, in_chans=3, num_classes=1000, embed_dim=96, depths=[2, 2, 6, 2],
                     num_heads=[3, 6, 12, 24], window_size=8, mlp_ratio=4.0, qkv_bias=True, drop_rate=0.0,
                     attn_drop_rate=0.0, drop_path_rate=0.0, ape=False, patch_norm=True,
                     pretrained_window_sizes=[0, 0, 0, 0])
TV_V2_T = dict(patch_size=[4, 4], embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24], window_size=[8, 8],
               mlp_ratio=4.0, num_classes=1000, dropout=0.0, attention_dropout=0.0, stochastic_depth_prob=0.2,
               in_chans=3, qkv_bias=True, layer_norm_eps=1e-5, img_size=256, block="SwinTransformerBlockV2",
               downsample_layer="PatchMergingV2", builder="torchvision.models.swin_v2_t")
TV_T = dict(patch_size=[4, 4], embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24], window_size=[7, 7],
            mlp_ratio=4.0, num_classes=1000, dropout=0.0, attention_dropout=0.0, stochastic_depth_prob=0.2,
            in_chans=3, qkv_bias=True, layer_norm_eps=1e-5, img_size=224, builder="torchvision.models.swin_t")


def randn(shape, seed):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float32)


def save_float64(case_dir, entry, outs64, suffix):
    """V2 cases: the same model run in float64 (its float32 outputs are visibly off it at logit scales near 100),
    saved rounded to float32 as <name><suffix>.f64.npy and named in the set entry as "float64_file"."""
    for name, out in entry["outputs"].items():
        fn = f"{name}{suffix}.f64.npy"
        C.save_npy(os.path.join(case_dir, fn), outs64[name].float())
        out["float64_file"] = fn
    return entry


def meta(case, layout, impl, weights, wrapper, config, windows, sets, notes):
    return {"schema": "swin4j-parity/1", "case": case, "layout": layout, "weights": weights,
            "weights_format": "torch_zip", "weights_wrapper": wrapper, "reference_impl": impl, "config": config,
            "randomization": RULE, "stage_format": C.STAGE_FORMAT,
            "embedding_format": "(B, 8C): final LayerNorm, then mean over tokens, before the head",
            "block_windows_doc": "per stage, per block: [window_h, window_w, shift_h, shift_w] actually used",
            "block_windows": windows,
            "outputs_available": sorted(set(k for s in sets for k in s["outputs"])), "sets": sets,
            "notes": notes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    C.add_source_args(ap)
    ap.add_argument("--out", default=os.path.join(REPO, "target", "fullsize"), help="output directory")
    ap.add_argument("--only", nargs="*", help="case names to generate (default: all)")
    args = ap.parse_args()
    torch.manual_seed(0)
    refs = C.Refs(args.official, args.timm, need_timm=False)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    def want(name):
        return not args.only or name in args.only

    def fresh(name):
        d = os.path.join(out, name)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        return d

    with torch.no_grad():
        if want("torchvision_swin_t"):
            t0 = time.time()
            import torchvision
            m = torchvision.models.swin_t(weights=None)
            C.randomize_(m, 3001, fan_in_scaled=True)
            m.eval()
            d = fresh("torchvision_swin_t")
            torch.save(m.state_dict(), os.path.join(d, "torchvision_swin_t.pth"))
            sets = []
            for suffix, b, seed in (("", 1, 4001), ("_b2", 2, 4002)):
                x = randn((b, 3, 224, 224), seed)
                o = C.run_torchvision(m, x)
                print("torchvision_swin_t", suffix or "_b1", C.tensor_stats(o))
                sets.append(C.save_set(d, x, o, suffix))
            C.write_meta(d, meta("torchvision_swin_t", "torchvision", refs.impl_torchvision(),
                                 "torchvision_swin_t.pth", None, TV_T, C.torchvision_windows(m, 224, 224), sets,
                                 ["plain torchvision state dict (features.*, norm, head; flat "
                                  "relative_position_index buffers)", "stochastic depth is identity in eval()"]))
            print(f"  {time.time() - t0:.1f}s")

        for name, cfg, seed, batches in (("official_swin_t", OFFICIAL_T, 3002, (1, 2)),
                                         ("official_swin_b_384_w12", OFFICIAL_B384, 3003, (1,))):
            if not want(name):
                continue
            t0 = time.time()
            m = refs.official.SwinTransformer(**cfg)
            C.randomize_(m, seed, fan_in_scaled=True)
            m.eval()
            d = fresh(name)
            torch.save({"model": m.state_dict()}, os.path.join(d, f"{name}.pth"))
            sets = []
            for b in batches:
                suffix = "" if b == 1 else f"_b{b}"
                x = randn((b, 3, cfg["img_size"], cfg["img_size"]), seed + 1000 + b)
                o = C.run_official(m, x)
                print(name, f"_b{b}", C.tensor_stats(o))
                sets.append(save_float64(d, C.save_set(d, x, o, suffix), C.run_official(m64, x.double()), suffix))
            C.write_meta(d, meta(name, "official", refs.impl_official(), f"{name}.pth", "model",
                                 dict(cfg, layer_norm_eps=1e-5, qk_scale="head_dim^-0.5"), C.official_windows(m),
                                 sets, ["{'model': state_dict} with relative_position_index and attn_mask buffers, "
                                        "as official releases"]))
            print(f"  {time.time() - t0:.1f}s")

        if want("torchvision_swin_v2_t"):
            t0 = time.time()
            import torchvision
            m = torchvision.models.swin_v2_t(weights=None)
            C.randomize_family_(m, 3011, fan_in_scaled=True)
            m.eval()
            d = fresh("torchvision_swin_v2_t")
            torch.save(m.state_dict(), os.path.join(d, "torchvision_swin_v2_t.pth"))
            m64 = copy.deepcopy(m).double()
            sets = []
            for suffix, b, seed in (("", 1, 4011), ("_b2", 2, 4012)):
                x = randn((b, 3, 256, 256), seed)
                o = C.run_torchvision(m, x)
                print("torchvision_swin_v2_t", suffix or "_b1", C.tensor_stats(o))
                sets.append(save_float64(d, C.save_set(d, x, o, suffix), C.run_torchvision(m64, x.double()), suffix))
            mt = meta("torchvision_swin_v2_t", "torchvision", refs.impl_torchvision(), "torchvision_swin_v2_t.pth",
                      None, TV_V2_T, C.torchvision_windows(m, 256, 256), sets,
                      ["plain torchvision state dict (features.*, norm, head; full 3C qkv.bias whose key third is "
                       "random here and zeroed at run time; relative_coords_table and flat relative_position_index "
                       "buffers)", "stochastic depth is identity in eval()"])
            mt.update(family="v2", pretrained_window_sizes=[0, 0, 0, 0], randomization=RULE_V2)
            C.write_meta(d, mt)
            print(f"  {time.time() - t0:.1f}s")

        if want("official_swinv2_tiny_w8_256"):
            t0 = time.time()
            name = "official_swinv2_tiny_w8_256"
            v2mod, _ = C.load_official_family(refs)
            m = v2mod.SwinTransformerV2(**OFFICIAL_V2_T)
            C.randomize_family_(m, 3012, fan_in_scaled=True)
            m.eval()
            d = fresh(name)
            torch.save({"model": m.state_dict()}, os.path.join(d, f"{name}.pth"))
            m64 = copy.deepcopy(m).double()
            sets = []
            for b in (1, 2):
                suffix = "" if b == 1 else f"_b{b}"
                x = randn((b, 3, 256, 256), 4020 + b)
                o = C.run_official(m, x)
                print(name, f"_b{b}", C.tensor_stats(o))
                sets.append(save_float64(d, C.save_set(d, x, o, suffix), C.run_official(m64, x.double()), suffix))
            mt = meta(name, "official", C.impl_official_v2(refs), f"{name}.pth", "model",
                      dict(OFFICIAL_V2_T, layer_norm_eps=1e-5, config="configs/swinv2/swinv2_tiny_patch4_window8_256.yaml"),
                      C.official_windows(m), sets,
                      ["{'model': state_dict} with relative_coords_table, relative_position_index and attn_mask "
                       "buffers, as official V2 releases"])
            mt.update(family="v2", pretrained_window_sizes=[0, 0, 0, 0], randomization=RULE_V2)
            C.write_meta(d, mt)
            print(f"  {time.time() - t0:.1f}s")
    print("wrote", out)


if __name__ == "__main__":
    main()
