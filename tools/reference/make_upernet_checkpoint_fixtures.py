#!/usr/bin/env python3
"""Segmentation checkpoints of one tiny random UPerNet-Swin in the three public layouts (issue 20), for the loader's
layout, config-inference and metadata tests, plus the reference logits.

The model is the reference EncoderDecoder(SwinTransformer, UPerHead, FCNHead) of the official
Swin-Transformer-Semantic-Segmentation repository, built by tools/reference/upernet_reference.py (see there what is
stubbed: plumbing only) with non-default pool scales (1, 2, 4, 6), so that a loader ignoring the metadata fails.

Writes fixtures/upernet_checkpoints/:
  official_seg.pth         the official repo's checkpoint as mmcv's save_checkpoint writes it:
                           {'meta': {mmcv_version, time, config (the config TEXT), CLASSES, PALETTE, epoch, iter,
                           ...}, 'state_dict': model.state_dict()} (num_batches_tracked and relative_position_index
                           buffers included, as the repo saves them)
  mmseg.pth                the same weights in mmseg's own Swin names (mmseg 1.x, and mmseg's released Swin
                           files): the backbone renamed by the logic of mmsegmentation
                           tools/model_converters/swin2mmseg.py (convert_swin, transcribed below: attn. -> attn.w_msa.,
                           mlp.fc1/fc2 -> ffn.layers.0.0/ffn.layers.1, layers -> stages, patch_embed.proj ->
                           patch_embed.projection, merge reduction/norm into nn.Unfold order); heads and norm0..3 keep
                           their names; saved as mmengine does: {'meta': {cfg (config text), dataset_meta: {classes,
                           palette}, ...}, 'state_dict': ...}
  hf_upernet/pytorch_model.bin, hf_upernet/config.json
                           HF UperNetForSemanticSegmentation: mmseg.pth's state dict renamed by the logic of
                           huggingface/transformers src/transformers/models/upernet/convert_swin_upernet_to_pytorch.py
                           (transcribed below: "bn" -> "batch_norm", create_rename_keys, read_in_q_k_v,
                           reverse_correct_unfold_{reduction,norm}_order), config.json as UperNetConfig.to_dict()
                           writes it (hand-written: transformers is not installed)
  mmengine_objects.pth     a small mmengine-style training checkpoint: meta with dataset_meta whose palette is a numpy
                           array, and a message_hub holding an mmengine HistoryBuffer (a stand-in class of that module
                           and name: only its pickled global matters), with a one-tensor state dict: the restricted
                           unpickler refuses both globals unless lenient, and then still reads the classes
  expected.json            what the loader must infer / read (backbone, head sizes, pool scales, classes, palette, mode)
  whole_logits.npy         encode_decode(x) for x = input(1, 3, 100, 76) (whole mode, eval)
  agree_logits_sub4.npy    encode_decode(x)[:, :, ::4, ::4] for x = input(1, 3, 232, 228): at this size every stage
                           map is larger than the window, where HF's rule (SizeRule.OFFICIAL: windows shrink) and the
                           official seg repo's (PADDED) compute the same thing, so the HF layout is checked at its own
                           size rule

input(shape): x[0, c, h, w] = float32((31 h + 17 w + 7 c) mod 97) / float32(97) - 0.5 (computed the same way in the
Java test, exactly: no input file).

Run from the repository root (sources: see upernet_reference.py):
  /usr/bin/python3 tools/reference/make_upernet_checkpoint_fixtures.py
Debian torch 1.13 (CPU); a few seconds.
"""
import collections
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upernet_reference as U  # noqa: E402

OUT = "fixtures/upernet_checkpoints"
OVER = dict(embed_dim=8, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4], window_size=7, channels=16, aux_channels=8,
            num_classes=5, pool_scales=(1, 2, 4, 6), dropout_ratio=0.1, drop_path_rate=0.0)
CLASSES = ("background", "road", "tree", "sky", "car")
PALETTE = [[0, 0, 0], [128, 64, 128], [0, 128, 0], [70, 130, 180], [0, 0, 142]]
CROP, STRIDE = (64, 56), (36, 30)


def make_input(h, w):
    hh = np.arange(h).reshape(1, h, 1)
    ww = np.arange(w).reshape(1, 1, w)
    cc = np.arange(3).reshape(3, 1, 1)
    n = (31 * hh + 17 * ww + 7 * cc) % 97
    x = n.astype(np.float32) / np.float32(97) - np.float32(0.5)
    return torch.from_numpy(x.astype(np.float32)[None])


# ---------------------------------------------------------------- config text (mmcv Config.pretty_text style)

def py(v, indent=0):
    pad = " " * (indent + 4)
    if isinstance(v, dict):
        if not v:
            return "dict()"
        items = [f"{pad}{k}={py(x, indent + 4)}" for k, x in v.items()]
        return "dict(\n" + ",\n".join(items) + ")"
    if isinstance(v, tuple):
        return "(" + ", ".join(py(x, indent) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(py(x, indent) for x in v) + "]"
    return repr(v)


def config_text(model_cfg, mmengine=False):
    m = dict(type="EncoderDecoder", pretrained=None)
    m.update(model_cfg)
    m["decode_head"] = dict(m["decode_head"], norm_cfg=dict(type="SyncBN", requires_grad=True),
                            in_channels=list(m["decode_head"]["in_channels"]))
    m["auxiliary_head"] = dict(m["auxiliary_head"], norm_cfg=dict(type="SyncBN", requires_grad=True))
    m["test_cfg"] = dict(mode="slide", crop_size=CROP, stride=STRIDE)
    lines = [
        "norm_cfg = dict(type='SyncBN', requires_grad=True)",
        "model = " + py(m),
        "dataset_type = 'ToyDataset'",
        "data_root = 'data/toy'",
        "img_norm_cfg = dict(\n    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)",
        "crop_size = (512, 512)",
        "train_pipeline = [\n    dict(type='LoadImageFromFile'),\n    dict(type='LoadAnnotations', reduce_zero_label=True),\n"
        "    dict(type='Resize', img_scale=(2048, 512), ratio_range=(0.5, 2.0)),\n"
        "    dict(type='RandomCrop', crop_size=(512, 512), cat_max_ratio=0.75),\n    dict(type='RandomFlip', prob=0.5)\n]",
        "optimizer = dict(\n    type='AdamW',\n    lr=6e-05,\n    betas=(0.9, 0.999),\n    weight_decay=0.01,\n"
        "    paramwise_cfg=dict(\n        custom_keys=dict(\n            absolute_pos_embed=dict(decay_mult=0.0),\n"
        "            relative_position_bias_table=dict(decay_mult=0.0),\n            norm=dict(decay_mult=0.0))))",
        "lr_config = dict(\n    policy='poly',\n    warmup='linear',\n    warmup_iters=1500,\n    warmup_ratio=1e-06,\n"
        "    power=1.0,\n    min_lr=0.0,\n    by_epoch=False)",
        "runner = dict(type='IterBasedRunner', max_iters=160000)",
        "work_dir = './work_dirs/upernet_swin_toy'",
        "gpu_ids = range(0, 1)",
    ]
    if mmengine:
        lines.insert(1, "data_preprocessor = dict(\n    type='SegDataPreProcessor',\n    mean=[123.675, 116.28, 103.53],\n"
                        "    std=[58.395, 57.12, 57.375],\n    bgr_to_rgb=True,\n    pad_val=0,\n    seg_pad_val=255)")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- swin2mmseg.py (convert_swin), transcribed

def correct_unfold_reduction_order(x):
    out_channel, in_channel = x.shape
    x = x.reshape(out_channel, 4, in_channel // 4)
    return x[:, [0, 2, 1, 3], :].transpose(1, 2).reshape(out_channel, in_channel)


def correct_unfold_norm_order(x):
    in_channel = x.shape[0]
    x = x.reshape(4, in_channel // 4)
    return x[[0, 2, 1, 3], :].transpose(0, 1).reshape(in_channel)


def convert_swin(ckpt):
    """mmsegmentation tools/model_converters/swin2mmseg.py convert_swin, applied to an official backbone state dict."""
    new_ckpt = collections.OrderedDict()
    for k, v in ckpt.items():
        if k.startswith("head"):
            continue
        elif k.startswith("layers"):
            new_v = v
            if "attn." in k:
                new_k = k.replace("attn.", "attn.w_msa.")
            elif "mlp." in k:
                if "mlp.fc1." in k:
                    new_k = k.replace("mlp.fc1.", "ffn.layers.0.0.")
                elif "mlp.fc2." in k:
                    new_k = k.replace("mlp.fc2.", "ffn.layers.1.")
                else:
                    new_k = k.replace("mlp.", "ffn.")
            elif "downsample" in k:
                new_k = k
                if "reduction." in k:
                    new_v = correct_unfold_reduction_order(v)
                elif "norm." in k:
                    new_v = correct_unfold_norm_order(v)
            else:
                new_k = k
            new_k = new_k.replace("layers", "stages", 1)
        elif k.startswith("patch_embed"):
            new_v = v
            new_k = k.replace("proj", "projection") if "proj" in k else k
        else:
            new_v = v
            new_k = k
        new_ckpt[new_k] = new_v
    return new_ckpt


def to_mmseg(sd):
    backbone = collections.OrderedDict((k[len("backbone."):], v) for k, v in sd.items() if k.startswith("backbone."))
    out = collections.OrderedDict(("backbone." + k, v) for k, v in convert_swin(backbone).items())
    out.update((k, v) for k, v in sd.items() if not k.startswith("backbone."))
    return out


# ---------------------------------------------------------------- convert_swin_upernet_to_pytorch.py, transcribed

def create_rename_keys(depths):
    rename_keys = [
        ("backbone.patch_embed.projection.weight", "backbone.embeddings.patch_embeddings.projection.weight"),
        ("backbone.patch_embed.projection.bias", "backbone.embeddings.patch_embeddings.projection.bias"),
        ("backbone.patch_embed.norm.weight", "backbone.embeddings.norm.weight"),
        ("backbone.patch_embed.norm.bias", "backbone.embeddings.norm.bias"),
    ]
    for i in range(len(depths)):
        for j in range(depths[i]):
            s, d = f"backbone.stages.{i}.blocks.{j}.", f"backbone.encoder.layers.{i}.blocks.{j}."
            rename_keys += [
                (s + "norm1.weight", d + "layernorm_before.weight"), (s + "norm1.bias", d + "layernorm_before.bias"),
                (s + "attn.w_msa.relative_position_bias_table", d + "attention.self.relative_position_bias_table"),
                (s + "attn.w_msa.relative_position_index", d + "attention.self.relative_position_index"),
                (s + "attn.w_msa.proj.weight", d + "attention.output.dense.weight"),
                (s + "attn.w_msa.proj.bias", d + "attention.output.dense.bias"),
                (s + "norm2.weight", d + "layernorm_after.weight"), (s + "norm2.bias", d + "layernorm_after.bias"),
                (s + "ffn.layers.0.0.weight", d + "intermediate.dense.weight"),
                (s + "ffn.layers.0.0.bias", d + "intermediate.dense.bias"),
                (s + "ffn.layers.1.weight", d + "output.dense.weight"), (s + "ffn.layers.1.bias", d + "output.dense.bias"),
            ]
        if i < 3:
            rename_keys += [
                (f"backbone.stages.{i}.downsample.reduction.weight", f"backbone.encoder.layers.{i}.downsample.reduction.weight"),
                (f"backbone.stages.{i}.downsample.norm.weight", f"backbone.encoder.layers.{i}.downsample.norm.weight"),
                (f"backbone.stages.{i}.downsample.norm.bias", f"backbone.encoder.layers.{i}.downsample.norm.bias"),
            ]
        rename_keys += [(f"backbone.norm{i}.weight", f"backbone.hidden_states_norms.stage{i + 1}.weight"),
                        (f"backbone.norm{i}.bias", f"backbone.hidden_states_norms.stage{i + 1}.bias")]
    rename_keys += [
        ("decode_head.conv_seg.weight", "decode_head.classifier.weight"),
        ("decode_head.conv_seg.bias", "decode_head.classifier.bias"),
        ("auxiliary_head.conv_seg.weight", "auxiliary_head.classifier.weight"),
        ("auxiliary_head.conv_seg.bias", "auxiliary_head.classifier.bias"),
    ]
    return rename_keys


def read_in_q_k_v(state_dict, embed_dim, depths):
    for i in range(len(depths)):
        dim = embed_dim * 2 ** i
        for j in range(depths[i]):
            w = state_dict.pop(f"backbone.stages.{i}.blocks.{j}.attn.w_msa.qkv.weight")
            b = state_dict.pop(f"backbone.stages.{i}.blocks.{j}.attn.w_msa.qkv.bias")
            d = f"backbone.encoder.layers.{i}.blocks.{j}.attention.self."
            state_dict[d + "query.weight"] = w[:dim, :]
            state_dict[d + "query.bias"] = b[:dim]
            state_dict[d + "key.weight"] = w[dim:dim * 2, :]
            state_dict[d + "key.bias"] = b[dim:dim * 2]
            state_dict[d + "value.weight"] = w[-dim:, :]
            state_dict[d + "value.bias"] = b[-dim:]


def reverse_correct_unfold_reduction_order(x):
    out_channel, in_channel = x.shape
    x = x.reshape(out_channel, in_channel // 4, 4)
    return x[:, :, [0, 2, 1, 3]].transpose(1, 2).reshape(out_channel, in_channel)


def reverse_correct_unfold_norm_order(x):
    in_channel = x.shape[0]
    x = x.reshape(in_channel // 4, 4)
    return x[:, [0, 2, 1, 3]].transpose(0, 1).reshape(in_channel)


def to_hf(mmseg_sd, embed_dim, depths):
    state_dict = collections.OrderedDict()
    for key, val in mmseg_sd.items():
        if "bn" in key:
            key = key.replace("bn", "batch_norm")
        state_dict[key] = val
    for src, dest in create_rename_keys(depths):
        state_dict[dest] = state_dict.pop(src)
    read_in_q_k_v(state_dict, embed_dim, depths)
    for key, value in state_dict.items():
        if "downsample" in key:
            if "reduction" in key:
                state_dict[key] = reverse_correct_unfold_reduction_order(value)
            if "norm" in key:
                state_dict[key] = reverse_correct_unfold_norm_order(value)
    return state_dict


def hf_config(c):
    dims = [c["embed_dim"] * 2 ** i for i in range(len(c["depths"]))]
    n = c["num_classes"]
    return {
        "architectures": ["UperNetForSemanticSegmentation"],
        "auxiliary_channels": c["aux_channels"],
        "auxiliary_concat_input": False,
        "auxiliary_in_channels": dims[2],
        "auxiliary_loss_weight": 0.4,
        "auxiliary_num_convs": 1,
        "backbone_config": {
            "model_type": "swin", "embed_dim": c["embed_dim"], "depths": c["depths"], "num_heads": c["num_heads"],
            "window_size": c["window_size"], "mlp_ratio": 4.0, "qkv_bias": True, "patch_size": 4, "num_channels": 3,
            "image_size": 224, "hidden_size": dims[-1], "use_absolute_embeddings": False,
            "out_features": ["stage1", "stage2", "stage3", "stage4"], "out_indices": [1, 2, 3, 4],
            "drop_path_rate": 0.3, "hidden_act": "gelu", "layer_norm_eps": 1e-05,
        },
        "hidden_size": c["channels"],
        "id2label": {str(i): name for i, name in enumerate(CLASSES)},
        "label2id": {name: i for i, name in enumerate(CLASSES)},
        "initializer_range": 0.02,
        "loss_ignore_index": 255,
        "model_type": "upernet",
        "pool_scales": list(c["pool_scales"]),
        "torch_dtype": "float32",
        "transformers_version": "4.26.0.dev0",
        "use_auxiliary_head": True,
    }


def mmengine_objects(path):
    """Globals real mmengine checkpoints hold: numpy arrays in dataset_meta, HistoryBuffer in message_hub."""
    import types
    mod = types.ModuleType("mmengine.logging.history_buffer")

    class HistoryBuffer:
        def __init__(self):
            self._log_history = [1.0, 0.5]

    HistoryBuffer.__module__ = mod.__name__
    HistoryBuffer.__qualname__ = "HistoryBuffer"
    mod.HistoryBuffer = HistoryBuffer
    for name in ("mmengine", "mmengine.logging"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules[mod.__name__] = mod
    meta = {"cfg": "model = dict(decode_head=dict(pool_scales=(1, 2, 4, 6)))\n",
            "dataset_meta": {"classes": CLASSES, "palette": np.array(PALETTE, dtype=np.int64)}}
    torch.save({"meta": meta, "state_dict": {"decode_head.conv_seg.bias": torch.zeros(len(CLASSES))},
                "message_hub": {"log_scalars": {"train/loss": HistoryBuffer()}}}, path)


def main():
    os.makedirs(os.path.join(OUT, "hf_upernet"), exist_ok=True)
    model, _ = U.build_reference(seed=11, **OVER)
    full = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    cfg = U.model_config(**OVER)

    meta0 = {"mmcv_version": "1.3.0", "time": "Fri Dec  4 05:00:00 2026", "env_info": "sys.platform: linux",
             "seed": 0, "exp_name": "upernet_swin_toy.py", "config": config_text(cfg), "CLASSES": CLASSES,
             "PALETTE": PALETTE, "epoch": 1, "iter": 160000, "hook_msgs": {"last_ckpt": "work_dirs/iter_160000.pth"}}
    torch.save({"meta": meta0, "state_dict": full}, os.path.join(OUT, "official_seg.pth"))

    mm = to_mmseg(full)
    meta1 = {"cfg": config_text(cfg, mmengine=True), "seed": 0, "experiment_name": "upernet_swin_toy",
             "time": "20261204_050000", "mmengine_version": "0.7.0", "epoch": 0, "iter": 160000,
             "dataset_meta": {"classes": CLASSES, "palette": PALETTE, "label_map": None, "reduce_zero_label": False}}
    torch.save({"meta": meta1, "state_dict": mm}, os.path.join(OUT, "mmseg.pth"))

    hf = to_hf(mm, OVER["embed_dim"], OVER["depths"])
    torch.save(hf, os.path.join(OUT, "hf_upernet", "pytorch_model.bin"))
    with open(os.path.join(OUT, "hf_upernet", "config.json"), "w") as f:
        json.dump(hf_config(OVER), f, indent=2, sort_keys=True)
        f.write("\n")

    with torch.no_grad():
        x = make_input(100, 76)
        np.save(os.path.join(OUT, "whole_logits.npy"), model.encode_decode(x, None).numpy().astype(np.float32))
        x = make_input(232, 228)
        y = model.encode_decode(x, None)[:, :, ::4, ::4].contiguous()
        np.save(os.path.join(OUT, "agree_logits_sub4.npy"), y.numpy().astype(np.float32))

    mmengine_objects(os.path.join(OUT, "mmengine_objects.pth"))

    dims = [OVER["embed_dim"] * 2 ** i for i in range(4)]
    expected = {
        "backbone": {"embedDim": OVER["embed_dim"], "depths": OVER["depths"], "numHeads": OVER["num_heads"],
                     "windowSize": OVER["window_size"], "patchSize": 4},
        "numClasses": OVER["num_classes"], "channels": OVER["channels"], "poolScales": list(OVER["pool_scales"]),
        "alignCorners": False, "dropout": OVER["dropout_ratio"], "auxChannels": OVER["aux_channels"], "auxInIndex": 2,
        "auxInChannels": dims[2], "auxLossWeight": 0.4, "classes": list(CLASSES), "palette": PALETTE,
        "slide": {"crop": list(CROP), "stride": list(STRIDE)},
        "canonicalKeys": [k for k in full if not k.endswith("num_batches_tracked")
                          and not k.endswith("relative_position_index")],
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, name)
        if os.path.isfile(p):
            print(f"{name}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
