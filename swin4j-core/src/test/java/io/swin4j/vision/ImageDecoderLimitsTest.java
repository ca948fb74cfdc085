package io.swin4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ImageDecoder}'s geometry and size limits at the limit and one past, with their exact messages. */
class ImageDecoderLimitsTest {

    private static String refused(ImageDecoder d, byte[] b, String source) {
        return assertThrows(ImageDecodeException.class, () -> d.decode(b, source)).getMessage();
    }

    @Test
    void limitsAreTheOnesGiven() {
        ImageLimits limits = ImageLimits.DEFAULTS.withMaxPixels(12);
        assertSame(limits, new ImageDecoder(limits).limits());
    }

    @Test
    void peakBytesIsElevenBytesAPixelPlusRowsPlusOneMiB() {
        // 8 (16-bit RGBA raster) + 3 (RGB output) a pixel, 64 bytes per row of the longer side, 1 MiB of reader state
        assertEquals(3000L * 2000 * 11 + 64 * 3000 + (1 << 20), ImageDecoder.peakBytes(3000, 2000));
        assertEquals(2000L * 3000 * 11 + 64 * 3000 + (1 << 20), ImageDecoder.peakBytes(2000, 3000));
    }

    @Test
    void oneRowOrColumnHasPixels() throws IOException {
        ImageDecoder d = new ImageDecoder();
        assertEquals(1, d.decode(HostileImages.greyPng(1, 3), "col.png").width());
        assertEquals(1, d.decode(HostileImages.greyPng(3, 1), "row.png").height());
    }

    @Test
    void aspectRatioAtTheLimitPassesOnePastDoesNot() throws IOException {
        ImageDecoder d = new ImageDecoder(); // 100:1
        assertEquals(200, d.decode(HostileImages.greyPng(200, 2), "wide.png").width());
        assertEquals("wide.png: image of 201x2 has an aspect ratio of 100.5:1, over the limit of 100.0:1",
                refused(d, HostileImages.greyPng(201, 2), "wide.png"));
        assertEquals("tall.png: image of 2x201 has an aspect ratio of 100.5:1, over the limit of 100.0:1",
                refused(d, HostileImages.greyPng(2, 201), "tall.png"));
    }

    @Test
    void rgbOutputMustFitOneJavaArray() {
        // 26755² = 715 830 025 pixels; 3 bytes each = 2 147 490 075 > Integer.MAX_VALUE − 8 = 2 147 483 639.
        // IDAT of 700 000 (unread) bytes: 1032 · (700 000 + 16) covers the 26755 · (1 + 26755) bytes of rows.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(26755).putInt(26755).put((byte) 8).put(new byte[4]).array());
        chunk(out, "IDAT", new byte[700_000]);
        chunk(out, "IEND", new byte[0]);
        ImageDecoder d = new ImageDecoder(ImageLimits.DEFAULTS.withMaxPixels(1L << 40));
        assertEquals("big.png: image of 26755x26755 is too large for one RGB array (2147490075 bytes)",
                refused(d, out.toByteArray(), "big.png"));
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        HostileImages.pngChunk(out, type, data);
    }

    @Test
    void aFileAtTheSizeLimitIsReadOneByteMoreIsNot(@TempDir Path dir) throws IOException {
        byte[] png = HostileImages.greyPng(2, 2);
        Path file = Files.write(dir.resolve("g.png"), png);
        assertEquals(2, new ImageDecoder(ImageLimits.DEFAULTS.withMaxFileBytes(png.length)).decode(file).width());
        ImageDecoder small = new ImageDecoder(ImageLimits.DEFAULTS.withMaxFileBytes(png.length - 1));
        assertEquals(file + ": file of " + png.length + " bytes exceeds the limit of " + (png.length - 1) + " bytes",
                assertThrows(ImageDecodeException.class, () -> small.decode(file)).getMessage());
    }

    @Test
    void unreadableBytesAreNamedByTheirSignature() {
        ImageDecoder d = new ImageDecoder();
        // JPEG starts with FF D8 (its SOI marker): bytes that match only one of the two are not called JPEG
        assertEquals("x: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)",
                refused(d, new byte[] {0x12, (byte) 0xd8, 0x12, 0x34}, "x"));
        assertEquals("x: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)",
                refused(d, new byte[] {(byte) 0xff, 0x12, 0x12, 0x34}, "x"));
        assertEquals("x: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)", refused(d, new byte[] {(byte) 0xff}, "x"));
    }

    @Test
    void webpIsNamedAsUnsupported() {
        ImageDecoder d = new ImageDecoder();
        // RIFF container (RIFF, 4-byte size, form type) with form type WEBP: 12 bytes are the whole signature
        byte[] webp = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'E', 'B', 'P'};
        assertEquals("w.webp: unsupported image format (WebP is not supported)", refused(d, webp, "w.webp"));
        assertEquals("w.webp: unsupported image format (WebP is not supported)",
                refused(d, java.util.Arrays.copyOf(webp, 20), "w.webp"));
        // any other RIFF form (WAVE) or an 11-byte cut is not WebP
        byte[] wave = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'A', 'V', 'E'};
        assertEquals("w: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)", refused(d, wave, "w"));
        assertEquals("w: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)",
                refused(d, java.util.Arrays.copyOf(webp, 11), "w"));
        for (int i = 0; i < 12; i++) {
            if (i >= 4 && i < 8) continue; // the size field
            byte[] off = webp.clone();
            off[i] = '?';
            assertEquals("w: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)", refused(d, off, "w"), "byte " + i);
        }
    }
}
