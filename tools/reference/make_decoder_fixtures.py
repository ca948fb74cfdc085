#!/usr/bin/env python3
"""Images for the decoder paths fixtures/vision does not reach, with what Pillow 9.4's Image.open(f).convert('RGB')
gives for each (sha256 of the RGB bytes): JPEGs carrying an ICC profile (RGB, grey, CMYK), and PNGs of bit depths
Pillow cannot write (4-bit grey, 16-bit RGB), written chunk by chunk. Writes fixtures/decoder/.

Deterministic (fixed pixel formulas, no timestamps); asserts that Pillow reads each file back in the mode intended.
"""
import argparse
import hashlib
import io
import json
import os
import struct
import zlib

from PIL import Image, ImageCms


def png(width, height, bit_depth, colour_type, raw_rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in raw_rows)  # filter type 0 on every row
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def rgb_image(w, h):
    im = Image.new("RGB", (w, h))
    im.putdata([((x * 37 + y * 11) % 256, (x * 5 + y * 29) % 256, (x * y * 7 + 40) % 256) for y in range(h) for x in range(w)])
    return im


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
    args = ap.parse_args()
    d = os.path.join(os.path.abspath(args.out), "decoder")
    os.makedirs(d, exist_ok=True)
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[24:36] = struct.pack(">6H", 2020, 1, 1, 0, 0, 0)  # the header's creation time, else every run differs
    icc[84:100] = bytes(16)  # profile ID (MD5 of the profile) left unset, as ICC allows
    icc = bytes(icc)
    files = {}
    base = rgb_image(21, 13)
    for name, im, mode in [("icc_rgb.jpg", base, "RGB"), ("icc_gray.jpg", base.convert("L"), "L"),
                           ("icc_cmyk.jpg", base.convert("CMYK"), "CMYK")]:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=90, icc_profile=icc)
        files[name] = (buf.getvalue(), mode)
    # 4-bit grey: two pixels a byte, high nibble first; 9 columns -> 5 bytes a row (last nibble padding)
    w, h = 9, 5
    rows = []
    for y in range(h):
        nib = [(x + 3 * y) % 16 for x in range(w)] + [0]
        rows.append(bytes((nib[i] << 4) | nib[i + 1] for i in range(0, w + 1, 2)))
    files["gray4.png"] = (png(w, h, 4, 0, rows), "L")
    # 2-bit grey
    rows = []
    for y in range(h):
        q = [(x + y) % 4 for x in range(w)] + [0, 0, 0]
        rows.append(bytes((q[i] << 6) | (q[i + 1] << 4) | (q[i + 2] << 2) | q[i + 3] for i in range(0, 12, 4)))
    files["gray2.png"] = (png(w, h, 2, 0, rows), "L")
    # 16-bit RGB, big-endian samples
    rows = [b"".join(struct.pack(">HHH", (x * 4099 + y * 257) % 65536, (x * 911 + 30000) % 65536, (y * 13001) % 65536)
                     for x in range(w)) for y in range(h)]
    files["rgb16.png"] = (png(w, h, 16, 2, rows), "RGB")
    expected = {}
    for name, (data, mode) in sorted(files.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        im = Image.open(os.path.join(d, name))
        assert im.mode == mode, (name, im.mode)
        if name.startswith("icc_"):
            assert im.info.get("icc_profile") == icc, name
        rgb = im.convert("RGB")
        expected[name] = {"size": list(rgb.size), "sha256": hashlib.sha256(rgb.tobytes()).hexdigest()}
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"pillow": Image.__version__, "decode": expected}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
