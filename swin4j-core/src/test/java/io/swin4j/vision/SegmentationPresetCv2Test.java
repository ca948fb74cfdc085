package io.swin4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The preset's resize is mmseg's {@code Resize(keep_ratio=True)} (cv2 {@code INTER_LINEAR}) bit for bit: the resized
 * images of fixtures/seg_augment (tools/reference/make_seg_augment_fixtures.py, mmseg's own transform) at each case's
 * scale, enlarging and shrinking.
 */
class SegmentationPresetCv2Test {

    private static final Path DIR = Fixtures.root().resolve("seg_augment");
    private static final JsonNode CASES = Fixtures.json(DIR.resolve("cases.json"));
    private static final ImageDecoder DECODER = new ImageDecoder();

    @Test
    void resizedEqualsMmsegResizeBitForBit() throws IOException {
        int cases = 0, shrunk = 0, enlarged = 0;
        for (JsonNode k : CASES.get("resize")) {
            RgbImage in = DECODER.decode(DIR.resolve(CASES.get("inputs").get(k.get("input").asText()).get("image").asText()));
            RgbImage expected = DECODER.decode(DIR.resolve(k.get("image").asText()));
            SegmentationPreset p = SegmentationPreset.mmseg(k.get("scale").get(0).asInt(), k.get("scale").get(1).asInt());
            RgbImage out = p.resized(in, ImageLimits.DEFAULTS);
            assertThat(new int[] {out.width(), out.height()}).as("case %d size", cases)
                    .containsExactly(expected.width(), expected.height());
            assertThat(out.rgb()).as("case %d pixels (%dx%d -> %dx%d)", cases, in.width(), in.height(), out.width(), out.height())
                    .isEqualTo(expected.rgb());
            if (out.width() < in.width()) shrunk++;
            if (out.width() > in.width()) enlarged++;
            cases++;
        }
        assertThat(cases).isGreaterThan(5);
        assertThat(shrunk).as("cases that shrink").isPositive();
        assertThat(enlarged).as("cases that enlarge").isPositive();
    }
}
