#!/usr/bin/env python3
"""References for the Java RandAugment ops (io.swin4j.train.augment.PilOps), from Debian's Pillow 9.4.

Each op is called exactly as timm's auto_augment.py calls Pillow (timm 0.9 `shear_x`, `rotate`, `color`, ...,
with the official recipe's hparams: bicubic resampling, fill colour = ImageNet mean (124, 116, 104)), on one
synthetic 37x29 RGB image, at fixed arguments. Writes fixtures/augment/input.png, one PNG per case and
fixtures/augment/cases.json listing {name, op, args, file}.

With timm's sources (--timm, default /tmp/ref/timm) it also writes, from timm's own auto_augment.py:
- fixtures/augment/level_to_arg.json: every RandAugment op's level->argument table (timm's LEVEL_TO_ARG functions)
  for many levels, both branches of timm's random sign (random.random() forced to 0.25: kept, 0.75: negated);
- fixtures/augment/ra_*.png + randaugment_ops.json: timm's AugmentOp (prob 1, fixed magnitude, the recipe's fill and
  bicubic resampling) applied to input.png for every op of rand-m9-mstd0.5-inc1, with either sign.
Run from the repository root:  /usr/bin/python3 tools/reference/make_augment_fixtures.py --timm /tmp/ref/timm
"""
import argparse, json, os, sys
from unittest import mock

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


LEVELS = [0, 0.3, 1, 2, 2.5, 3, 3.3, 4, 5, 6, 7, 7.77, 8, 8.5, 9, 9.37, 9.99, 10, 11, 12.5, 15, 20]
# the random draws timm's _randomly_negate sees: 0.25 keeps the value (0.25 > 0.5 is false), 0.75 negates it
SIGNS = {"kept": 0.25, "negated": 0.75}


def level_tables(aa):
    """timm's level->argument functions over LEVELS for both sign branches, for both RandAugment op lists."""
    hparams = {"translate_const": 100, "img_mean": FILL}  # translate_pct left at timm's default (0.45)
    ops = list(dict.fromkeys(aa._RAND_INCREASING_TRANSFORMS + aa._RAND_TRANSFORMS))
    table = {}
    for name in ops:
        fn = aa.LEVEL_TO_ARG[name]
        rows = []
        for level in LEVELS:
            row = {"level": level}
            for sign, r in SIGNS.items():
                with mock.patch.object(aa.random, "random", return_value=r):
                    row[sign] = [] if fn is None else [float(v) for v in fn(level, hparams)]
            rows.append(row)
        table[name] = rows
    # consistency: the sign only flips the ops timm negates, and exactly flips the symmetric ones
    signed = {"Rotate", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel"}
    enhance_inc = {"ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing"}
    for name, rows in table.items():
        for row in rows:
            k, n = row["kept"], row["negated"]
            if name in signed:
                assert k[0] >= 0 and n == [-k[0]], (name, row)
            elif name in enhance_inc:
                assert k[0] >= 1 and abs(n[0] - max(0.1, 2 - k[0])) < 1e-12, (name, row)
            else:
                assert k == n, (name, row)
    assert table["Rotate"][LEVELS.index(10)]["kept"] == [30.0]
    assert table["ShearX"][LEVELS.index(10)]["kept"] == [0.3]
    assert table["SolarizeIncreasing"][LEVELS.index(0)]["kept"] == [256.0]
    return {"levels": LEVELS, "hparams": {"translate_pct": 0.45}, "increasing": aa._RAND_INCREASING_TRANSFORMS,
            "original": aa._RAND_TRANSFORMS, "ops": table}


def augment_op_images(aa, img):
    """timm's AugmentOp at magnitude 9 (prob 1, no noise) for every op of the increasing list, with either sign."""
    hparams = {"translate_const": 100, "img_mean": FILL, "interpolation": Image.BICUBIC}
    cases = []
    for name in aa._RAND_INCREASING_TRANSFORMS:
        for sign, r in SIGNS.items():
            op = aa.AugmentOp(name, prob=1.0, magnitude=9, hparams=hparams)
            with mock.patch.object(aa.random, "random", return_value=r):
                out = op(img.copy()).convert("RGB")
                args = [] if op.level_fn is None else [float(v) for v in op.level_fn(9, hparams)]
            file = f"ra_{name}_{sign}.png"
            out.save(f"{D}/{file}")
            cases.append({"op": name, "magnitude": 9, "sign": sign, "args": args, "file": file})
    # the sign must change the output of exactly the ops timm negates
    by = {}
    for c in cases:
        by.setdefault(c["op"], []).append(np.asarray(Image.open(f"{D}/{c['file']}")))
    for name, (a, b) in by.items():
        negates = name in {"Rotate", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel", "ColorIncreasing",
                           "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing"}
        assert negates == (not np.array_equal(a, b)), name
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timm", default=os.environ.get("TIMM_SRC", "/tmp/ref/timm"))
    sys.path.insert(0, ap.parse_args().timm)
    from timm.data import auto_augment as aa

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
    tables = level_tables(aa)
    with open(f"{D}/level_to_arg.json", "w") as f:
        json.dump(tables, f, indent=1)
    ra = augment_op_images(aa, img)
    with open(f"{D}/randaugment_ops.json", "w") as f:
        json.dump({"fill": FILL, "input": "input.png", "cases": ra}, f, indent=1)
    print(f"wrote level tables for {len(tables['ops'])} ops and {len(ra)} AugmentOp images to {D}")


if __name__ == "__main__":
    main()
