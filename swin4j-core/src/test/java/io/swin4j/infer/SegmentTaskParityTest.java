package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.model.SegmentationMode;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.SegmentationPreset;
import io.swin4j.weights.SwinWeights;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The segment task against mmseg's own test-time inference (tools/reference/make_segment_task_fixtures.py): the
 * official seg repo's EncoderDecoder with rescale=True on fixtures/upernet_checkpoints/official_seg.pth, whole and
 * slide, with and without flip, at img_scale 96x64 (the 61x45 image is enlarged, the logits resized back to it).
 */
class SegmentTaskParityTest {

    /** A probability gap between the two best classes under which fp32 rounding may swap them. */
    private static final float NEAR_TIE = 1e-5f;


    static final Path DIR = Fixtures.root().resolve("segment_task");
    static final Path CKPT = Fixtures.root().resolve("upernet_checkpoints").resolve("official_seg.pth");

    @Test
    void aForeignCheckpointGetsMmsegsTestScaleAndItsOwnSlideMode() throws Exception {
        SwinWeights w = SwinWeights.load(CKPT);
        assertThat(SegmentationPredictor.defaultPreset(w)).isEqualTo(SegmentationPreset.mmseg(2048, 512));
        assertThat(w.card().segmentationMode()).isEqualTo(SegmentationMode.slide(64, 56, 36, 30));
    }

    @Test
    void labelMapsEqualMmsegsInferenceWithRescale() throws Exception {
        JsonNode meta = Fixtures.json(DIR.resolve("meta.json"));
        SegmentationPreset preset = SegmentationPreset.mmseg(meta.get("scale").get(0).asInt(), meta.get("scale").get(1).asInt());
        var image = new ImageDecoder().decode(DIR.resolve("image.png"));
        SegmentationPreset.Input in = preset.apply(image, ImageLimits.DEFAULTS);
        assertThat(new int[] {in.width(), in.height()}).containsExactly(meta.get("resized").get(0).asInt(),
                meta.get("resized").get(1).asInt());
        Fixtures.assertClose("preprocessed input", in.chw(), Fixtures.npy(DIR.resolve("input.npy")).data());

        var cases = meta.get("cases").fields();
        while (cases.hasNext()) {
            var e = cases.next();
            JsonNode c = e.getValue();
            SegmentationMode mode = c.get("mode").asText().equals("whole") ? SegmentationMode.whole()
                    : SegmentationMode.slide(c.get("crop").get(0).asInt(), c.get("crop").get(1).asInt(),
                    c.get("stride").get(0).asInt(), c.get("stride").get(1).asInt());
            mode = mode.optFlip(c.get("flip").asBoolean());
            try (SegmentationPredictor p = SegmentationPredictor.builder(CKPT).optPreset(preset).optMode(mode).build()) {
                Segmentation s = p.segment(DIR.resolve("image.png"));
                float[] want = Fixtures.npy(DIR.resolve(e.getKey() + "_labels.npy")).data();
                assertThat(s.width()).isEqualTo(61);
                assertThat(s.height()).isEqualTo(45);
                float[] gap = Fixtures.npy(DIR.resolve(e.getKey() + "_gap.npy")).data();
                int differ = 0, farFromTie = 0;
                for (int i = 0; i < want.length; i++) {
                    if ((s.labels().labels()[i] & 0xff) != (int) want[i]) {
                        differ++;
                        if (gap[i] >= NEAR_TIE) farFromTie++;
                    }
                }
                System.out.printf("segment task %-10s %d of %d pixels differ from mmseg (min top-2 gap %.1e)%n",
                        e.getKey(), differ, want.length, c.get("min_top2_gap").asDouble());
                // Only a pixel whose two best classes are within fp32 noise of a tie may go either way (none do here)
                assertThat(farFromTie).as(e.getKey() + ": pixels off mmseg's class though not near a tie").isZero();
                assertThat(differ).as(e.getKey() + ": pixels whose class differs from mmseg's").isLessThanOrEqualTo(2);
                // one class resized at a time (the path of large images): the same labels
                Segmentation grouped = p.pipeline(p.segmentTask().withRescaleBudget(4))
                        .runOne(io.swin4j.pipeline.ImageSource.file(DIR.resolve("image.png")));
                assertThat(grouped.labels().labels()).as(e.getKey() + " grouped").isEqualTo(s.labels().labels());
                double[] fractions = s.fractions();
                for (int k = 0; k < 5; k++) {
                    int count = 0;
                    for (float v : want) if ((int) v == k) count++;
                    assertThat(fractions[k]).isEqualTo(count / (double) want.length);
                }
            }
        }
    }
}
