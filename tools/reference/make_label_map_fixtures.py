#!/usr/bin/env python3
"""Label-map rendering references: mmseg's own BaseSegmentor.show_result (the official Swin seg repo, mmseg 0.x,
mmseg/models/segmentors/base.py) for the overlay of a label map on an image, and a palette PNG written by Pillow
(mode "P" with putpalette), as mmseg and PASCAL VOC store masks.

Stubbed plumbing (mmcv is not installable here): a module `mmcv` whose `imread` returns an array unchanged (what
mmcv.imread does for an ndarray) and `mmcv.runner.auto_fp16` as a no-op decorator; the rendering math is mmseg's.
show_result works in BGR (mmcv.imread's order): the image goes in as BGR and the result is turned back to RGB.

Run from the repository root:
  /usr/bin/python3 tools/reference/make_label_map_fixtures.py --swinseg /tmp/ref/swinseg
(/tmp/ref/swinseg: `git archive` of SwinTransformer/Swin-Transformer-Semantic-Segmentation)
Writes fixtures/label_map/{cases.json, pil_palette.png}.
"""
import argparse, importlib.util, json, os, sys, types, warnings

import numpy as np
from PIL import Image


def stub_mmcv():
    mmcv = types.ModuleType("mmcv")
    mmcv.imread = lambda img: img
    runner = types.ModuleType("mmcv.runner")
    runner.auto_fp16 = lambda *a, **k: (lambda f: f)
    mmcv.runner = runner
    sys.modules["mmcv"] = mmcv
    sys.modules["mmcv.runner"] = runner


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swinseg", default="/tmp/ref/swinseg")
    ap.add_argument("--out", default="fixtures/label_map")
    args = ap.parse_args()
    stub_mmcv()
    spec = importlib.util.spec_from_file_location(
        "mmseg_base", os.path.join(args.swinseg, "mmseg/models/segmentors/base.py"))
    base = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(base)

    rng = np.random.RandomState(3)
    h, w, classes = 7, 9, 5
    img = rng.randint(0, 256, size=(h, w, 3)).astype(np.uint8)   # RGB
    seg = rng.randint(0, classes, size=(h, w)).astype(np.int64)
    seg[0, 0] = 255                                                # an ignore pixel: no class colour (black)
    palette = rng.randint(0, 256, size=(classes, 3))

    owner = types.SimpleNamespace(CLASSES=[f"c{i}" for i in range(classes)], PALETTE=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_bgr = base.BaseSegmentor.show_result(owner, img[..., ::-1].copy(), [seg], palette=palette.tolist())
    overlay = out_bgr[..., ::-1]

    os.makedirs(args.out, exist_ok=True)
    p = Image.fromarray(seg.astype(np.uint8), mode="P")
    flat = palette.astype(np.uint8).flatten().tolist()
    p.putpalette(flat + [0] * (768 - len(flat)))
    p.save(os.path.join(args.out, "pil_palette.png"))
    fractions = [float((seg == c).sum()) / seg.size for c in range(classes)]
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump({"width": w, "height": h, "classes": classes, "image": img.flatten().tolist(),
                   "labels": seg.flatten().tolist(), "palette": palette.tolist(),
                   "overlay": overlay.flatten().tolist(), "fractions": fractions}, f)


if __name__ == "__main__":
    main()
