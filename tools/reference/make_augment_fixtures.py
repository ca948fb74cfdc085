#!/usr/bin/env python3
"""References for the Java RandAugment ops (io.swin4j.train.augment.PilOps), from Debian's Pillow 9.4.

Each op is called exactly as timm's auto_augment.py calls Pillow (timm 0.9 `shear_x`, `rotate`, `color`, ...,
with the official recipe's hparams: bicubic resampling, fill colour = ImageNet mean (124, 116, 104)), on one
synthetic 37x29 RGB image, at fixed arguments. Writes fixtures/augment/input.png, one PNG per case and
fixtures/augment/cases.json listing {name, op, args, file}.
Run from the repository root:  /usr/bin/python3 tools/reference/make_augment_fixtures.py
"""
import json, os

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

D = "fixtures/augment"
FILL = (124, 116, 104)
KW = dict(resample=Image.BICUBIC, fillcolor=FILL)


def pattern(w, h, seed):
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    out = []
    for c in range(3):
        f = rng.uniform(0.05, 0.3, size=2)
        out.append(110 + 80 * np.sin(xx * f[0] + yy * f[1] + c) + rng.normal(0, 25, size=(h, w)))
    return np.clip(np.stack(out, -1), 0, 255).astype(np.uint8)


def affine(img, m):
    return img.transform(img.size, Image.AFFINE, tuple(m), **KW)


def solarize_add(img, add, thresh=128):
    lut = [min(255, i + add) if i < thresh else i for i in range(256)]
    return img.point(lut * 3)


# (name, op as PilOps names it, args, function): timm's functions inlined.
CASES = [
    ("autocontrast", "autocontrast", [], lambda im: ImageOps.autocontrast(im)),
    ("equalize", "equalize", [], lambda im: ImageOps.equalize(im)),
    ("invert", "invert", [], lambda im: ImageOps.invert(im)),
    ("posterize_2", "posterize", [2], lambda im: ImageOps.posterize(im, 2)),
    ("solarize_100", "solarize", [100], lambda im: ImageOps.solarize(im, 100)),
    ("solarize_add_60", "solarizeAdd", [60, 128], lambda im: solarize_add(im, 60, 128)),
    ("color_0.37", "color", [0.37], lambda im: ImageEnhance.Color(im).enhance(0.37)),
    ("color_1.81", "color", [1.81], lambda im: ImageEnhance.Color(im).enhance(1.81)),
    ("contrast_0.46", "contrast", [0.46], lambda im: ImageEnhance.Contrast(im).enhance(0.46)),
    ("contrast_1.63", "contrast", [1.63], lambda im: ImageEnhance.Contrast(im).enhance(1.63)),
    ("brightness_0.55", "brightness", [0.55], lambda im: ImageEnhance.Brightness(im).enhance(0.55)),
    ("brightness_1.72", "brightness", [1.72], lambda im: ImageEnhance.Brightness(im).enhance(1.72)),
    ("sharpness_0.28", "sharpness", [0.28], lambda im: ImageEnhance.Sharpness(im).enhance(0.28)),
    ("sharpness_1.9", "sharpness", [1.9], lambda im: ImageEnhance.Sharpness(im).enhance(1.9)),
    ("shear_x_0.27", "affine", [1, 0.27, 0, 0, 1, 0], lambda im: affine(im, (1, 0.27, 0, 0, 1, 0))),
    ("shear_y_-0.19", "affine", [1, 0, 0, -0.19, 1, 0], lambda im: affine(im, (1, 0, 0, -0.19, 1, 0))),
    ("translate_x_-9.25", "affine", [1, 0, -9.25, 0, 1, 0], lambda im: affine(im, (1, 0, -9.25, 0, 1, 0))),
    ("translate_y_7.8", "affine", [1, 0, 0, 0, 1, 7.8], lambda im: affine(im, (1, 0, 0, 0, 1, 7.8))),
    ("rotate_23.5", "rotate", [23.5], lambda im: im.rotate(23.5, **KW)),
    ("rotate_-12", "rotate", [-12.0], lambda im: im.rotate(-12.0, **KW)),
]


def main():
    os.makedirs(D, exist_ok=True)
    img = Image.fromarray(pattern(37, 29, 7), "RGB")
    img.save(f"{D}/input.png")
    cases = []
    for name, op, args, fn in CASES:
        out = fn(img).convert("RGB")
        out.save(f"{D}/{name}.png")
        cases.append({"name": name, "op": op, "args": args, "file": f"{name}.png"})
    with open(f"{D}/cases.json", "w") as f:
        json.dump({"fill": FILL, "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {D}")


if __name__ == "__main__":
    main()
