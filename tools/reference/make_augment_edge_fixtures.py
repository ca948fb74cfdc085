#!/usr/bin/env python3
"""Edge-case references for io.swin4j.train.augment (PilOps, RandomResizedCrop), from Debian's Pillow 9.4,
timm's auto_augment.py (--timm, default /tmp/ref/timm) and torchvision 0.14.

The images of make_augment_fixtures.py span 0..255 in every channel and have > 1000 pixels, so they never reach
the branches these cases aim at: autocontrast of a narrow or constant channel, equalize of a tiny image (step 0)
or one with a heavy top bin, posterize with 8+ bits (timm's own posterize returns the image), affine sample points
that land exactly on the input's edges (x or y = 0 and = size), rotations by multiples of 90 degrees and 360
(Pillow's copy / transpose shortcuts), and torchvision RandomResizedCrop's fallback box on images no attempt fits
(where Python's round-half-even decides the box).

Writes fixtures/augment/edges.json: small images as flat RGB lists (row-major, 3 values a pixel).
Run from the repository root:  /usr/bin/python3 tools/reference/make_augment_edge_fixtures.py --timm /tmp/ref/timm
"""
import argparse, json, os, sys

import numpy as np
from PIL import Image, ImageOps

OUT = "fixtures/augment/edges.json"
FILL = (124, 116, 104)
KW = dict(resample=Image.BICUBIC, fillcolor=FILL)


def img_of(arr):
    return Image.fromarray(np.asarray(arr, dtype=np.uint8), "RGB")


def flat(im):
    a = np.asarray(im.convert("RGB"), dtype=np.uint8)
    return {"width": im.size[0], "height": im.size[1], "rgb": [int(v) for v in a.reshape(-1)]}


def inputs():
    rng = np.random.RandomState(16)
    ims = {}
    # channel ranges 40..200, 0..90 and 170..255: autocontrast stretches each differently (lo > 0, hi < 255)
    a = np.stack([rng.randint(40, 201, (5, 7)), rng.randint(0, 91, (5, 7)), rng.randint(170, 256, (5, 7))], -1)
    a[0, 0] = (40, 0, 170)
    a[4, 6] = (200, 90, 255)
    ims["narrow"] = a
    # red constant 77, green two values, blue constant 0: hi == lo leaves a channel as it is
    b = np.zeros((4, 6, 3), np.uint8)
    b[..., 0] = 77
    b[..., 1] = np.where(rng.rand(4, 6) < 0.5, 30, 220)
    ims["constant"] = b
    # 960 pixels, half of them at each channel's top value: equalize's step uses (total - top count) / 255
    c = rng.randint(0, 200, (24, 40, 3))
    c[:, :20] = (250, 251, 252)
    ims["heavy_top"] = c
    # 9 pixels of several values: (total - last) // 255 == 0, so equalize leaves it as it is
    ims["tiny"] = rng.randint(0, 256, (3, 3, 3))
    # a smooth-ish 6x6 pattern for the geometric cases (square, so 90/270 take Pillow's transpose)
    yy, xx = np.mgrid[0:6, 0:6]
    ims["square"] = np.stack([20 + 35 * xx, 30 + 30 * yy, 200 - 15 * (xx + yy)], -1)
    # 7x5 (not square) for 180 and the edge-exact affine transforms
    yy, xx = np.mgrid[0:5, 0:7]
    ims["oblong"] = np.stack([10 + 33 * xx, 250 - 40 * yy, (37 * xx * yy) % 256], -1)
    return {k: img_of(v) for k, v in ims.items()}


def affine(im, m):
    return im.transform(im.size, Image.AFFINE, tuple(m), **KW)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timm", default=os.environ.get("TIMM_SRC", "/tmp/ref/timm"))
    sys.path.insert(0, ap.parse_args().timm)
    from timm.data import auto_augment as aa
    import torch
    from torchvision.transforms import RandomResizedCrop

    ims = inputs()
    cases = []

    def add(name, op, args, inp, out):
        cases.append({"name": name, "op": op, "args": args, "input": inp, "expected": flat(out)})

    for k in ("narrow", "constant", "heavy_top", "tiny"):
        add(f"autocontrast_{k}", "autocontrast", [], k, ImageOps.autocontrast(ims[k]))
        add(f"equalize_{k}", "equalize", [], k, ImageOps.equalize(ims[k]))
    for bits in (0, 1, 7, 8, 9, 12):
        add(f"posterize_{bits}", "posterize", [bits], "narrow", aa.posterize(ims["narrow"], bits))
    for deg in (0, 360, -360, 720, 90, -90, 180, -180, 270, 450, -270, 540):
        k = "square" if deg % 180 else "oblong"
        add(f"rotate_{deg}_{k}", "rotate", [float(deg)], k, aa.rotate(ims[k], deg, **KW))
    # translations by half a pixel: the first or last column/row samples exactly at 0 or at the size
    for m in ([1, 0, -0.5, 0, 1, 0], [1, 0, 0.5, 0, 1, 0], [1, 0, 0, 0, 1, -0.5], [1, 0, 0, 0, 1, 0.5],
              [1, 0, -0.5, 0, 1, -0.5], [1, 0, 0.5, 0, 1, 0.5]):
        add("affine_" + "_".join(str(v) for v in m), "affine", m, "oblong", affine(ims["oblong"], m))

    # consistency: the shortcuts the cases aim at really are what Pillow/timm did
    by = {c["name"]: c for c in cases}
    same = lambda name, k: by[name]["expected"] == flat(ims[k])
    assert not same("autocontrast_narrow", "narrow") and same("equalize_narrow", "narrow"), "35 pixels: step 0"
    assert same("equalize_tiny", "tiny"), "9 pixels: step 0, identity"
    assert not same("equalize_heavy_top", "heavy_top")
    for bits in (8, 9, 12):
        assert same(f"posterize_{bits}", "narrow")
    for deg in (0, 360, -360, 720):
        assert same(f"rotate_{deg}_oblong", "oblong")
    c = np.asarray(img_of(np.asarray(by["autocontrast_constant"]["expected"]["rgb"]).reshape(4, 6, 3)))
    assert (c[..., 0] == 77).all() and (c[..., 2] == 0).all() and c[..., 1].min() == 0 and c[..., 1].max() >= 254
    fill_cols = np.asarray(img_of(np.asarray(by["affine_1_0_0.5_0_1_0"]["expected"]["rgb"]).reshape(5, 7, 3)))
    assert (fill_cols[:, 6] == FILL).all() and not (fill_cols[:, 5] == FILL).all(), "x = 7 exactly is outside"
    first = np.asarray(img_of(np.asarray(by["affine_1_0_-0.5_0_1_0"]["expected"]["rgb"]).reshape(5, 7, 3)))
    assert not (first[:, 0] == FILL).all(), "x = 0 exactly is inside"

    # torchvision's RandomResizedCrop.get_params on images no attempt can fit: the fallback centre box, the same
    # under every seed; h = round(1 / 0.4) = round(2.5) = 2 (Python rounds half to even)
    crops = []
    for w, h, scale, ratio in ((1, 100, (0.08, 1.0), (0.4, 2.5)), (100, 1, (0.08, 1.0), (0.4, 2.5)),
                               (1, 100, (0.08, 1.0), (3 / 4, 4 / 3)), (3, 200, (0.5, 1.0), (0.8, 1.25)),
                               (200, 5, (0.5, 1.0), (0.3, 0.5))):
        boxes = set()
        for seed in range(20):
            torch.manual_seed(seed)
            boxes.add(tuple(int(v) for v in RandomResizedCrop.get_params(Image.new("RGB", (w, h)), list(scale), list(ratio))))
        assert len(boxes) == 1, (w, h, boxes)
        crops.append({"width": w, "height": h, "scale": list(scale), "ratio": list(ratio), "box": list(boxes.pop())})
    assert crops[0]["box"] == [49, 0, 2, 1] and crops[1]["box"] == [0, 49, 1, 2]

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"fill": FILL, "inputs": {k: flat(v) for k, v in ims.items()}, "cases": cases,
                   "rrc_fallback": crops}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} PilOps cases and {len(crops)} RandomResizedCrop fallbacks to {OUT}")


if __name__ == "__main__":
    main()
