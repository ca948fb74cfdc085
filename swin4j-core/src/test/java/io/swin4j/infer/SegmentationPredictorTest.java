package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.pipeline.Result;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.TinySegmenters;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.LabelMap;
import io.swin4j.vision.RgbImage;
import io.swin4j.vision.SegmentationPreset;
import io.swin4j.weights.SwinWeights;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The segment task against the model's own outputs, computed directly; failures in place; its JSON. */
class SegmentationPredictorTest {

    @TempDir
    static Path tmp;
    static Path weights, image, other;

    @BeforeAll
    static void setUp() throws Exception {
        weights = TinySegmenters.write(tmp.resolve("tiny_upernet.safetensors"), 7);
        image = TinySegmenters.png(tmp.resolve("street.png"), 53, 37, 1);
        other = TinySegmenters.png(tmp.resolve("other.png"), 40, 44, 2);
    }

    /** mmseg's {@code rescale=True}: the logits at the model's input, resized bilinearly (align_corners false) to the image, argmax. */
    @Test
    void labelMapIsTheArgmaxOfTheLogitsResizedToTheImage() throws Exception {
        SegmentationPreset preset = SegmentationPreset.mmseg(96, 64); // 53x37 -> 92x64
        try (SegmentationPredictor p = SegmentationPredictor.builder(weights).optPreset(preset)
                .optMode(SegmentationMode.whole()).build()) {
            LabelMap got = p.segment(image).labels();
            assertThat(got.width()).isEqualTo(53);
            assertThat(got.height()).isEqualTo(37);

            RgbImage img = new ImageDecoder().decode(image);
            SegmentationPreset.Input in = preset.apply(img, ImageLimits.DEFAULTS);
            assertThat(in.width()).isEqualTo(92);
            HostTensor logits;
            try (SwinSegmenter model = SwinWeights.load(weights).createSegmenter(); PointerScope s = new PointerScope()) {
                logits = Tensors.toHost(model.forward(Tensors.fromFloats(in.chw(), 1, 3, in.height(), in.width())));
            }
            float[][] resized = bilinear(logits, 37, 53);
            int decided = 0;
            java.util.Set<Integer> classes = new java.util.HashSet<>();
            for (int i = 0; i < 37 * 53; i++) {
                int best = 0, second = -1;
                for (int k = 1; k < resized.length; k++) if (resized[k][i] > resized[best][i]) best = k;
                for (int k = 0; k < resized.length; k++) if (k != best && (second < 0 || resized[k][i] > resized[second][i])) second = k;
                if (resized[best][i] - resized[second][i] < 1e-4) continue; // a near tie: either answer is right
                decided++;
                classes.add(best);
                assertThat(got.labels()[i] & 0xff).as("pixel %d", i).isEqualTo(best);
            }
            assertThat(decided).isGreaterThan(37 * 53 * 99 / 100);
            assertThat(classes).as("the tiny model predicts several classes").hasSizeGreaterThan(1);
        }
    }

    /** At the native size (no rescale), whole or slide with flip: the argmax of {@link SwinSegmenter#predict}'s probabilities. */
    @Test
    void slideAndFlipAtNativeSizeAgreeWithThePredictedProbabilities() throws Exception {
        SegmentationMode slideFlip = SegmentationMode.slide(24, 32, 16, 20).optFlip(true);
        for (SegmentationMode mode : List.of(SegmentationMode.whole().optFlip(true), slideFlip)) {
            try (SegmentationPredictor p = SegmentationPredictor.builder(weights).optMode(mode).build()) {
                assertThat(p.preset()).as("a swin4j card: native size").isEqualTo(SegmentationPreset.nativeSize());
                LabelMap got = p.segment(image).labels();
                RgbImage img = new ImageDecoder().decode(image);
                float[] chw = p.preset().apply(img, ImageLimits.DEFAULTS).chw();
                HostTensor probs;
                try (SwinSegmenter model = SwinWeights.load(weights).createSegmenter(); PointerScope s = new PointerScope()) {
                    probs = Tensors.toHost(model.predict(Tensors.fromFloats(chw, 1, 3, 37, 53), mode));
                }
                int n = 37 * 53, k = (int) probs.dim(1);
                for (int i = 0; i < n; i++) {
                    int best = 0;
                    for (int c = 1; c < k; c++) if (probs.data()[c * n + i] > probs.data()[best * n + i]) best = c;
                    assertThat(got.labels()[i] & 0xff).as(mode + " pixel %d", i).isEqualTo(best);
                }
            }
        }
    }

    @Test
    void aCorruptFileFailsInPlaceAndTheOthersGoOn() throws Exception {
        Path corrupt = Files.write(tmp.resolve("corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        try (SegmentationPredictor p = SegmentationPredictor.builder(weights).optBatchSize(4).build()) {
            List<String> streamed = new ArrayList<>();
            List<Result<Segmentation>> all = p.segmentAll(List.of(image, corrupt, other, image), r -> streamed.add(r.source()));
            assertThat(all).extracting(Result::source).containsExactly(image.toString(), corrupt.toString(), other.toString(),
                    image.toString());
            assertThat(streamed).containsExactly(image.toString(), corrupt.toString(), other.toString(), image.toString());
            assertThat(all.get(1).ok()).isFalse();
            assertThat(all.get(1).error()).startsWith(corrupt.toString() + ":");
            assertThat(all.get(0).value().labels().labels()).isEqualTo(p.segment(image).labels().labels());
            assertThat(all.get(3).value().labels().labels()).isEqualTo(all.get(0).value().labels().labels());
            Segmentation o = all.get(2).value();
            assertThat(o.width()).isEqualTo(40);
            assertThat(o.height()).isEqualTo(44);
            assertThat(o.labels().labels()).isEqualTo(p.segment(other).labels().labels());
        }
    }

    @Test
    void jsonHoldsThePresentClassesAndTheLabelPng() throws Exception {
        try (SegmentationPredictor p = SegmentationPredictor.builder(weights).build()) {
            SegmentTask task = p.segmentTask().withLabelPng(true);
            Segmentation s = p.pipeline(task).runOne(io.swin4j.pipeline.ImageSource.file(image));
            JsonNode o = ResultJson.entry(Result.ok("street.png", s), task);
            List<String> fields = new ArrayList<>();
            o.fieldNames().forEachRemaining(fields::add);
            assertThat(fields).containsExactly("name", "width", "height", "classes", "label_png");
            assertThat(o.get("width").asInt()).isEqualTo(53);
            double sum = 0, last = 2;
            double[] fractions = s.fractions();
            for (JsonNode c : o.get("classes")) {
                int index = c.get("index").asInt();
                assertThat(c.get("label").asText()).isEqualTo(TinySegmenters.CLASSES.get(index));
                int[] rgb = TinySegmenters.PALETTE[index];
                assertThat(c.get("color").asText()).isEqualTo(String.format("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]));
                assertThat(c.get("fraction").asDouble()).isEqualTo(fractions[index]).isPositive().isLessThanOrEqualTo(last);
                last = c.get("fraction").asDouble();
                sum += last;
            }
            assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(o.get("label_png").asText())));
            assertThat(((DataBufferByte) png.getRaster().getDataBuffer()).getData()).isEqualTo(s.labels().labels());

            String line = ResultJson.line(Result.ok("street.png", s), p.segmentTask());
            assertThat(line).startsWith("{\"path\":\"street.png\",\"width\":53,\"height\":37,\"classes\":[").doesNotContain("label_png");
        }
    }

    @Test
    void aClassifierCheckpointIsRefused() {
        assertThatThrownBy(() -> SegmentationPredictor.builder(BundledModel.path()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a segmentation");
    }

    /**
     * Large images resize the logits a group of classes at a time: with the budget lowered to one class per group the
     * label maps equal the full resize's (without flip exactly by construction; with flip through the online softmax).
     */
    @Test
    void resizingAGroupOfClassesAtATimeGivesTheSameLabels() throws Exception {
        SegmentationPreset preset = SegmentationPreset.mmseg(96, 64);
        List<SegmentationMode> modes = List.of(SegmentationMode.whole(), SegmentationMode.whole().optFlip(true),
                SegmentationMode.slide(40, 48, 24, 30).optFlip(true));
        for (SegmentationMode mode : modes) {
            try (SegmentationPredictor p = SegmentationPredictor.builder(weights).optPreset(preset).optMode(mode).build()) {
                SegmentTask full = p.segmentTask();
                for (long budget : new long[] {1, 2L * 37 * 53 + 1}) { // one class per group; two (the last group: one)
                    SegmentTask grouped = full.withRescaleBudget(mode.flip() ? 4 * budget : budget);
                    for (Path img : List.of(image, other)) {
                        var source = io.swin4j.pipeline.ImageSource.file(img);
                        assertThat(p.pipeline(grouped).runOne(source).labels().labels()).as(mode + " budget " + budget)
                                .isEqualTo(p.pipeline(full).runOne(source).labels().labels());
                    }
                }
            }
        }
    }

    /** torch's upsample_bilinear2d, align_corners false, written out: (K, h·w) of a (1, K, H, W) map. */
    static float[][] bilinear(HostTensor t, int h, int w) {
        int k = (int) t.dim(1), ih = (int) t.dim(2), iw = (int) t.dim(3);
        float[] d = t.data();
        float[][] out = new float[k][h * w];
        double sh = (double) ih / h, sw = (double) iw / w;
        for (int y = 0; y < h; y++) {
            double sy = Math.max(0, (y + 0.5) * sh - 0.5);
            int y0 = (int) sy, y1 = Math.min(y0 + 1, ih - 1);
            double ly = sy - y0;
            for (int x = 0; x < w; x++) {
                double sx = Math.max(0, (x + 0.5) * sw - 0.5);
                int x0 = (int) sx, x1 = Math.min(x0 + 1, iw - 1);
                double lx = sx - x0;
                for (int c = 0; c < k; c++) {
                    int base = c * ih * iw;
                    out[c][y * w + x] = (float) ((1 - ly) * ((1 - lx) * d[base + y0 * iw + x0] + lx * d[base + y0 * iw + x1])
                            + ly * ((1 - lx) * d[base + y1 * iw + x0] + lx * d[base + y1 * iw + x1]));
                }
            }
        }
        return out;
    }
}
