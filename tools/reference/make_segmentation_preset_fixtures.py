#!/usr/bin/env python3
"""mmseg's test-time image transform pieces from mmcv's own functions: `rescale_size` (mmcv/image/geometric.py,
what mmcv.imrescale and mmseg's Resize(keep_ratio=True) use) for many image sizes and scales, and `imnormalize`
(mmcv/image/photometric.py) with mmseg's img_norm_cfg (to_rgb: the image is given in RGB here, as after mmcv's
bgr2rgb). Stubbed plumbing: `mmengine.utils` (to_2tuple, is_tuple_of) — mmengine is not installable here — and
mmcv.image's own package __init__ (the two modules are loaded directly). Needs python3-opencv.

Run from the repository root:
  /usr/bin/python3 tools/reference/make_segmentation_preset_fixtures.py --mmcv /tmp/ref/mmcv
Writes fixtures/segmentation_preset/cases.json.
"""
import argparse, importlib.util, json, os, sys, types

import numpy as np


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mmcv", default="/tmp/ref/mmcv")
    ap.add_argument("--out", default="fixtures/segmentation_preset")
    args = ap.parse_args()
    utils = types.ModuleType("mmengine.utils")
    utils.to_2tuple = lambda x: x if isinstance(x, tuple) else (x, x)
    utils.is_tuple_of = lambda seq, t: isinstance(seq, tuple) and all(isinstance(s, t) for s in seq)
    sys.modules["mmengine"] = types.ModuleType("mmengine")
    sys.modules["mmengine.utils"] = utils
    pkg = types.ModuleType("mmcvimage")
    pkg.__path__ = [os.path.join(args.mmcv, "mmcv/image")]
    sys.modules["mmcvimage"] = pkg
    io = types.ModuleType("mmcvimage.io")
    io.imread_backend = "cv2"
    sys.modules["mmcvimage.io"] = io
    colorspace = load(os.path.join(args.mmcv, "mmcv/image/colorspace.py"), "mmcvimage.colorspace")
    geometric = load(os.path.join(args.mmcv, "mmcv/image/geometric.py"), "mmcvimage.geometric")
    photometric = load(os.path.join(args.mmcv, "mmcv/image/photometric.py"), "mmcvimage.photometric")

    rng = np.random.RandomState(11)
    sizes = [[683, 512], [512, 683], [1, 300], [300, 1], [2048, 512], [4000, 3000], [100, 76], [37, 91], [512, 512]]
    sizes += rng.randint(1, 3000, size=(40, 2)).tolist()
    scales = [[2048, 512], [512, 2048], [1024, 256], [96, 96]]
    rescale = []
    for w, h in sizes:
        for s in scales:
            nw, nh = geometric.rescale_size((w, h), tuple(s))
            rescale.append({"size": [w, h], "scale": s, "out": [int(nw), int(nh)]})
    img = rng.randint(0, 256, size=(5, 6, 3)).astype(np.uint8)
    mean = np.array([123.675, 116.28, 103.53])
    std = np.array([58.395, 57.12, 57.375])
    norm = photometric.imnormalize(img, mean, std, to_rgb=False)      # already RGB
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump({"rescale": rescale, "image": img.flatten().tolist(), "width": 6, "height": 5,
                   "normalized_hwc": norm.astype(np.float32).flatten().tolist()}, f)


if __name__ == "__main__":
    main()
