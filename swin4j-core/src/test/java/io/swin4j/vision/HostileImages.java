package io.swin4j.vision;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Builds the hostile images of issue 18 (and the image fuzz target's seeds) byte by byte, so that what each declares is
 * written out here rather than hidden in a committed blob.
 *
 * <p>The seed corpus in {@code src/test/resources/io/swin4j/vision/ImageFuzzTestInputs/fuzz/} is written by
 * {@link #main}: {@code java -cp swin4j-core/target/test-classes:swin4j-core/target/classes io.swin4j.vision.HostileImages
 * swin4j-core/src/test/resources/io/swin4j/vision/ImageFuzzTestInputs/fuzz}. Crashing inputs found by fuzzing are
 * added there as they are (named crash-*).
 */
public final class HostileImages {

    private HostileImages() {}

    /** 2^31 − 1: "2 GiB" as a field a 32-bit reader takes at face value. */
    static final long TWO_GIB = 0x7fff_ffffL;

    /**
     * 58 bytes: a BMP of 1×1 whose pixels are "an embedded JPEG" (biCompression = BI_JPEG) of biSizeImage = 2 GiB; the
     * JDK reads biSizeImage bytes for it at once.
     */
    public static byte[] bmpEmbeddedJpeg() {
        return bmp(1, 1, 0, 4, TWO_GIB, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xd9});
    }

    /**
     * A BMP with a 40-byte BITMAPINFOHEADER and no palette: the pixel data ({@code pixels}, as given) starts at 54.
     *
     * @param compression biCompression: 0 none, 1 RLE8, 2 RLE4, 3 bitfields, 4 JPEG, 5 PNG
     * @param sizeImage   biSizeImage, as declared
     */
    public static byte[] bmp(int width, int height, int bpp, int compression, long sizeImage, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(54 + pixels.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54 + pixels.length).putInt(0).putInt(54); // size, reserved, pixel offset
        b.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) bpp); // header size, w, h, planes, bpp
        b.putInt(compression).putInt((int) sizeImage).putInt(2835).putInt(2835).putInt(0).putInt(0); // dpi, colours
        b.put(pixels);
        return b.array();
    }

    /**
     * 131 bytes: a TIFF of 1×1 8-bit grey, Deflate-compressed, with one strip whose StripByteCounts is
     * 2 GiB; the JDK allocates the strip's declared byte count to read it.
     */
    public static byte[] tiffDeflateStrip() {
        return tiff(1, 1, 1, 8, TWO_GIB, deflate(new byte[] {0}));
    }

    /**
     * A little-endian TIFF of width×height, {@code samples} samples a pixel of {@code bits} bits (BitsPerSample given
     * once), BlackIsZero, Deflate-compressed in one strip of {@code strip} bytes whose StripByteCounts says
     * {@code stripByteCount}.
     */
    public static byte[] tiff(int width, int height, int samples, int bits, long stripByteCount, byte[] strip) {
        int entries = 9, dataAt = 8 + 2 + 12 * entries + 4; // 122: the strip follows the directory
        ByteBuffer b = ByteBuffer.allocate(dataAt + strip.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        b.putShort((short) entries);
        tiffEntry(b, 256, width);        // ImageWidth
        tiffEntry(b, 257, height);       // ImageLength
        tiffShort(b, 258, bits);         // BitsPerSample
        tiffShort(b, 259, 8);            // Compression: Deflate (Adobe)
        tiffShort(b, 262, 1);            // PhotometricInterpretation: BlackIsZero
        tiffEntry(b, 273, dataAt);       // StripOffsets
        tiffShort(b, 277, samples);      // SamplesPerPixel
        tiffEntry(b, 278, height);       // RowsPerStrip
        tiffEntry(b, 279, stripByteCount); // StripByteCounts
        b.putInt(0);                     // no next directory
        b.put(strip);
        return b.array();
    }

    private static void tiffShort(ByteBuffer b, int tag, int value) {
        b.putShort((short) tag).putShort((short) 3).putInt(1).putShort((short) value).putShort((short) 0); // SHORT, inline
    }

    private static void tiffEntry(ByteBuffer b, int tag, long value) {
        b.putShort((short) tag).putShort((short) 4).putInt(1).putInt((int) value); // type LONG, count 1, inline value
    }

    /** Fills row {@code y} (filter byte excluded) of a PNG. */
    public interface Rows {
        void fill(int y, byte[] row);
    }

    /**
     * A valid PNG, non-interlaced, deflated a row at a time (a 36 M-pixel image is made without holding its pixels).
     *
     * @param colorType 0 grey, 2 RGB, 6 RGBA (8-bit samples)
     */
    public static byte[] png(int width, int height, int colorType, Rows rows) {
        return png(width, height, colorType, Deflater.BEST_SPEED, rows);
    }

    /** {@link #png(int, int, int, Rows)} at a zlib compression level. */
    public static byte[] png(int width, int height, int colorType, int level, Rows rows) {
        int channels = switch (colorType) {
            case 0 -> 1;
            case 2 -> 3;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colorType);
        };
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(level);
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
            byte[] row = new byte[width * channels];
            for (int y = 0; y < height; y++) {
                rows.fill(y, row);
                z.write(0); // filter: none
                z.write(row);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory
        } finally {
            deflater.end();
        }
        return pngFile(width, height, colorType, idat.toByteArray());
    }

    /** A valid PNG header of width×height RGB and no pixel data (no IDAT): a decompression bomb's signature. */
    public static byte[] pngHeaderOnly(int width, int height) {
        return pngFile(width, height, 2, null);
    }

    private static byte[] pngFile(int width, int height, int colorType, byte[] idat) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) colorType)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        pngChunk(out, "IHDR", ihdr.array());
        if (idat != null) pngChunk(out, "IDAT", idat);
        pngChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A grey PNG of width×height, all zero: 10900×1 is 112 bytes. */
    public static byte[] greyPng(int width, int height) {
        return png(width, height, 0, Deflater.BEST_COMPRESSION, (y, row) -> { });
    }

    /** One PNG chunk: length, type, data, CRC-32 of type and data (the PNG spec, section 5.3). */
    static void pngChunk(ByteArrayOutputStream out, String type, byte[] data) {
        pngChunk(out, type.getBytes(StandardCharsets.ISO_8859_1), data);
    }

    static void pngChunk(ByteArrayOutputStream out, byte[] type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(type);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    static byte[] deflate(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** A 4×3 RGB image (a gradient) encoded by the JDK as {@code format}: png, jpeg, bmp, gif or tiff. */
    public static byte[] small(String format) throws IOException {
        BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) img.setRGB(x, y, (x * 60) << 16 | (y * 100) << 8 | 128);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IllegalArgumentException("no JDK writer for " + format);
        return out.toByteArray();
    }

    /** The fuzz target's seeds: one small image per format the decoder reads, and the small hostile ones. */
    public static Map<String, byte[]> seeds() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (String f : new String[] {"png", "jpeg", "bmp", "gif", "tiff"}) seeds.put("seed-" + f, small(f));
        seeds.put("seed-grey-png", greyPng(5, 2));
        seeds.put("seed-rgba-png", png(3, 2, 6, (y, row) -> java.util.Arrays.fill(row, (byte) (40 * y + 7))));
        seeds.put("seed-bmp-bi-jpeg", bmpEmbeddedJpeg());
        seeds.put("seed-tiff-deflate-strip", tiffDeflateStrip());
        return seeds;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (Map.Entry<String, byte[]> e : seeds().entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
    }
}
