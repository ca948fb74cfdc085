#!/usr/bin/env python3
"""The README's segmentation picture: for each scene, the image, its ground-truth mask and the model's overlay (what
`swin segment` wrote), side by side, enlarged with nearest-neighbour. The masks are coloured with the palette of the
label PNGs swin segment wrote.

  ./swin segment --weights MODEL --output PRED DATA/images/val/00000.png ...
  /usr/bin/python3 tools/make_segment_demo_picture.py DATA PRED docs/segment-demo.png 00000 00001 ...
"""
import os, sys

from PIL import Image

SCALE = 2


def main():
    data, pred, out, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    rows = []
    for n in names:
        image = Image.open(os.path.join(data, "images/val", n + ".png")).convert("RGB")
        label = Image.open(os.path.join(pred, n + "_label.png"))
        truth = Image.open(os.path.join(data, "masks/val", n + ".png")).convert("L").convert("P")
        truth.putpalette(label.getpalette())
        overlay = Image.open(os.path.join(pred, n + "_overlay.png")).convert("RGB")
        tiles = [image, truth.convert("RGB"), overlay]
        w, h = image.size
        row = Image.new("RGB", (3 * w * SCALE + 2 * 4, h * SCALE), "white")
        for i, t in enumerate(tiles):
            row.paste(t.resize((w * SCALE, h * SCALE), Image.NEAREST), (i * (w * SCALE + 4), 0))
        rows.append(row)
    sheet = Image.new("RGB", (rows[0].width, sum(r.height for r in rows) + 4 * (len(rows) - 1)), "white")
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height + 4
    sheet.save(out, optimize=True)


if __name__ == "__main__":
    main()
