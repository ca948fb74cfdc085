package io.swin4j.vision;

/**
 * Checks what an image's header declares against the bytes the file has, before a JDK decoder allocates from it:
 * the JDK's BMP and TIFF readers size their buffers from header fields (BMP's biSizeImage, TIFF's strip and tile byte
 * counts and out-of-line tag values) that a 100-byte file can set to 2 GiB, and the pixel limit sees only width and
 * height. Every declared extent must lie inside the file; PNG's compressed data must be able to inflate to the rows
 * its header declares (deflate expands at most 1032:1). BMP with an embedded JPEG or PNG (BI_JPEG, BI_PNG) is refused,
 * as Pillow refuses it, and so is a TIFF of more than 64 bits a pixel. JPEG and GIF decoders allocate from
 * width·height only (the pixel limit's business).
 */
final class DeclaredSizes {

    /** zlib's deflate: at most 258 bytes from a 2-bit (literal/length + distance) code, asymptotically 1032:1. */
    static final long DEFLATE_MAX_RATIO = 1032;

    private DeclaredSizes() {}

    static void check(byte[] b, String source) throws ImageDecodeException {
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') bmp(b, source);
        else if (b.length >= 4 && (b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0
                || b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42)) tiff(b, source);
        else if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') png(b, source);
    }

    // ---- BMP ----

    private static void bmp(byte[] b, String source) throws ImageDecodeException {
        if (b.length < 26) throw new ImageDecodeException(source, "truncated BMP header (" + b.length + " bytes)");
        long offBits = u32le(b, 10), headerSize = u32le(b, 14);
        long width, height;
        int bpp;
        long compression = 0, sizeImage = 0;
        if (headerSize == 12) { // OS/2 BITMAPCOREHEADER
            width = u16le(b, 18);
            height = u16le(b, 20);
            bpp = u16le(b, 24);
        } else {
            if (b.length < 38) throw new ImageDecodeException(source, "truncated BMP header (" + b.length + " bytes)");
            width = s32le(b, 18);
            height = Math.abs((long) s32le(b, 22)); // negative: top-down
            bpp = u16le(b, 28);
            compression = u32le(b, 30);
            sizeImage = u32le(b, 34);
        }
        if (compression == 4 || compression == 5) {
            throw new ImageDecodeException(source, "BMP with an embedded " + (compression == 4 ? "JPEG (BI_JPEG)" : "PNG (BI_PNG)")
                    + " is not supported (Pillow refuses it too)");
        }
        if (compression > 3) throw new ImageDecodeException(source, "unsupported BMP compression " + compression);
        if (offBits > b.length) {
            throw truncated(source, "BMP pixel data offset " + offBits + " is beyond the end of the file ("
                    + b.length + " bytes)");
        }
        long available = b.length - offBits;
        if (compression == 1 || compression == 2) { // RLE: the JDK reads biSizeImage bytes at once
            if (sizeImage > available) {
                throw truncated(source, "BMP declares " + sizeImage + " bytes of RLE data, the file has "
                        + available + " after the header");
            }
        } else if (width > 0 && bpp > 0) {
            long stride = (width * bpp + 31) / 32 * 4;
            long needed = stride * height;
            if (needed > available) {
                throw truncated(source, "truncated BMP: " + width + "x" + height + " at " + bpp + " bits needs "
                        + needed + " bytes of pixels, the file has " + available + " after the header");
            }
        }
    }

    // ---- TIFF ----

    private static final int STRIP_OFFSETS = 273, STRIP_BYTE_COUNTS = 279, TILE_OFFSETS = 324, TILE_BYTE_COUNTS = 325,
            JPEG_IF_OFFSET = 513, JPEG_IF_LENGTH = 514, SAMPLES_PER_PIXEL = 277, BITS_PER_SAMPLE = 258;

    /**
     * The JDK decodes a TIFF into a raster of SamplesPerPixel × BitsPerSample a pixel, which compressed strips do not
     * bound: more than 64 bits (16-bit RGBA; Pillow opens nothing wider) is refused, so every format's raster stays
     * within {@link ImageDecoder#MAX_RASTER_BYTES_PER_PIXEL}.
     */
    static final int MAX_BITS_PER_PIXEL = 64;

    private static void tiff(byte[] b, String source) throws ImageDecodeException {
        boolean le = b[0] == 'I';
        if (b.length < 8) throw new ImageDecodeException(source, "truncated TIFF header (" + b.length + " bytes)");
        long ifd = u32(b, 4, le);
        if (ifd + 2 > b.length) throw truncated(source, "TIFF directory offset " + ifd + " is beyond the end of the file ("
                + b.length + " bytes)");
        int entries = u16(b, (int) ifd, le);
        long end = ifd + 2 + 12L * entries + 4;
        if (end - 4 > b.length) {
            throw truncated(source, "TIFF directory of " + entries + " entries at " + ifd
                    + " runs past the end of the file (" + b.length + " bytes)");
        }
        long[] stripOffsets = null, stripCounts = null, tileOffsets = null, tileCounts = null, jpegOffset = null, jpegLength = null;
        long samples = 1, bits = 1;
        for (int i = 0; i < entries; i++) {
            int at = (int) ifd + 2 + 12 * i;
            int tag = u16(b, at, le), type = u16(b, at + 2, le);
            long count = u32(b, at + 4, le);
            int size = typeSize(type);
            if (size == 0) continue; // unknown type: readers skip it
            long bytes = count * size;
            long valueAt = bytes <= 4 ? at + 8 : u32(b, at + 8, le);
            if (valueAt + bytes > b.length) {
                throw truncated(source, "TIFF tag " + tag + " declares " + count + " values (" + bytes
                        + " bytes) at offset " + valueAt + ", beyond the end of the file (" + b.length + " bytes)");
            }
            if (type != 3 && type != 4) continue;
            switch (tag) {
                case STRIP_OFFSETS -> stripOffsets = values(b, (int) valueAt, count, type, le);
                case STRIP_BYTE_COUNTS -> stripCounts = values(b, (int) valueAt, count, type, le);
                case TILE_OFFSETS -> tileOffsets = values(b, (int) valueAt, count, type, le);
                case TILE_BYTE_COUNTS -> tileCounts = values(b, (int) valueAt, count, type, le);
                case JPEG_IF_OFFSET -> jpegOffset = values(b, (int) valueAt, count, type, le);
                case JPEG_IF_LENGTH -> jpegLength = values(b, (int) valueAt, count, type, le);
                case SAMPLES_PER_PIXEL -> samples = count > 0 ? values(b, (int) valueAt, 1, type, le)[0] : 1;
                case BITS_PER_SAMPLE -> {
                    for (long v : values(b, (int) valueAt, count, type, le)) bits = Math.max(bits, v);
                }
                default -> { }
            }
        }
        if (samples * bits > MAX_BITS_PER_PIXEL) {
            throw new ImageDecodeException(source, "TIFF of " + samples + " samples of " + bits + " bits a pixel is not supported"
                    + " (at most " + MAX_BITS_PER_PIXEL + " bits a pixel, e.g. 16-bit RGBA)");
        }
        segments(stripOffsets, stripCounts, "strip", b.length, source);
        segments(tileOffsets, tileCounts, "tile", b.length, source);
        segments(jpegOffset, jpegLength, "JPEG interchange format", b.length, source);
    }

    private static void segments(long[] offsets, long[] counts, String what, int length, String source) throws ImageDecodeException {
        if (counts == null) return;
        for (int i = 0; i < counts.length; i++) {
            long offset = offsets != null && i < offsets.length ? offsets[i] : 0;
            if (offset + counts[i] > length) {
                throw truncated(source, "TIFF " + what + " " + i + " declares " + counts[i] + " bytes at offset "
                        + offset + ", beyond the end of the file (" + length + " bytes)");
            }
        }
    }

    private static long[] values(byte[] b, int at, long count, int type, boolean le) {
        long[] v = new long[(int) count]; // count·size <= b.length: checked by the caller
        for (int i = 0; i < v.length; i++) v[i] = type == 3 ? u16(b, at + 2 * i, le) : u32(b, at + 4 * i, le);
        return v;
    }

    /** Bytes per value of a TIFF 6 field type; 0 for types a (non-Big) TIFF reader does not know. */
    private static int typeSize(int type) {
        return switch (type) {
            case 1, 2, 6, 7 -> 1;
            case 3, 8 -> 2;
            case 4, 9, 11, 13 -> 4;
            case 5, 10, 12 -> 8;
            default -> 0;
        };
    }

    // ---- PNG ----

    private static void png(byte[] b, String source) throws ImageDecodeException {
        long width = -1, height = -1;
        int depth = 0, colorType = -1;
        long idat = 0;
        int at = 8;
        while (at + 8 <= b.length) {
            long len = u32(b, at, false);
            String type = new String(b, at + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (at + 12 + len > b.length) {
                throw truncated(source, "PNG chunk " + printable(type) + " declares " + len + " bytes at offset "
                        + at + ", beyond the end of the file (" + b.length + " bytes)");
            }
            if (type.equals("IHDR") && len >= 13) {
                width = u32(b, at + 8, false);
                height = u32(b, at + 12, false);
                depth = b[at + 16] & 0xff;
                colorType = b[at + 17] & 0xff;
            } else if (type.equals("IDAT")) {
                idat += len;
            } else if (type.equals("IEND")) {
                break;
            }
            at += 12 + (int) len;
        }
        int channels = switch (colorType) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> 0;
        };
        if (width <= 0 || height <= 0 || channels == 0 || depth == 0) return; // the decoder says what is wrong
        long raw = height * (1 + (width * channels * depth + 7) / 8); // filter byte + packed samples per row
        if (raw > DEFLATE_MAX_RATIO * (idat + 16)) {
            throw truncated(source, "PNG of " + width + "x" + height + " needs " + raw + " bytes of image data, but its "
                    + idat + " compressed bytes inflate to at most " + DEFLATE_MAX_RATIO * (idat + 16) + " (truncated, or a decompression bomb)");
        }
    }

    private static String printable(String s) {
        return s.chars().allMatch(c -> c >= 0x21 && c < 0x7f) ? s : "(binary)";
    }

    // ---- bytes ----

    private static int u16le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static long u32le(byte[] b, int at) {
        return s32le(b, at) & 0xffffffffL;
    }

    private static int s32le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static int u16(byte[] b, int at, boolean le) {
        return le ? u16le(b, at) : (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static long u32(byte[] b, int at, boolean le) {
        if (le) return u32le(b, at);
        return ((long) (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff));
    }

    /** A declared size the file cannot hold: the category the decoder's own failures get, then the detail. */
    private static ImageDecodeException truncated(String source, String detail) {
        return new ImageDecodeException(source, "corrupt or truncated image: " + detail);
    }
}
