#!/usr/bin/env python3
"""Fixtures for the segment task (swin4j-core io.swin4j.infer.SegmentTask / SegmentationPredictor): mmseg's own
test-time inference of the official Swin-Transformer-Semantic-Segmentation EncoderDecoder with rescale=True, i.e.
logits (whole image or sliding window) resized to the ORIGINAL image, softmax, flip averaged by aug_test, argmax.

The model is fixtures/upernet_checkpoints/official_seg.pth (tools/reference/make_upernet_checkpoint_fixtures.py)
loaded into the reference EncoderDecoder of tools/reference/upernet_reference.py (see there what plumbing is stubbed;
the math is the real source: mmseg/models/segmentors/encoder_decoder.py inference / slide_inference /
whole_inference / aug_test, mmseg/ops/wrappers.py resize).

The test pipeline is mmseg's (configs/_base_/datasets/ade20k.py: Resize keep_ratio, Normalize, no crop) at a small
img_scale (96, 64) so that the image is enlarged from 61x45 to 87x64 (mmcv rescale_size: sizes rounded half up) and
the logits are rescaled back. The resize is mmcv's imresize as the Resize transform calls it (cv2.resize,
INTER_LINEAR; swin4j's SegmentationPreset resizes with CvResize, cv2 bit for bit); the normalisation is mmcv's
imnormalize: float32 subtraction of the mean, then multiplication by 1/std in float64, rounded to float32.

Outputs (fixtures/segment_task/):
  image.png                 the 61x45 RGB input image
  input.npy                 (1, 3, 64, 87) float32: the model input after resize and normalise
  <case>_labels.npy         (45, 61) float32: the predicted class per pixel of the original image
  <case>_gap.npy            per pixel, the probability gap between the two most probable classes
  meta.json                 cases (mode, crop, stride, flip, classes present, the smallest gap between the two most
                            probable classes of a pixel: how far from a tie the labels are), sizes, sources
Run from the repository root: /usr/bin/python3 tools/reference/make_segment_task_fixtures.py
"""
import copy
import json
import os
import sys

import cv2
import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upernet_reference as U  # noqa: E402
from make_upernet_checkpoint_fixtures import OVER  # noqa: E402

OUT = "fixtures/segment_task"
CKPT = "fixtures/upernet_checkpoints/official_seg.pth"
W, H = 61, 45
SCALE = (96, 64)  # mmseg img_scale (long edge, short edge)
MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
CASES = {
    "whole": dict(mode="whole", flip=False),
    "whole_flip": dict(mode="whole", flip=True),
    "slide": dict(mode="slide", crop=(32, 40), stride=(20, 24), flip=False),
    "slide_flip": dict(mode="slide", crop=(32, 40), stride=(20, 24), flip=True),
}


def make_image():
    """Smooth colour fields with noise: several regions, so the toy model predicts several classes."""
    g = np.random.default_rng(20)
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    r = 128 + 100 * np.sin(x * 0.21 + 0.5) * np.cos(y * 0.05)
    gr = 128 + 100 * np.cos(y * 0.17 - x * 0.04)
    b = 255 * x / W
    img = np.stack([r, gr, b], -1) + g.normal(0, 12, (H, W, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def rescale_size(w, h, scale):
    """mmcv.image.geometric.rescale_size with a (long, short) scale tuple."""
    long_edge, short_edge = max(scale), min(scale)
    factor = min(long_edge / max(h, w), short_edge / min(h, w))
    return int(w * float(factor) + 0.5), int(h * float(factor) + 0.5)


def imnormalize(img):
    """mmcv.image.photometric.imnormalize_ (to_rgb False: the image is RGB already), as cv2 computes it."""
    f = img.astype(np.float32)
    f = f - np.asarray(MEAN, dtype=np.float32)  # cv2.subtract: the scalar converted to float32
    f = (f.astype(np.float64) * (1.0 / np.asarray(STD, dtype=np.float64))).astype(np.float32)  # cv2.multiply in double
    return f


def main():
    os.makedirs(OUT, exist_ok=True)
    img = make_image()
    Image.fromarray(img, "RGB").save(os.path.join(OUT, "image.png"))
    rw, rh = rescale_size(W, H, SCALE)
    resized = cv2.resize(img, (rw, rh), interpolation=cv2.INTER_LINEAR)  # mmcv.imresize(img, (rw, rh), "bilinear")
    x = torch.from_numpy(imnormalize(resized).transpose(2, 0, 1).copy()).unsqueeze(0)
    np.save(os.path.join(OUT, "input.npy"), x.numpy())

    model, _ = U.build_reference(seed=11, **OVER)
    ck = torch.load(CKPT, map_location="cpu")
    missing, unexpected = model.load_state_dict(ck["state_dict"], strict=False)
    assert not unexpected and all(k.endswith("relative_position_index") for k in missing), (missing, unexpected)
    model.eval()

    meta = {"source": "official Swin-Transformer-Semantic-Segmentation EncoderDecoder.aug_test / simple_test, "
                      "rescale=True; model " + CKPT,
            "image": [W, H], "resized": [rw, rh], "scale": list(SCALE), "cases": {}}
    for name, case in CASES.items():
        test_cfg = {"mode": case["mode"]}
        if case["mode"] == "slide":
            test_cfg.update(crop_size=case["crop"], stride=case["stride"])
        model.test_cfg = U._Cfg(test_cfg)
        base = dict(ori_shape=(H, W, 3), img_shape=(rh, rw, 3), pad_shape=(rh, rw, 3), flip=False)
        imgs, metas = [x], [[base]]
        if case["flip"]:
            flipped = dict(copy.deepcopy(base), flip=True, flip_direction="horizontal")
            imgs.append(torch.flip(x, [3]))
            metas.append([flipped])
        with torch.no_grad():
            probs = sum(model.inference(i, m, True) for i, m in zip(imgs, metas)) / len(imgs)
            labels = np.stack(model.aug_test(imgs, metas, rescale=True) if case["flip"]
                              else model.simple_test(x, metas[0], rescale=True))[0]
        assert (labels == probs.argmax(1)[0].numpy()).all()
        np.save(os.path.join(OUT, name + "_labels.npy"), labels.astype(np.float32))  # swin4j reads float32 .npy
        top2 = np.sort(probs[0].numpy(), 0)[-2:]
        # per pixel, how far the two most probable classes are apart: near a tie, fp32 summation order decides
        np.save(os.path.join(OUT, name + "_gap.npy"), (top2[1] - top2[0]).astype(np.float32))
        meta["cases"][name] = dict(case, classes=sorted(int(c) for c in np.unique(labels)),
                                   min_top2_gap=float((top2[1] - top2[0]).min()))
        print(name, "classes", meta["cases"][name]["classes"], "min top-2 gap", meta["cases"][name]["min_top2_gap"])
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
