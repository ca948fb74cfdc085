package io.swin4j.vision;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 18's hostile images (rows 7-9), each made by {@link HostileImages}, under the hostile JVM's small heap (384m):
 * every one ends in seconds with the image's name and the reason, and an image the limits admit decodes within the
 * heap.
 */
@Tag("hostile")
class ImageBudgetTest {

    @TempDir
    Path tmp;

    private static final ImageDecoder DECODER = new ImageDecoder();

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(tmp.resolve(name), bytes);
    }

    @Test
    void aBmpWithAnEmbeddedJpegOf2GiBIsRefusedFromItsHeader() throws Exception {
        byte[] bmp = HostileImages.bmpEmbeddedJpeg();
        assertThat(bmp).hasSize(58);
        Path f = write("bomb.bmp", bmp);
        assertThatThrownBy(() -> DECODER.decode(f)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(f + ": BMP with an embedded JPEG (BI_JPEG) is not supported (Pillow refuses it too)");
    }

    @Test
    void aBmpWhoseRleDataOrPixelsRunPastTheFileIsRefused() throws Exception {
        Path rle = write("rle.bmp", HostileImages.bmp(4, 4, 8, 1, HostileImages.TWO_GIB, new byte[] {0, 1}));
        assertThatThrownBy(() -> DECODER.decode(rle)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(rle + ": corrupt or truncated image: BMP declares 2147483647 bytes of RLE data, the file has 2 after the header");
        // 100x100 at 24 bits: rows of (100*24 + 31) / 32 * 4 = 300 bytes, 30000 in all; 12 given
        Path raw = write("raw.bmp", HostileImages.bmp(100, 100, 24, 0, 0, new byte[12]));
        assertThatThrownBy(() -> DECODER.decode(raw)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(raw + ": corrupt or truncated image: truncated BMP: 100x100 at 24 bits needs 30000 bytes of pixels, the file has 12 after the header");
    }

    @Test
    void aTiffWhoseStripIsDeclared2GiBIsRefusedFromItsDirectory() throws Exception {
        byte[] tiff = HostileImages.tiffDeflateStrip();
        assertThat(tiff).hasSize(131);
        Path f = write("bomb.tif", tiff);
        int stripAt = 8 + 2 + 12 * 9 + 4; // header, entry count, 9 entries, next-directory offset
        assertThatThrownBy(() -> DECODER.decode(f)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(f + ": corrupt or truncated image: TIFF strip 0 declares 2147483647 bytes at offset " + stripAt + ", beyond the end of the file (131 bytes)");
    }

    @Test
    void aTiffOfMoreThan64BitsAPixelIsRefusedFromItsDirectory() throws Exception {
        // 1000x1000 of 1000 32-bit samples: a 4 GB raster from 128 compressed bytes
        Path f = write("wide.tif", HostileImages.tiff(1000, 1000, 1000, 32, 6, HostileImages.deflate(new byte[] {0})));
        assertThatThrownBy(() -> DECODER.decode(f)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(f + ": TIFF of 1000 samples of 32 bits a pixel is not supported (at most 64 bits a pixel, e.g. 16-bit RGBA)");
    }

    @Test
    void aPngWhoseDataCannotInflateToItsRowsIsRefusedBeforeDecoding() throws Exception {
        byte[] png = HostileImages.greyPng(8000, 8000); // honest: 64 M pixels of zeros
        byte[] cut = java.util.Arrays.copyOf(png, 33 + 12 + 100); // signature + IHDR, then an IDAT cut to 100 bytes
        java.nio.ByteBuffer.wrap(cut).putInt(33, 100);
        Path f = write("cut.png", cut);
        long raw = 8000L * (1 + 8000), bound = 1032L * (100 + 16); // filter byte + 8000 samples per row; deflate's 1032:1
        assertThatThrownBy(() -> DECODER.decode(f)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(f + ": corrupt or truncated image: PNG of 8000x8000 needs " + raw + " bytes of image data, but its 100 compressed bytes inflate"
                        + " to at most " + bound + " (truncated, or a decompression bomb)");
    }

    @Test
    void aLongThinPngIsRefusedByTheAspectRatioLimit() throws Exception {
        byte[] png = HostileImages.greyPng(10900, 1);
        assertThat(png.length).as("a PNG of about a hundred bytes").isLessThan(120);
        Path f = write("thin.png", png);
        assertThatThrownBy(() -> DECODER.decode(f)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(f + ": image of 10900x1 has an aspect ratio of 10900.0:1, over the limit of 100.0:1");
        Path g = write("thinner.png", HostileImages.greyPng(40000, 1));
        assertThatThrownBy(() -> DECODER.decode(g)).isInstanceOf(ImageDecodeException.class)
                .hasMessage(g + ": image of 40000x1 has an aspect ratio of 40000.0:1, over the limit of 100.0:1");
    }

    @Test
    void theShorterSideResizeIsBoundedInLongArithmetic() throws Exception {
        ImageDecoder anyShape = new ImageDecoder(ImageLimits.DEFAULTS.withMaxAspectRatio(1e6));
        EvalPreset preset = EvalPreset.official224(224); // shorter side to 256, longer to int(256 * long / short)
        for (int w : new int[] {10900, 40000}) {
            RgbImage img = anyShape.decode(HostileImages.greyPng(w, 1), "thin" + w + ".png");
            long longer = (long) (256.0 * w / 1);
            assertThatThrownBy(() -> preset.apply(img)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("image of " + w + "x1: resizing its shorter side to 256 gives " + longer + "x256 = " + longer * 256
                            + " pixels, over the limit of 16777216 (max resize pixels)");
        }
        // the limit is the preset's input: 100x1 resizes to 25600x256 = 6553600 pixels
        RgbImage ok = anyShape.decode(HostileImages.greyPng(100, 1), "ok.png");
        assertThat(preset.resized(ok, ImageLimits.DEFAULTS.withMaxResizePixels(25600L * 256)).width()).isEqualTo(25600);
        assertThatThrownBy(() -> preset.resized(ok, ImageLimits.DEFAULTS.withMaxResizePixels(25600L * 256 - 1)))
                .hasMessageContaining("= 6553600 pixels, over the limit of 6553599");
    }

    @Test
    void a36MegapixelPngDecodesWithinTheSmallHeap() throws Exception {
        int w = 6000, h = 6000; // 36 M pixels: the old per-band getSamples took 3 int[36M] = 432 MB besides the raster
        byte[] png = HostileImages.png(w, h, 2, (y, row) -> {
            for (int x = 0; x < w; x++) {
                row[3 * x] = (byte) x;
                row[3 * x + 1] = (byte) y;
                row[3 * x + 2] = 7;
            }
        });
        RgbImage img = DECODER.decode(png, "big.png");
        assertThat(new int[] {img.width(), img.height()}).containsExactly(w, h);
        for (int[] p : new int[][] {{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}, {1234, 4321}}) {
            assertThat(new int[] {img.get(p[0], p[1], 0), img.get(p[0], p[1], 1), img.get(p[0], p[1], 2)}).as("pixel %d,%d", p[0], p[1])
                    .containsExactly(p[0] & 0xff, p[1] & 0xff, 7);
        }
        assertThat(EvalPreset.official224(224).apply(img)).hasSize(3 * 224 * 224);
    }

    @Test
    void runningOutOfMemoryInsideTheDecoderIsThatImagesError() throws Exception {
        int side = 8500; // 72 M pixels of RGBA, under the pixel limit: a 4-byte raster and the 3-byte output, 505 MB
        long needs = 7L * side * side;
        assertThat(Runtime.getRuntime().maxMemory()).as("this test needs a heap smaller than %d bytes (the hostile JVM's)", needs)
                .isLessThan(needs);
        Path f = write("huge.png", HostileImages.png(side, side, 6, (y, row) -> { }));
        assertThatThrownBy(() -> DECODER.decode(f)).isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith(f + ": out of memory decoding an image of 8500x8500 (up to "
                        + (ImageDecoder.peakBytes(side, side) >> 20) + " MiB) with a heap of ")
                .hasCauseInstanceOf(OutOfMemoryError.class);
        // and the next image decodes
        assertThat(DECODER.decode(HostileImages.greyPng(3, 2), "next.png").width()).isEqualTo(3);
    }

    @Test
    void aFileOverTheLengthLimitIsRefusedBeforeItIsRead() throws Exception {
        byte[] png = HostileImages.greyPng(5, 2);
        Path f = write("small.png", png);
        ImageDecoder d = new ImageDecoder(ImageLimits.DEFAULTS.withMaxFileBytes(png.length - 1));
        String reason = ": file of " + png.length + " bytes exceeds the limit of " + (png.length - 1) + " bytes";
        assertThatThrownBy(() -> d.decode(f)).isInstanceOf(ImageDecodeException.class).hasMessage(f + reason);
        assertThatThrownBy(() -> d.decode(png, "upload")).isInstanceOf(ImageDecodeException.class).hasMessage("upload" + reason);
        assertThat(new ImageDecoder(ImageLimits.DEFAULTS.withMaxFileBytes(png.length)).decode(f).width()).isEqualTo(5);
    }

    @Test
    void formatsPillowDoesNotOpenAreRefused() {
        byte[] wbmp = {0, 0, 2, 1, 0}; // WBMP type 0, no extension headers, 2x1, one byte of pixels: the JDK reads it
        assertThatThrownBy(() -> DECODER.decode(wbmp, "x.wbmp")).isInstanceOf(ImageDecodeException.class)
                .hasMessage("x.wbmp: unsupported image format (wbmp; not JPEG, PNG, BMP, GIF or TIFF)");
    }

    @Test
    void decodingAndPngEncodingUseNoImageIoCacheFile() throws Exception {
        java.util.Map<String, byte[]> images = new java.util.LinkedHashMap<>();
        for (String format : new String[] {"png", "jpeg", "bmp", "gif", "tiff"}) images.put(format, HostileImages.small(format));
        boolean before = javax.imageio.ImageIO.getUseCache();
        Path cache = Files.createDirectory(tmp.resolve("cache"));
        javax.imageio.ImageIO.setCacheDirectory(cache.toFile());
        Files.delete(cache); // ImageIO's streams with a cache file would fail: "Can't create cache file!"
        javax.imageio.ImageIO.setUseCache(true);
        try {
            for (var e : images.entrySet()) assertThat(DECODER.decode(e.getValue(), e.getKey()).width()).as(e.getKey()).isEqualTo(4);
            assertThat(new RgbImage(1, 1, new byte[3]).toPng()).isNotEmpty();
        } finally {
            javax.imageio.ImageIO.setCacheDirectory(null);
            javax.imageio.ImageIO.setUseCache(before);
        }
    }
}
