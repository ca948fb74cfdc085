#!/usr/bin/env python3
"""The official SwinTransformer.flops() (multiply-accumulates, as the paper's "FLOPs") for every swin4j preset
geometry and a few small configs, so swin4j's FLOP count can be checked against it.

Writes fixtures/flops/official_flops.json. Builds each model (random init, no
forward), in a few seconds. Run from the repository root:
  /usr/bin/python3 tools/reference/make_flops_fixtures.py --official /tmp/ref/official --timm /tmp/ref/timm
"""
import argparse, json, os, sys

OUT = "fixtures/flops/official_flops.json"

# name, img, patch, window, embed, depths, heads, classes
CONFIGS = [
    ("swin_tiny_patch4_window7_224", 224, 4, 7, 96, [2, 2, 6, 2], [3, 6, 12, 24], 1000),
    ("swin_small_patch4_window7_224", 224, 4, 7, 96, [2, 2, 18, 2], [3, 6, 12, 24], 1000),
    ("swin_base_patch4_window7_224", 224, 4, 7, 128, [2, 2, 18, 2], [4, 8, 16, 32], 1000),
    ("swin_base_patch4_window12_384", 384, 4, 12, 128, [2, 2, 18, 2], [4, 8, 16, 32], 1000),
    ("swin_large_patch4_window7_224_in22k", 224, 4, 7, 192, [2, 2, 18, 2], [6, 12, 24, 48], 21841),
    ("swin_large_patch4_window12_384", 384, 4, 12, 192, [2, 2, 18, 2], [6, 12, 24, 48], 1000),
    ("swin_fmnist_patch4_window4_32", 32, 4, 4, 64, [2, 2], [2, 4], 10),
    ("micro_img32_window4_embed12", 32, 4, 4, 12, [2, 2], [1, 2], 10),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--official", default=os.environ.get("SWIN_OFFICIAL_SRC", "/tmp/ref/official"))
    ap.add_argument("--timm", default=os.environ.get("TIMM_SRC", "/tmp/ref/timm"))
    a = ap.parse_args()
    sys.path[:0] = [a.official, a.timm]
    from models.swin_transformer import SwinTransformer

    rows = []
    for name, img, patch, window, embed, depths, heads, classes in CONFIGS:
        m = SwinTransformer(img_size=img, patch_size=patch, in_chans=3, num_classes=classes, embed_dim=embed,
                            depths=depths, num_heads=heads, window_size=window)
        rows.append({"name": name, "imgSize": img, "patchSize": patch, "windowSize": window, "embedDim": embed,
                     "depths": depths, "numHeads": heads, "numClasses": classes, "flops": float(m.flops())})
        print(f"{name}: {m.flops() / 1e9:.4f} G")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"source": "microsoft/Swin-Transformer models/swin_transformer.py SwinTransformer.flops()",
                   "configs": rows}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
