package io.swin4j.weights;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.layout.Layout;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logits of the model each segmentation layout loads into, against the reference EncoderDecoder that wrote the
 * fixtures (tools/reference/make_upernet_checkpoint_fixtures.py), rel 1e-5. mmseg layouts run at their own size rule
 * (PADDED) on a non-square input that is no multiple of 32; the HF layout at its own rule (OFFICIAL: windows shrink)
 * where the two rules agree (every stage map larger than the window), and at PADDED on the first input.
 */
class SegmentationLayoutParityTest {

    private static final Map<Layout, Path> FILES = SegmentationCheckpointsTest.FILES;

    /** x[0, c, h, w] = float32((31 h + 17 w + 7 c) mod 97) / 97 − 0.5, as the generator computes it. */
    static float[] input(int h, int w) {
        float[] x = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) x[(c * h + i) * w + j] = (float) ((31 * i + 17 * j + 7 * c) % 97) / 97f - 0.5f;
            }
        }
        return x;
    }

    private static float[] logits(SwinSegmenter model, int h, int w) {
        try (Tensor x = Tensors.fromFloats(input(h, w), 1, 3, h, w); Tensor y = model.forward(x)) {
            return Tensors.toFloats(y);
        }
    }

    @Test
    void wholeModeLogitsOfEveryLayoutMatchTheReference() throws Exception {
        HostTensor expected = Fixtures.npy(SegmentationCheckpointsTest.dir().resolve("whole_logits.npy"));
        for (Map.Entry<Layout, Path> e : FILES.entrySet()) {
            SwinWeights w = SwinWeights.load(e.getValue());
            if (e.getKey() == Layout.HF_UPERNET) {
                // the same tensors at the official seg repo's size rule: the conversion is exact at any size
                SegmentationConfig padded = w.segmentationConfig().withBackbone(
                        w.config().toBuilder().optSizeRule(SizeRule.PADDED).build());
                try (SwinSegmenter m = SwinSegmenter.fromWeights(padded, w.tensors(), false, 0)) {
                    Fixtures.assertClose("HF_UPERNET at PADDED", logits(m, 100, 76), expected.data());
                }
                // at this size HF's own rule is another computation (stages 2-3 are smaller than the window)
                try (SwinSegmenter m = w.createSegmenter()) {
                    assertThat(Fixtures.relativeError(logits(m, 100, 76), expected.data())).isGreaterThan(1e-3);
                }
                continue;
            }
            try (SwinSegmenter m = w.createSegmenter()) {
                Fixtures.assertClose(e.getKey().name(), logits(m, 100, 76), expected.data());
            }
        }
    }

    @Test
    void hfLayoutAtItsOwnSizeRuleMatchesWhereTheRulesAgree() throws Exception {
        HostTensor expected = Fixtures.npy(SegmentationCheckpointsTest.dir().resolve("agree_logits_sub4.npy"));
        for (Layout layout : new Layout[] {Layout.HF_UPERNET, Layout.MMSEG}) {
            SwinWeights w = SwinWeights.load(FILES.get(layout));
            float[] full;
            try (SwinSegmenter m = w.createSegmenter()) {
                full = logits(m, 232, 228);
            }
            int k = (int) expected.dim(1), h = (int) expected.dim(2), wd = (int) expected.dim(3);
            float[] sub = new float[k * h * wd];
            for (int c = 0; c < k; c++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) sub[(c * h + i) * wd + j] = full[(c * 232 + 4 * i) * 228 + 4 * j];
                }
            }
            Fixtures.assertClose(layout + " at " + w.config().sizeRule(), sub, expected.data());
        }
    }
}
