package io.swin4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Decoder paths beyond fixtures/vision, each against Pillow 9.4's convert('RGB') (tools/reference/make_decoder_fixtures.py):
 * JPEGs with an embedded ICC profile (which Pillow never applies), 2- and 4-bit grey and 16-bit RGB PNGs; and the
 * decoder's own limits and refusals.
 */
class DecoderPathsTest {

    private static final Path DIR = Fixtures.root().resolve("decoder");

    private static String sha(RgbImage img) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(img.rgb()));
    }

    @Test
    void iccJpegsAndUnusualBitDepthsDecodeAsPillowConvertRgb() throws Exception {
        JsonNode expected = Fixtures.json(DIR.resolve("expected.json")).get("decode");
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); n++) {
            Map.Entry<String, JsonNode> e = it.next();
            RgbImage img = new ImageDecoder().decode(DIR.resolve(e.getKey()));
            assertThat(new int[] {img.width(), img.height()}).as(e.getKey())
                    .containsExactly(e.getValue().get("size").get(0).asInt(), e.getValue().get("size").get(1).asInt());
            assertThat(sha(img)).as(e.getKey() + " pixels").isEqualTo(e.getValue().get("sha256").asText());
        }
        assertThat(n).isEqualTo(6);
    }

    @Test
    void thePixelLimitIsInclusive() throws Exception {
        byte[] png = Files.readAllBytes(DIR.resolve("gray4.png")); // 9 x 5 = 45 pixels
        assertThat(new ImageDecoder(45).decode(png, "g").width()).isEqualTo(9);
        assertThatThrownBy(() -> new ImageDecoder(44).decode(png, "g.png")).isInstanceOf(ImageDecodeException.class)
                .hasMessage("g.png: image of 9x5 = 45 pixels exceeds the limit of 44 (possible decompression bomb)");
        assertThat(new ImageDecoder(44).maxPixels()).isEqualTo(44);
        assertThat(new ImageDecoder().maxPixels()).isEqualTo(89_478_485L);
        assertThat(new ImageDecoder(1).maxPixels()).isEqualTo(1);
        assertThatThrownBy(() -> new ImageDecoder(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max pixels must be >= 1, got 0");
    }

    @Test
    void unreadableInputsAreNamedWithTheReason(@TempDir Path tmp) throws Exception {
        ImageDecoder d = new ImageDecoder();
        assertThatThrownBy(() -> d.decode(tmp.resolve("missing.png"))).isInstanceOf(ImageDecodeException.class)
                .hasMessage(tmp.resolve("missing.png") + ": no such file");
        assertThatThrownBy(() -> d.decode(tmp)).isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith(tmp + ": cannot read: ");
        assertThatThrownBy(() -> d.decode(new byte[0], "e")).hasMessage("e: empty file");
        // (0xFF 0xD8 always finds the JDK's JPEG reader, which then fails to read: "corrupt or truncated")
        assertThatThrownBy(() -> d.decode(new byte[] {(byte) 0xff, (byte) 0xd8}, "j"))
                .hasMessageStartingWith("j: corrupt or truncated image (");
        assertThatThrownBy(() -> d.decode(new byte[] {(byte) 0xff}, "k"))
                .hasMessage("k: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)");
        assertThatThrownBy(() -> d.decode(new byte[] {(byte) 0xfe, (byte) 0xd8}, "k"))
                .hasMessage("k: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)");
        assertThatThrownBy(() -> d.decode("RIFF\0\0\0\0WEBP".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "w"))
                .hasMessage("w: unsupported image format (WebP is not supported)");
        assertThatThrownBy(() -> d.decode("RIFF\0\0\0\0WEBQ".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "w"))
                .hasMessage("w: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)");
        assertThatThrownBy(() -> d.decode("RIFF\0\0\0\0WEB".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "w"))
                .hasMessage("w: unsupported image format (not JPEG, PNG, BMP, GIF or TIFF)");
    }

    @Test
    void rgbImagesCheckTheirSizeAndReadUnsignedChannels() {
        RgbImage img = new RgbImage(2, 1, new byte[] {(byte) 200, 1, 2, 3, 4, (byte) 255});
        assertThat(img.get(0, 0, 0)).isEqualTo(200);
        assertThat(img.get(1, 0, 2)).isEqualTo(255);
        assertThat(img.get(1, 0, 0)).isEqualTo(3);
        assertThatThrownBy(() -> new RgbImage(2, 1, new byte[5])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RGB image 2x1 needs 6 bytes, got 5");
        assertThatThrownBy(() -> new RgbImage(0, 1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RgbImage(1, 0, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resizeRefusesEmptyTargetsAndCopiesSameSizeImages() {
        RgbImage img = new RgbImage(1, 1, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> PillowResize.resize(img, 0, 1, PillowResize.Filter.BICUBIC))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("target size must be positive: 0x1");
        assertThatThrownBy(() -> PillowResize.resize(img, 1, 0, PillowResize.Filter.NEAREST))
                .hasMessage("target size must be positive: 1x0");
        RgbImage same = PillowResize.resize(img, 1, 1, PillowResize.Filter.BILINEAR);
        assertThat(same.rgb()).containsExactly(1, 2, 3).isNotSameAs(img.rgb());
    }

    @Test
    void filterKernelsArePillowsTriangleAndKeysCubic() {
        // Pillow Resample.c: bilinear 1 − |x| on [0, 1); bicubic (a = −0.5) on [0, 1) and [1, 2), zero beyond
        for (double x : new double[] {0, 0.25, 0.5, 0.999, 1, 1.5, 2, 2.5}) {
            double ax = Math.abs(x), a = -0.5;
            double tri = ax < 1 ? 1 - ax : 0;
            double cub = ax < 1 ? ((a + 2) * ax - (a + 3)) * ax * ax + 1 : ax < 2 ? (((ax - 5) * ax + 8) * ax - 4) * a : 0;
            assertThat(PillowResize.Filter.BILINEAR.weight(x)).as("bilinear %s", x).isEqualTo(tri);
            assertThat(PillowResize.Filter.BILINEAR.weight(-x)).isEqualTo(tri);
            assertThat(PillowResize.Filter.BICUBIC.weight(x)).as("bicubic %s", x).isEqualTo(cub);
            assertThat(PillowResize.Filter.BICUBIC.weight(-x)).isEqualTo(cub);
        }
        assertThat(PillowResize.Filter.BICUBIC.weight(1)).isZero();
        assertThat(PillowResize.Filter.BICUBIC.weight(2)).isZero();
        assertThatThrownBy(() -> PillowResize.Filter.NEAREST.weight(0)).isInstanceOf(IllegalStateException.class);
    }
}
