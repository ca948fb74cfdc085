#!/usr/bin/env python3
"""References for the Java image pipeline, from Debian's Pillow 9.4 and torchvision 0.14.

Writes fixtures/vision/synthetic/* (images of each mode/format) and fixtures/vision/expected.json with:
- decode: sha256 of Image.open(f).convert('RGB').tobytes() per file, and its size;
- resize: sha256 of img.resize((w, h), filter) for several sizes and BICUBIC/BILINEAR/NEAREST;
- presets: sha256 of the uint8 image after each torchvision eval preset's Resize + CenterCrop (PIL), and
  normalize: torch's ToTensor + Normalize output for every 8-bit level and channel (so the float tensor
  equals torchvision's exactly when the uint8 crop does);
- errors: broken files the decoder must refuse.
Run from the repository root:  /usr/bin/python3 tools/reference/make_vision_fixtures.py
"""
import hashlib, io, json, os, struct, zlib

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

D = "fixtures/vision"
S = f"{D}/synthetic"
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def sha(img):
    return hashlib.sha256(img.tobytes()).hexdigest()


def pattern(w, h, seed, channels=3):
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    out = []
    for c in range(channels):
        f = rng.uniform(0.02, 0.2, size=2)
        out.append(127.5 + 90 * np.sin(xx * f[0] + yy * f[1] + c) + rng.normal(0, 20, size=(h, w)))
    return np.clip(np.stack(out, -1), 0, 255).astype(np.uint8)


def main():
    os.makedirs(S, exist_ok=True)
    rgb = Image.fromarray(pattern(97, 61, 1), "RGB")
    rgba = Image.fromarray(pattern(64, 48, 2, 4), "RGBA")
    files = {
        "rgb.png": lambda p: rgb.save(p),
        "gray.png": lambda p: rgb.convert("L").save(p),
        "palette.png": lambda p: rgb.convert("P", palette=Image.ADAPTIVE, colors=37).save(p),
        "rgba.png": lambda p: rgba.save(p),
        "la.png": lambda p: rgba.convert("LA").save(p),
        "gray16.png": lambda p: Image.fromarray((pattern(40, 30, 3, 1)[..., 0].astype(np.uint16) * 257), "I;16").save(p),
        "bilevel.png": lambda p: rgb.convert("1").save(p),
        "q90_420.jpg": lambda p: rgb.save(p, quality=90, subsampling=2),
        "q75_444.jpg": lambda p: rgb.save(p, quality=75, subsampling=0),
        "q95_422.jpg": lambda p: rgb.save(p, quality=95, subsampling=1),
        "progressive.jpg": lambda p: rgb.save(p, quality=85, progressive=True),
        "gray.jpg": lambda p: rgb.convert("L").save(p, quality=90),
        "cmyk.jpg": lambda p: rgb.convert("CMYK").save(p, quality=92),
        "rgb.bmp": lambda p: rgb.save(p),
        "palette.bmp": lambda p: rgb.convert("P", palette=Image.ADAPTIVE, colors=16).save(p),
        "multi.gif": lambda p: rgb.convert("P", palette=Image.ADAPTIVE).save(
            p, save_all=True, append_images=[Image.fromarray(pattern(97, 61, 9), "RGB").convert("P")]),
        "rgb.tif": lambda p: rgb.save(p),
        "lzw.tif": lambda p: rgb.save(p, compression="tiff_lzw"),
    }
    for name, write in files.items():
        write(f"{S}/{name}")
    decode = {}
    for path in [f"{S}/{n}" for n in files] + [f"{D}/rocket.jpg", f"{D}/chelsea.png"]:
        im = Image.open(path).convert("RGB")
        decode[os.path.relpath(path, D)] = {"size": list(im.size), "sha256": sha(im)}

    resize = []
    sources = {"rocket.jpg": Image.open(f"{D}/rocket.jpg").convert("RGB"), "synthetic/rgb.png": rgb}
    sizes = [(224, 224), (37, 53), (300, 199), (640, 427), (101, 67), (1, 1), (13, 300), (250, 166), (800, 533), (97, 200), (48, 31)]
    filters = {"BICUBIC": Image.BICUBIC, "BILINEAR": Image.BILINEAR, "NEAREST": Image.NEAREST}
    for src, im in sources.items():
        for w, h in sizes:
            for fname, f in filters.items():
                resize.append({"source": src, "size": [w, h], "filter": fname, "sha256": sha(im.resize((w, h), f))})

    presets = {
        "official_224": [transforms.Resize(256, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(224)],
        "official_384": [transforms.Resize((384, 384), interpolation=transforms.InterpolationMode.BICUBIC)],
        "timm": [transforms.Resize(248, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(224)],
        "timm_384": [transforms.Resize(384, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(384)],
        "torchvision_swin_t": [transforms.Resize(232, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(224)],
        "torchvision_swin_s": [transforms.Resize(246, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(224)],
        "torchvision_swin_b": [transforms.Resize(238, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(224)],
        "hf": [transforms.Resize((224, 224), interpolation=transforms.InterpolationMode.BICUBIC)],
    }
    preset_out = []
    for src in ["rocket.jpg", "chelsea.png", "synthetic/rgb.png", "synthetic/gray.jpg"]:
        im = Image.open(f"{D}/{src}").convert("RGB")
        for name, tfs in presets.items():
            out = transforms.Compose(tfs)(im)
            preset_out.append({"source": src, "preset": name, "size": list(out.size), "sha256": sha(out)})
    # a crop larger than the image: torchvision pads with zeros
    small = Image.open(f"{S}/rgb.png").convert("RGB")
    padded = transforms.CenterCrop(128)(small)
    preset_out.append({"source": "synthetic/rgb.png", "preset": "crop_only_128", "size": list(padded.size), "sha256": sha(padded)})

    levels = torch.arange(256, dtype=torch.uint8).view(1, 256, 1).expand(3, 256, 1).numpy().transpose(1, 2, 0).copy()
    t = transforms.Normalize(MEAN, STD)(transforms.ToTensor()(Image.fromarray(levels, "RGB")))
    normalize = t[:, :, 0].tolist()  # [channel][level]

    # broken inputs
    raw = open(f"{D}/rocket.jpg", "rb").read()
    open(f"{S}/truncated.jpg", "wb").write(raw[: len(raw) // 3])
    open(f"{S}/empty.png", "wb").close()
    open(f"{S}/random.bin", "wb").write(np.random.RandomState(5).bytes(2000))
    try:
        buf = io.BytesIO(); rgb.save(buf, "WEBP"); open(f"{S}/image.webp", "wb").write(buf.getvalue())
    except Exception:
        open(f"{S}/image.webp", "wb").write(b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 28)
    # a valid PNG header claiming 50000 x 50000 pixels (2.5e9 > Pillow's limit), with a tiny body
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    open(f"{S}/bomb.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))

    with open(f"{D}/expected.json", "w") as f:
        json.dump({"pillow": Image.__version__, "decode": decode, "resize": resize, "presets": preset_out,
                   "normalize": normalize,
                   "errors": {"synthetic/truncated.jpg": "truncated", "synthetic/empty.png": "empty",
                              "synthetic/random.bin": "unsupported", "synthetic/image.webp": "WebP",
                              "synthetic/bomb.png": "decompression bomb"}}, f, indent=0)
    print("wrote", len(files), "synthetic images,", len(resize), "resize and", len(preset_out), "preset references")


if __name__ == "__main__":
    main()
