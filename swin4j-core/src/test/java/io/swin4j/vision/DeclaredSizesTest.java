package io.swin4j.vision;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * {@link DeclaredSizes} at each of its limits: a header whose declared extent ends exactly at the end of the file
 * passes, one byte further is refused with a message that names the input and the numbers. Layouts follow the BMP
 * (BITMAPFILEHEADER + BITMAPCOREHEADER/BITMAPINFOHEADER), TIFF 6.0 (§2: header, IFD of 12-byte entries, values of
 * at most 4 bytes inline) and PNG (chunk = length, type, data, CRC) specifications; expected numbers are worked out
 * from those layouts in each test.
 */
class DeclaredSizesTest {

    private static final String SRC = "in.img";
    private static final String TRUNC = SRC + ": corrupt or truncated image: ";

    private static String refused(byte[] b) {
        return assertThrows(ImageDecodeException.class, () -> DeclaredSizes.check(b, SRC)).getMessage();
    }

    private static void accepted(byte[] b) {
        assertDoesNotThrow(() -> DeclaredSizes.check(b, SRC));
    }

    // ---- BMP ----

    /** An OS/2 BMP: 14-byte file header + 12-byte BITMAPCOREHEADER, pixels at 26. */
    private static byte[] os2Bmp(int width, int height, int bpp, int pixelBytes) {
        ByteBuffer b = ByteBuffer.allocate(26 + pixelBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(26 + pixelBytes).putInt(0).putInt(26);
        b.putInt(12).putShort((short) width).putShort((short) height).putShort((short) 1).putShort((short) bpp);
        return b.array();
    }

    @Test
    void bmpSignatureAloneIsATruncatedHeader() {
        assertEquals(SRC + ": truncated BMP header (2 bytes)", refused(new byte[] {'B', 'M'}));
        assertEquals(SRC + ": truncated BMP header (25 bytes)", refused(Arrays.copyOf(os2Bmp(1, 0, 24, 0), 25)));
    }

    @Test
    void os2CoreHeaderOf26BytesIsComplete() {
        accepted(os2Bmp(1, 0, 24, 0)); // 26 bytes: the whole OS/2 header, no rows
        // 1×1 at 24 bits: a row is (24 + 31) / 32 · 4 = 4 bytes
        accepted(os2Bmp(1, 1, 24, 4));
        assertEquals(TRUNC + "truncated BMP: 1x1 at 24 bits needs 4 bytes of pixels, the file has 3 after the header",
                refused(os2Bmp(1, 1, 24, 3)));
    }

    @Test
    void infoHeaderNeeds38Bytes() {
        byte[] full = HostileImages.bmp(1, 0, 24, 0, 0, new byte[0]); // pixel offset 54
        assertEquals(SRC + ": truncated BMP header (37 bytes)", refused(Arrays.copyOf(full, 37)));
        // 38 bytes hold biSizeImage: the header is read, the pixel offset 54 is then past the end
        assertEquals(TRUNC + "BMP pixel data offset 54 is beyond the end of the file (38 bytes)",
                refused(Arrays.copyOf(full, 38)));
    }

    @Test
    void pixelOffsetAtTheEndIsAllowedOnePastIsNot() {
        byte[] b = HostileImages.bmp(1, 0, 24, 0, 0, new byte[0]); // 54 bytes, offset 54
        accepted(b);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(10, 55);
        assertEquals(TRUNC + "BMP pixel data offset 55 is beyond the end of the file (54 bytes)", refused(b));
    }

    @Test
    void embeddedJpegAndPngAreRefusedByName() {
        assertEquals(SRC + ": BMP with an embedded JPEG (BI_JPEG) is not supported (Pillow refuses it too)",
                refused(HostileImages.bmp(1, 1, 24, 4, 4, new byte[4])));
        assertEquals(SRC + ": BMP with an embedded PNG (BI_PNG) is not supported (Pillow refuses it too)",
                refused(HostileImages.bmp(1, 1, 24, 5, 4, new byte[4])));
    }

    @Test
    void bitfieldsIsTheLastKnownCompression() {
        accepted(HostileImages.bmp(1, 1, 32, 3, 4, new byte[4])); // BI_BITFIELDS, 1×1 at 32 bits: 4 bytes
        assertEquals(SRC + ": unsupported BMP compression 6", refused(HostileImages.bmp(1, 1, 32, 6, 4, new byte[4])));
    }

    @Test
    void rleDataMustFitAfterTheHeader() {
        // RLE8 and RLE4: biSizeImage bytes are read at once, whatever width·height says
        for (int compression : new int[] {1, 2}) {
            int bpp = compression == 1 ? 8 : 4;
            accepted(HostileImages.bmp(1, 1, bpp, compression, 4, new byte[4]));
            assertEquals(TRUNC + "BMP declares 5 bytes of RLE data, the file has 4 after the header",
                    refused(HostileImages.bmp(1, 1, bpp, compression, 5, new byte[4])), "compression " + compression);
        }
    }

    // ---- TIFF ----

    /**
     * A TIFF whose directory is at 8 with the given entries {tag, type, count, value}: a count-1 SHORT value is put
     * left-justified, anything else as a 4-byte value or offset; zeros after the directory. Cut or padded to length.
     */
    private static ByteBuffer tiff(ByteOrder order, int length, long[]... entries) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(length, 14 + 12 * entries.length)).order(order);
        if (order == ByteOrder.LITTLE_ENDIAN) b.put((byte) 'I').put((byte) 'I'); else b.put((byte) 'M').put((byte) 'M');
        b.putShort((short) 42).putInt(8).putShort((short) entries.length);
        for (long[] e : entries) {
            b.putShort((short) e[0]).putShort((short) e[1]).putInt((int) e[2]);
            if (e[1] == 3 && e[2] == 1) b.putShort((short) e[3]).putShort((short) 0);
            else b.putInt((int) e[3]);
        }
        return b;
    }

    private static byte[] bytes(ByteBuffer b, int length) {
        return Arrays.copyOf(b.array(), length);
    }

    @Test
    void tiffSignaturesInBothByteOrdersNeedAnEightByteHeader() {
        assertEquals(SRC + ": truncated TIFF header (4 bytes)", refused(new byte[] {'I', 'I', 42, 0}));
        assertEquals(SRC + ": truncated TIFF header (4 bytes)", refused(new byte[] {'M', 'M', 0, 42}));
        // neither signature (42 in the wrong byte): not a TIFF, left to the decoder
        accepted(new byte[] {'I', 'I', 0, 42});
        accepted(new byte[] {'M', 'M', 42, 0});
        // one byte off either signature: not a TIFF either
        for (byte[] near : new byte[][] {{'X', 'I', 42, 0}, {'I', 'X', 42, 0}, {'I', 'I', 42, 1},
                {'X', 'M', 0, 42}, {'M', 'X', 0, 42}, {'M', 'M', 1, 42}, {'I', 'M', 42, 0}, {'M', 'I', 0, 42}}) {
            accepted(near);
        }
    }

    @Test
    void directoryOffsetMustLeaveRoomForItsEntryCount() {
        // 8 bytes; the directory at 6 is the two zero high bytes of the offset itself: 0 entries, ending at 8
        accepted(new byte[] {'I', 'I', 42, 0, 6, 0, 0, 0});
        assertEquals(TRUNC + "TIFF directory offset 7 is beyond the end of the file (8 bytes)",
                refused(new byte[] {'I', 'I', 42, 0, 7, 0, 0, 0}));
    }

    @Test
    void directoryEntriesMustLieInsideTheFile() {
        long[] w = {256, 3, 1, 1}, h = {257, 3, 1, 1};
        // 2 entries at 8: 8 + 2 + 2·12 = 34 bytes (the next-directory offset may be missing)
        accepted(bytes(tiff(ByteOrder.LITTLE_ENDIAN, 34, w, h), 34));
        assertEquals(TRUNC + "TIFF directory of 2 entries at 8 runs past the end of the file (33 bytes)",
                refused(bytes(tiff(ByteOrder.LITTLE_ENDIAN, 33, w, h), 33)));
    }

    @Test
    void fourBytesOfValuesAreInlineMoreAreAtAnOffset() {
        // BitsPerSample = 8, 8: two SHORTs, 4 bytes, inline (were they an offset, it would be 8 + 8·65536)
        ByteBuffer inline = tiff(ByteOrder.LITTLE_ENDIAN, 26, new long[] {258, 3, 2, 0});
        inline.putShort(18, (short) 8).putShort(20, (short) 8);
        accepted(bytes(inline, 26));
        // BitsPerSample = 8, 8, 8: 6 bytes at offset 26, ending at 32
        ByteBuffer out = tiff(ByteOrder.LITTLE_ENDIAN, 32, new long[] {258, 3, 3, 26});
        out.putShort(26, (short) 8).putShort(28, (short) 8).putShort(30, (short) 8);
        accepted(bytes(out, 32));
        assertEquals(TRUNC + "TIFF tag 258 declares 3 values (6 bytes) at offset 26, beyond the end of the file (31 bytes)",
                refused(bytes(out, 31)));
    }

    @Test
    void sixtyFourBitsAPixelIsTheLimit() {
        byte[] strip = HostileImages.deflate(new byte[8]);
        accepted(HostileImages.tiff(1, 1, 4, 16, strip.length, strip)); // 16-bit RGBA: 64 bits
        assertEquals(SRC + ": TIFF of 5 samples of 13 bits a pixel is not supported (at most 64 bits a pixel, e.g. 16-bit RGBA)",
                refused(HostileImages.tiff(1, 1, 5, 13, strip.length, strip)));
    }

    @Test
    void samplesPerPixelWithoutValuesMeansOne() {
        // SamplesPerPixel with count 0 (its inline field holds a stray 65): one sample of 8 bits
        accepted(bytes(tiff(ByteOrder.LITTLE_ENDIAN, 38, new long[] {258, 3, 1, 8}, new long[] {277, 3, 0, 65}), 38));
        assertEquals(SRC + ": TIFF of 65 samples of 8 bits a pixel is not supported (at most 64 bits a pixel, e.g. 16-bit RGBA)",
                refused(bytes(tiff(ByteOrder.LITTLE_ENDIAN, 38, new long[] {258, 3, 1, 8}, new long[] {277, 3, 1, 65}), 38)));
    }

    @Test
    void onlyShortAndLongByteCountsAreSizes() {
        int length = 26; // one entry: 8 + 2 + 12 + 4
        // StripByteCounts = 200 from strip offset 0 (no StripOffsets) ends past 26 bytes
        for (int type : new int[] {3, 4}) {
            assertEquals(TRUNC + "TIFF strip 0 declares 200 bytes at offset 0, beyond the end of the file (26 bytes)",
                    refused(bytes(tiff(ByteOrder.LITTLE_ENDIAN, length, new long[] {279, type, 1, 200}), length)),
                    "type " + type);
        }
        // as a BYTE (type 1) it is not a byte count the reader uses
        accepted(bytes(tiff(ByteOrder.LITTLE_ENDIAN, length, new long[] {279, 1, 1, 200}), length));
    }

    @Test
    void byteCountsBeyondTheOffsetsStartAtZero() {
        // StripOffsets: one LONG = 0; StripByteCounts: two SHORTs inline; 2 entries: 38 bytes
        ByteBuffer b = tiff(ByteOrder.LITTLE_ENDIAN, 38, new long[] {273, 4, 1, 0}, new long[] {279, 3, 2, 0});
        b.putShort(30, (short) 1).putShort(32, (short) 38);
        accepted(bytes(b, 38));
        b.putShort(32, (short) 39);
        assertEquals(TRUNC + "TIFF strip 1 declares 39 bytes at offset 0, beyond the end of the file (38 bytes)",
                refused(bytes(b, 38)));
    }

    @Test
    void tileAndJpegSegmentsAreChecked() {
        assertEquals(TRUNC + "TIFF tile 0 declares 50 bytes at offset 100, beyond the end of the file (120 bytes)",
                refused(bytes(tiff(ByteOrder.LITTLE_ENDIAN, 120, new long[] {324, 4, 1, 100}, new long[] {325, 4, 1, 50}), 120)));
        assertEquals(TRUNC + "TIFF JPEG interchange format 0 declares 50 bytes at offset 100, beyond the end of the file (120 bytes)",
                refused(bytes(tiff(ByteOrder.LITTLE_ENDIAN, 120, new long[] {513, 4, 1, 100}, new long[] {514, 4, 1, 50}), 120)));
        accepted(bytes(tiff(ByteOrder.LITTLE_ENDIAN, 150, new long[] {324, 4, 1, 100}, new long[] {325, 4, 1, 50}), 150));
    }

    @Test
    void outOfLineValuesAreReadInOrder() {
        // three SHORT byte counts 1, 1, 61 at 40 (zeros before them), 46 bytes: strip 2 from offset 0 is 61 bytes
        ByteBuffer shorts = tiff(ByteOrder.LITTLE_ENDIAN, 60, new long[] {279, 3, 3, 40});
        shorts.putShort(40, (short) 1).putShort(42, (short) 1).putShort(44, (short) 61);
        assertEquals(TRUNC + "TIFF strip 2 declares 61 bytes at offset 0, beyond the end of the file (60 bytes)",
                refused(bytes(shorts, 60)));
        // two LONG byte counts 1, 61 at 40
        ByteBuffer longs = tiff(ByteOrder.LITTLE_ENDIAN, 60, new long[] {279, 4, 2, 40});
        longs.putInt(40, 1).putInt(44, 61);
        assertEquals(TRUNC + "TIFF strip 1 declares 61 bytes at offset 0, beyond the end of the file (60 bytes)",
                refused(bytes(longs, 60)));
    }

    @Test
    void bigEndianValuesAreReadMostSignificantByteFirst() {
        assertEquals(TRUNC + "TIFF strip 0 declares 258 bytes at offset 0, beyond the end of the file (26 bytes)",
                refused(bytes(tiff(ByteOrder.BIG_ENDIAN, 26, new long[] {279, 3, 1, 0x0102}), 26)));
        assertEquals(TRUNC + "TIFF strip 0 declares 16909060 bytes at offset 0, beyond the end of the file (26 bytes)",
                refused(bytes(tiff(ByteOrder.BIG_ENDIAN, 26, new long[] {279, 4, 1, 0x01020304}), 26)));
    }

    // ---- PNG ----

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static void chunk(ByteArrayOutputStream out, byte[] type, byte[] data) {
        HostileImages.pngChunk(out, type, data);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        HostileImages.pngChunk(out, type, data);
    }

    /** Signature and IHDR: 8 + 12 + 13 = 33 bytes. */
    private static ByteArrayOutputStream pngStart(int width, int height, int depth, int colorType) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) depth).put((byte) colorType)
                .put(new byte[3]).array());
        return out;
    }

    private static byte[] png(int width, int height, int depth, int colorType, int idatBytes) {
        ByteArrayOutputStream out = pngStart(width, height, depth, colorType);
        if (idatBytes > 0) chunk(out, "IDAT", new byte[idatBytes]);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    @Test
    void aChunkMayEndExactlyAtTheEndOfTheFile() {
        ByteArrayOutputStream out = pngStart(1, 1, 8, 0);
        chunk(out, "IDAT", new byte[10]); // at 33, 12 + 10 bytes: 55 in all, no IEND
        byte[] b = out.toByteArray();
        accepted(b);
        assertEquals(TRUNC + "PNG chunk IDAT declares 10 bytes at offset 33, beyond the end of the file (54 bytes)",
                refused(Arrays.copyOf(b, 54)));
    }

    @Test
    void aChunkHeaderWithoutItsCrcIsTruncated() {
        ByteArrayOutputStream out = pngStart(1, 1, 8, 0);
        chunk(out, "IEND", new byte[0]);
        byte[] b = Arrays.copyOf(out.toByteArray(), 41); // length and type of IEND, no CRC
        assertEquals(TRUNC + "PNG chunk IEND declares 0 bytes at offset 33, beyond the end of the file (41 bytes)",
                refused(b));
    }

    @Test
    void nothingAfterIendIsRead() {
        ByteArrayOutputStream out = pngStart(1, 1, 8, 0);
        chunk(out, "IEND", new byte[0]);
        out.writeBytes(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'j', 'u', 'n', 'k'});
        accepted(out.toByteArray());
    }

    @Test
    void chunkTypesAreNamedOnlyWhenPrintable() {
        // '!' (0x21) and '~' (0x7e) are the printable ASCII bounds; space (0x20) and DEL (0x7f) are not
        String[][] cases = {{"!~Ab", "!~Ab"}, {"A b", "(binary)"}, {"Ab\u007f", "(binary)"}};
        for (String[] c : cases) {
            String type = c[0].length() == 3 ? c[0] + "c" : c[0];
            ByteArrayOutputStream out = pngStart(1, 1, 8, 0);
            chunk(out, type.getBytes(StandardCharsets.ISO_8859_1), new byte[4]);
            byte[] b = Arrays.copyOf(out.toByteArray(), 33 + 12 + 3);
            assertEquals(TRUNC + "PNG chunk " + c[1] + " declares 4 bytes at offset 33, beyond the end of the file (48 bytes)",
                    refused(b), type);
        }
    }

    @Test
    void compressedDataMustBeAbleToInflateToTheRows() {
        // grey 8-bit, width 1: a row is 1 filter byte + 1 sample; no IDAT inflates to at most 1032 · 16 = 16512
        accepted(png(1, 16512 / 2, 8, 0, 0));
        assertEquals(TRUNC + "PNG of 1x8257 needs 16514 bytes of image data, but its 0 compressed bytes inflate to at most 16512"
                + " (truncated, or a decompression bomb)", refused(png(1, 8257, 8, 0, 0)));
        // 10 bytes of IDAT: 1032 · 26 = 26832 = 2 · 13416
        accepted(png(1, 13416, 8, 0, 10));
        assertEquals(TRUNC + "PNG of 1x13417 needs 26834 bytes of image data, but its 10 compressed bytes inflate to at most 26832"
                + " (truncated, or a decompression bomb)", refused(png(1, 13417, 8, 0, 10)));
        // RGB 8-bit, width 3: a row is 1 + 3·3 = 10 bytes
        assertEquals(TRUNC + "PNG of 3x2000 needs 20000 bytes of image data, but its 0 compressed bytes inflate to at most 16512"
                + " (truncated, or a decompression bomb)", refused(png(3, 2000, 8, 2, 0)));
    }

    @Test
    void headersTheDecoderRefusesAnywayAreLeftToIt() {
        // 20000 rows would need more than 16512 bytes if a row had any size; these headers declare none
        accepted(png(0, 20000, 8, 2, 0));   // width 0
        accepted(png(1, 20000, 8, 1, 0));   // colour type 1 does not exist
        accepted(png(1, 20000, 0, 0, 0));   // bit depth 0
    }
}
