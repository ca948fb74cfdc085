package io.swin4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * mmseg's test transform against mmcv's own {@code rescale_size} and {@code imnormalize}
 * (fixtures/segmentation_preset, tools/reference/make_segmentation_preset_fixtures.py).
 */
class SegmentationPresetTest {

    private static final JsonNode CASES = Fixtures.json(Fixtures.root().resolve("segmentation_preset/cases.json"));

    @Test
    void targetSizeIsMmcvRescaleSize() {
        int n = 0;
        for (JsonNode c : CASES.get("rescale")) {
            JsonNode s = c.get("scale");
            SegmentationPreset p = SegmentationPreset.mmseg(s.get(0).asInt(), s.get(1).asInt());
            int[] out = p.targetSize(c.get("size").get(0).asInt(), c.get("size").get(1).asInt());
            assertThat(out).as("%s", c).containsExactly(c.get("out").get(0).asInt(), c.get("out").get(1).asInt());
            n++;
        }
        assertThat(n).isGreaterThan(100);
    }

    @Test
    void normalizeIsMmcvImnormalizeBitForBit() {
        int w = CASES.get("width").asInt(), h = CASES.get("height").asInt();
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) CASES.get("image").get(i).asInt();
        float[] chw = SegmentationPreset.mmseg(2048, 512).normalize(new RgbImage(w, h, rgb));
        JsonNode hwc = CASES.get("normalized_hwc");
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) {
                assertThat(chw[c * w * h + i]).as("pixel %d channel %d", i, c).isEqualTo(hwc.get(i * 3 + c).floatValue());
            }
        }
    }

    @Test
    void nativeSizeKeepsTheImageAndApplyReportsTheSize() {
        RgbImage img = new RgbImage(7, 3, new byte[63]);
        SegmentationPreset.Input in = SegmentationPreset.nativeSize().apply(img, ImageLimits.DEFAULTS);
        assertThat(in.width()).isEqualTo(7);
        assertThat(in.height()).isEqualTo(3);
        assertThat(in.chw()).hasSize(63);
        SegmentationPreset.Input up = SegmentationPreset.mmseg(2048, 512).apply(new RgbImage(8, 4, new byte[96]), ImageLimits.DEFAULTS);
        assertThat(new int[] {up.width(), up.height()}).containsExactly(1024, 512);
    }

    @Test
    void refusesAResizeOverTheLimit() {
        RgbImage thin = new RgbImage(1, 60, new byte[180]);
        assertThatThrownBy(() -> SegmentationPreset.mmseg(2048, 512).resized(thin, ImageLimits.DEFAULTS.withMaxResizePixels(1000)))
                .hasMessageContaining("image of 1x60").hasMessageContaining("max resize pixels");
    }
}
