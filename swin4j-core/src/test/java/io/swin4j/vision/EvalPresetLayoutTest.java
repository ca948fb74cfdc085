package io.swin4j.vision;

import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * normalize's CHW layout on an image wider and taller than one pixel (VisionReferenceTest checks the levels on a
 * 1-wide column): torchvision's ToTensor puts pixel (x, y) channel c at c·H·W + y·W + x, then Normalize gives
 * (v / 255 − mean[c]) / std[c] in fp32. And the decoder's refusal of CMYK that is not JPEG.
 */
class EvalPresetLayoutTest {

    @Test
    void normalizeWritesChannelsPlanarRowMajor() {
        int w = 3, h = 2;
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 13 + 7);
        EvalPreset p = EvalPreset.named("official_224");
        float[] out = p.normalize(new RgbImage(w, h, rgb));
        assertThat(out).hasSize(3 * w * h);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = rgb[(y * w + x) * 3 + c] & 0xff;
                    float want = (v / 255f - p.mean()[c]) / p.std()[c];
                    assertThat(out[c * h * w + y * w + x]).as("c=%d y=%d x=%d", c, y, x).isEqualTo(want);
                }
            }
        }
    }

    @Test
    void cmykOtherThanJpegIsRefused() {
        // Pillow 9.4 writes cmyk.tif as mode CMYK (tools/reference/make_decoder_fixtures.py); only JPEG CMYK is converted
        assertThatThrownBy(() -> new ImageDecoder().decode(Fixtures.root().resolve("decoder/markers/cmyk.tif")))
                .isInstanceOf(ImageDecodeException.class).hasMessageEndingWith("cmyk.tif: CMYK images other than JPEG are not supported");
    }
}
