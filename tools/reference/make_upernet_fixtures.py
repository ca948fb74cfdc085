#!/usr/bin/env python3
"""UPerNet-Swin segmentation references (issue 20): the official Swin-Transformer-Semantic-Segmentation
EncoderDecoder(SwinTransformer, UPerHead, FCNHead) at a toy width (upernet_reference.TINY: embed 8, depths 2,2,2,2,
heads 1,2,2,4, window 7, channels 16, aux 8 on stage 2, 5 classes; 0.77 MB of weights), built by tools/reference/upernet_reference.py
from the repository's own files, seeded random weights and BatchNorm running statistics.

Writes fixtures/upernet/:
  weights.safetensors        the state_dict (official names; no num_batches_tracked, no relative_position_index)
  input.npy                  (2, 3, 100, 76): not a multiple of 32, non-square
  features_{0..3}.npy        the backbone's outputs (each stage through its norm{i}, NCHW), eval
  whole_logits.npy           encode_decode(input): (2, 5, 100, 76), eval
  slide_probs.npy            softmax(slide_inference(input)), crop 64x56, stride 36x30 (2x2 overlapping crops)
  flip_probs.npy             aug_test's average over [input, flipped input] of inference() (whole mode; mmseg
                             averages softmax probabilities, the flipped one mirrored back)
  train_input.npy            (2, 3, 64, 48)
  train_labels.npy           (2, 64, 48) class indices 0..4 with about 10% 255 (ignored), stored as float32
  train_grads.safetensors    gradients of GRAD_NAMES (every kind of module: backbone stem, attention, MLP, merge,
                             output norms; pooling pyramid, bottlenecks, laterals, FPN, conv_seg; the auxiliary head)
                             after forward_train + backward of the summed losses, train mode, dropout 0, drop path 0
  train_grads_float64.safetensors  the same gradients from the same step run in float64 (stored as float32)
  train_buffers.safetensors  every BatchNorm running_mean / running_var after that forward (momentum 0.1)
  shift_masks.json           BasicLayer's SW-MSA attention mask (num_windows, N, N) for a few map sizes and windows,
                             captured from the repository's BasicLayer.forward (maps smaller than the window too)
  meta.json                  config, losses (decode.loss_seg, aux.loss_seg = 0.4 * CE, total), slide settings

Run from the repository root (sources: see upernet_reference.py):
  /usr/bin/python3 tools/reference/make_upernet_fixtures.py
Debian torch 1.13 (CPU); about 2 seconds.
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upernet_reference as U  # noqa: E402

OUT = "fixtures/upernet"
CROP = (64, 56)
STRIDE = (36, 30)
GRAD_NAMES = [
    "backbone.patch_embed.proj.weight", "backbone.patch_embed.norm.weight",
    "backbone.layers.0.blocks.1.attn.relative_position_bias_table", "backbone.layers.1.blocks.1.attn.qkv.weight",
    "backbone.layers.2.blocks.0.mlp.fc2.weight", "backbone.layers.3.blocks.1.attn.proj.bias",
    "backbone.layers.1.downsample.reduction.weight", "backbone.norm0.weight", "backbone.norm3.bias",
    "decode_head.psp_modules.0.1.conv.weight", "decode_head.psp_modules.3.1.bn.weight",
    "decode_head.bottleneck.conv.weight", "decode_head.bottleneck.bn.weight", "decode_head.lateral_convs.1.bn.bias",
    "decode_head.fpn_convs.0.conv.weight", "decode_head.fpn_bottleneck.conv.weight", "decode_head.conv_seg.weight",
    "decode_head.conv_seg.bias", "auxiliary_head.convs.0.conv.weight", "auxiliary_head.convs.0.bn.weight",
    "auxiliary_head.conv_seg.weight",
]


def save_safetensors(path, tensors):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for k, t in tensors.items():
        b = t.detach().contiguous().float().numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def npy(name, t):
    np.save(os.path.join(OUT, name), t.detach().numpy() if isinstance(t, torch.Tensor) else t)


MASK_CASES = [(4, 3, 7), (7, 5, 7), (13, 10, 7), (5, 9, 4), (2, 2, 4), (1, 1, 7)]


def shift_masks():
    """The seg repo's BasicLayer builds the SW-MSA mask inside forward(): capture what it hands its blocks."""
    ref = U.load()
    BasicLayer = sys.modules["mmseg.models.backbones.swin_transformer"].BasicLayer

    class Capture(torch.nn.Module):
        def __init__(self, out):
            super().__init__()
            self.out = out

        def forward(self, x, mask):
            self.out.append(mask)
            return x

    cases = []
    for h, w, window in MASK_CASES:
        layer = BasicLayer(dim=4, depth=2, num_heads=1, window_size=window, drop_path=[0.0, 0.0])
        got = []
        layer.blocks = torch.nn.ModuleList([Capture(got), Capture(got)])
        layer(torch.zeros(1, h * w, 4), h, w)
        m = got[1]
        cases.append(dict(height=h, width=w, window=window, shift=window // 2, shape=list(m.shape),
                          mask=[float(v) for v in m.flatten().tolist()]))
    with open(os.path.join(OUT, "shift_masks.json"), "w") as f:
        json.dump(dict(source="Swin-Transformer-Semantic-Segmentation BasicLayer.forward attn_mask", cases=cases), f)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    model, sd = U.build_reference(0)
    shift_masks()
    save_safetensors(os.path.join(OUT, "weights.safetensors"), sd)

    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, 100, 76, generator=g)
    npy("input.npy", x.numpy())
    meta_img = dict(ori_shape=(100, 76, 3), img_shape=(100, 76, 3), pad_shape=(100, 76, 3), flip=False)
    with torch.no_grad():
        feats = model.extract_feat(x)
        for i, f in enumerate(feats):
            npy(f"features_{i}.npy", f.numpy())
        whole = model.encode_decode(x, [meta_img, meta_img])
        npy("whole_logits.npy", whole.numpy())

        model.test_cfg = U._Cfg(mode="slide", crop_size=CROP, stride=STRIDE)
        slide = model.inference(x, [meta_img, meta_img], rescale=False)  # softmax(slide_inference)
        npy("slide_probs.npy", slide.numpy())

        # aug_test over [img, flipped img] (mmseg's RandomFlip flips the image; inference() flips the result back)
        model.test_cfg = U._Cfg(mode="whole")
        flipped_meta = dict(meta_img, flip=True, flip_direction="horizontal")
        imgs, metas = [x, x.flip(dims=(3,))], [[meta_img, meta_img], [flipped_meta, flipped_meta]]
        seg_logit = model.inference(imgs[0], metas[0], True)  # aug_test's own lines
        for i in range(1, len(imgs)):
            seg_logit += model.inference(imgs[i], metas[i], True)
        seg_logit /= len(imgs)
        npy("flip_probs.npy", seg_logit.numpy())
        # the flip must matter: otherwise the test could not tell a missing mirror-back
        assert (seg_logit - slide).abs().max() > 1e-3

    # ---- one training step: dropout 0, drop path 0, same weights
    train_model, train_sd = U.build_reference(0, dropout_ratio=0.0)
    assert train_sd.keys() == sd.keys() and all(torch.equal(train_sd[k], sd[k]) for k in sd)
    train_model.train()
    xt = torch.randn(2, 3, 64, 48, generator=g)
    labels = torch.randint(0, 5, (2, 64, 48), generator=g)
    labels[torch.rand(labels.shape, generator=g) < 0.1] = 255
    npy("train_input.npy", xt.numpy())
    npy("train_labels.npy", labels.numpy().astype(np.float32))  # integral values; swin4j reads float32 .npy
    losses = train_model.forward_train(xt, [meta_img, meta_img], labels.unsqueeze(1))
    total = losses["decode.loss_seg"] + losses["aux.loss_seg"]
    total.backward()
    grads = {k: p.grad for k, p in train_model.named_parameters() if p.grad is not None}
    assert len(grads) == len(list(train_model.parameters()))
    grads = {k: grads[k] for k in GRAD_NAMES}
    save_safetensors(os.path.join(OUT, "train_grads.safetensors"), grads)
    buffers = {k: b for k, b in train_model.state_dict().items() if k.endswith(("running_mean", "running_var"))}
    for k in buffers:  # the step moved every running statistic
        assert not torch.equal(buffers[k], sd[k]), k
    save_safetensors(os.path.join(OUT, "train_buffers.safetensors"), buffers)

    # The same step in float64 (same weights and inputs): the float32 reference is itself up to ~1e-4 (relative) off
    # the exact gradients of the backbone and of the 1x1-pooled pyramid branch (batch statistics over 2 values), so
    # the test bounds swin4j's distance to these by a multiple of the reference's own.
    exact_model, _ = U.build_reference(0, dropout_ratio=0.0)
    exact_model.double().train()
    exact = exact_model.forward_train(xt.double(), [meta_img, meta_img], labels.unsqueeze(1))
    (exact["decode.loss_seg"] + exact["aux.loss_seg"]).backward()
    named = dict(exact_model.named_parameters())
    save_safetensors(os.path.join(OUT, "train_grads_float64.safetensors"), {k: named[k].grad for k in GRAD_NAMES})
    # CE mean over all pixels (ignored ones count 0): differs from a mean over valid pixels
    valid = (labels != 255).float().mean().item()

    meta = dict(
        source="official Swin-Transformer-Semantic-Segmentation EncoderDecoder (UPerHead + FCNHead aux), SyncBN as BN",
        swinseg_files={f: sha256(os.path.join(U.SWINSEG_SRC, f)) for f in (
            "mmseg/models/backbones/swin_transformer.py", "mmseg/models/decode_heads/uper_head.py",
            "mmseg/models/decode_heads/decode_head.py", "mmseg/models/decode_heads/psp_head.py",
            "mmseg/models/decode_heads/fcn_head.py", "mmseg/models/segmentors/encoder_decoder.py",
            "mmseg/models/losses/cross_entropy_loss.py", "mmseg/ops/wrappers.py")},
        mmcv_conv_module_sha256=sha256(os.path.join(U.MMCV_SRC, "mmcv/cnn/bricks/conv_module.py")),
        torch=torch.__version__,
        config=dict(U.TINY, pool_scales=list(U.TINY["pool_scales"]), aux_in_index=2, aux_loss_weight=0.4,
                    align_corners=False, patch_size=4, mlp_ratio=4.0),
        input_shape=list(x.shape), slide=dict(crop=list(CROP), stride=list(STRIDE)),
        train=dict(input_shape=list(xt.shape), dropout_ratio=0.0, drop_path_rate=0.0,
                   loss_decode=losses["decode.loss_seg"].item(), loss_aux=losses["aux.loss_seg"].item(),
                   loss_total=total.item(), valid_fraction=valid,
                   loss_decode_float64=exact["decode.loss_seg"].item(), loss_aux_float64=exact["aux.loss_seg"].item()),
    )
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta["train"]))
    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()
