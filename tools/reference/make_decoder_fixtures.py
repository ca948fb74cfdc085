#!/usr/bin/env python3
"""Images for the decoder paths fixtures/vision does not reach, with what Pillow 9.4's Image.open(f).convert('RGB')
gives for each (sha256 of the RGB bytes): JPEGs carrying an ICC profile (RGB, grey, CMYK), and PNGs of bit depths
Pillow cannot write (4-bit grey, 16-bit RGB), written chunk by chunk. Writes fixtures/decoder/.

Also fixtures/decoder/markers/: JPEGs with header markers rearranged byte by byte (ICC, Adobe APP14, JFIF, CMYK
without Adobe), each with Pillow's convert('RGB') sha256.

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


def jpeg_segments(data):
    """Splits a baseline JPEG into its header segments [(marker, payload)] (SOI excluded) and the rest from SOS on."""
    assert data[:2] == b"\xff\xd8"
    i, segs = 2, []
    while True:
        assert data[i] == 0xFF, i
        marker = data[i + 1]
        if marker == 0xDA:
            return segs, data[i:]
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        segs.append((marker, data[i + 4:i + 2 + n]))
        i += 2 + n


def jpeg_join(segs, rest):
    """SOI, each segment as FF marker, 2-byte big-endian length (payload + 2), payload (ITU T.81 B.1.1.4), then rest."""
    out = b"\xff\xd8"
    for marker, payload in segs:
        out += bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return out + rest


def adobe_app14(transform):
    """Adobe APP14 payload: 'Adobe', version 100, flags0, flags1, transform (0 = no colour transform, 1 = YCbCr)."""
    return b"Adobe" + struct.pack(">HHHB", 100, 0, 0, transform)


def marker_fixtures(icc):
    """JPEGs whose header markers are rearranged by hand: where the decoder has to walk past other markers to find
    ICC_PROFILE (APP2) and Adobe (APP14), an Adobe transform 0 (RGB stored without YCbCr), CMYK with and without
    the Adobe marker and with a varied K channel, a marker tag on the wrong marker."""
    files = {}
    base = rgb_image(19, 11)
    buf = io.BytesIO()
    base.save(buf, "JPEG", quality=92, icc_profile=icc)
    segs, rest = jpeg_segments(buf.getvalue())
    names = [m for m, _ in segs]
    assert names[0] == 0xE0 and 0xE2 in names and 0xEE not in names, [hex(m) for m in names]
    app0 = segs[0]
    iccseg = next(s for s in segs if s[0] == 0xE2)
    others = [s for s in segs if s[0] not in (0xE0, 0xE2)]
    assert len(iccseg[1]) > 256  # a length whose high byte matters
    long_com = (0xFE, bytes((i * 7) % 256 for i in range(300)))  # a comment of 300 bytes: length 0x012E
    # ICC after a long comment, an APP2 that is not ICC (FlashPix 'FPXR') and an APP1 carrying the tag 'ICC_PROFILE'
    files["icc_walk.jpg"] = jpeg_join([app0, long_com, (0xE2, b"FPXR\x00" + bytes(20)),
                                       (0xE1, b"ICC_PROFILE\x00junk"), iccseg] + others, rest)
    # YCbCr data declared RGB by Adobe transform 0, the Adobe marker after the ICC profile (and after a long comment)
    files["icc_adobe0.jpg"] = jpeg_join([app0, iccseg, long_com, (0xEE, adobe_app14(0))] + others, rest)
    files["adobe0.jpg"] = jpeg_join([app0, long_com, (0xEE, adobe_app14(0))] + others, rest)
    # libjpeg lets a JFIF APP0 marker win over Adobe's transform (YCbCr); without APP0 transform 0 means RGB samples
    files["icc_adobe0_nojfif.jpg"] = jpeg_join([iccseg, long_com, (0xEE, adobe_app14(0))] + others, rest)
    files["adobe0_nojfif.jpg"] = jpeg_join([long_com, (0xEE, adobe_app14(0))] + others, rest)
    # no JFIF, no Adobe: libjpeg guesses the colour space from the component ids; 'R', 'G', 'B' (82, 71, 66) mean RGB
    # (ITU T.81 B.2.2: C_i in the frame header, Cs_j in the scan header name the same components)
    def rgb_ids(seg):
        m, pl = seg
        if m != 0xC0:
            return seg
        pl = bytearray(pl)
        assert pl[5] == 3 and [pl[6], pl[9], pl[12]] == [1, 2, 3]
        pl[6], pl[9], pl[12] = 82, 71, 66
        return (m, bytes(pl))
    sos = bytearray(rest)
    assert sos[:2] == b"\xff\xda" and sos[4] == 3 and [sos[5], sos[7], sos[9]] == [1, 2, 3]
    sos[5], sos[7], sos[9] = 82, 71, 66
    files["icc_rgbids.jpg"] = jpeg_join([iccseg] + [rgb_ids(x) for x in others], bytes(sos))
    files["rgbids.jpg"] = jpeg_join([rgb_ids(x) for x in others], bytes(sos))
    # Adobe transform 1 without JFIF: YCbCr, even with 'R', 'G', 'B' component ids (the Adobe marker decides first)
    files["icc_adobe1_nojfif.jpg"] = jpeg_join([iccseg, (0xEE, adobe_app14(1))] + [rgb_ids(x) for x in others],
                                               bytes(sos))
    # the same with Adobe transform 1 (YCbCr), and an APP14 that is not Adobe's before it
    files["icc_adobe1.jpg"] = jpeg_join([app0, (0xEE, b"Adobf" + bytes(7)), iccseg, (0xEE, adobe_app14(1))] + others,
                                        rest)
    # no APP0: byte 15 of the file is inside the ICC tag; JFIF density 256 (byte 15 = 0) with no Adobe marker
    files["icc_noapp0.jpg"] = jpeg_join([iccseg] + others, rest)
    # no APP0, no Adobe: a comment first, so that byte 14 of the file (where a marker found at offset -1 would keep
    # Adobe's transform) is 0; libjpeg then guesses YCbCr from the component ids 1, 2, 3
    files["icc_com_first.jpg"] = jpeg_join([(0xFE, bytes(16)), iccseg] + others, rest)
    assert files["icc_com_first.jpg"][14] == 0
    buf = io.BytesIO()
    base.save(buf, "JPEG", quality=92, icc_profile=icc, dpi=(256, 256))
    assert buf.getvalue()[15] == 0
    files["icc_density256.jpg"] = buf.getvalue()
    # an Adobe marker whose payload ends before the transform byte (the file's last header marker before SOS)
    files["icc_adobe_short.jpg"] = jpeg_join([app0, iccseg] + others + [(0xEE, b"Adobe\x00\x64")], rest)
    # CMYK with a varied K, as Pillow writes it (with an Adobe marker), without it, with and without ICC
    cmyk = Image.new("CMYK", (17, 9))
    cmyk.putdata([((x * 15) % 256, (y * 29 + x) % 256, (x * y * 5) % 256, (x * 13 + y * 31) % 256)
                  for y in range(9) for x in range(17)])
    for icc_name, kwargs in [("", {}), ("icc_", {"icc_profile": icc})]:
        buf = io.BytesIO()
        cmyk.save(buf, "JPEG", quality=95, **kwargs)
        segs, rest = jpeg_segments(buf.getvalue())
        assert any(m == 0xEE and p.startswith(b"Adobe") for m, p in segs), [hex(m) for m, _ in segs]
        files[icc_name + "cmyk_adobe.jpg"] = buf.getvalue()
        files[icc_name + "cmyk_noadobe.jpg"] = jpeg_join([s for s in segs if s[0] != 0xEE], rest)
    return files


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
    md = os.path.join(d, "markers")
    os.makedirs(md, exist_ok=True)
    expected = {}
    for name, data in sorted(marker_fixtures(icc).items()):
        with open(os.path.join(md, name), "wb") as f:
            f.write(data)
        im = Image.open(os.path.join(md, name))
        rgb = im.convert("RGB")
        expected[name] = {"mode": im.mode, "size": list(rgb.size),
                          "sha256": hashlib.sha256(rgb.tobytes()).hexdigest()}
    # libjpeg's rules as Pillow applies them: JFIF wins over Adobe transform 0, only without it are samples RGB;
    # every 4-component JPEG is inverted CMYK, Adobe marker or not
    assert expected["adobe0_nojfif.jpg"]["sha256"] != expected["adobe0.jpg"]["sha256"]
    assert expected["adobe0.jpg"]["sha256"] == expected["icc_walk.jpg"]["sha256"] == expected["icc_adobe1.jpg"]["sha256"] \
        == expected["icc_com_first.jpg"]["sha256"]
    assert expected["cmyk_noadobe.jpg"]["sha256"] == expected["cmyk_adobe.jpg"]["sha256"]
    assert expected["icc_rgbids.jpg"]["sha256"] == expected["adobe0_nojfif.jpg"]["sha256"]
    assert expected["icc_adobe1_nojfif.jpg"]["sha256"] == expected["adobe0.jpg"]["sha256"]
    # a CMYK TIFF (uncompressed, as Pillow writes it): Pillow reads it as mode CMYK; the decoder refuses non-JPEG CMYK
    cmyk_tif = io.BytesIO()
    Image.new("CMYK", (5, 3), (10, 200, 30, 40)).save(cmyk_tif, "TIFF")
    with open(os.path.join(md, "cmyk.tif"), "wb") as f:
        f.write(cmyk_tif.getvalue())
    assert Image.open(os.path.join(md, "cmyk.tif")).mode == "CMYK"
    with open(os.path.join(md, "expected.json"), "w") as f:
        json.dump({"pillow": Image.__version__, "decode": expected}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
