package io.swin4j.weights;

import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.TinySegmenters;
import io.swin4j.vision.SegmentationPreset;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A segmentation file's card as loading reads it: class names counted against the segmentation model's classes (not
 * the backbone config's, which a segmenter ignores), and the test preset it carries, used by the predictor.
 */
class SegmentationCardLoadTest {

    @TempDir
    Path tmp;

    private static SegmentationConfig configWith1000ClassBackbone() {
        SegmentationConfig c = TinySegmenters.config();
        return c.withBackbone(c.backbone().toBuilder().optNumClasses(1000).build());
    }

    private static Map<String, HostTensor> tensors(SegmentationConfig c) {
        try (SwinSegmenter m = SwinSegmenter.create(c, 3)) {
            return new LinkedHashMap<>(m.parameters().toHost());
        }
    }

    private static ModelCard card(SegmentationConfig c, SegmentationPreset preset) {
        return new ModelCard(c.backbone(), Layout.CANONICAL, ModelCard.defaultPreset(Layout.CANONICAL, c.backbone()),
                TinySegmenters.CLASSES, new SegmentationCard(c, TinySegmenters.PALETTE, SegmentationMode.whole(), preset));
    }

    @Test
    void classNamesAreCheckedAgainstTheSegmentersClassesNotTheBackbones() throws Exception {
        SegmentationConfig c = configWith1000ClassBackbone();
        Path file = tmp.resolve("seg.safetensors");
        SwinWeights.save(file, card(c, null), tensors(c), "F32");
        SwinWeights w = SwinWeights.load(file);
        assertThat(w.config().numClasses()).isEqualTo(1000);
        assertThat(w.segmentationConfig().numClasses()).isEqualTo(5);
        assertThat(w.card().classNames()).isEqualTo(TinySegmenters.CLASSES);
        assertThat(SegmentationPredictor.defaultPreset(w)).as("no saved preset: a swin4j model's native size")
                .isEqualTo(SegmentationPreset.nativeSize());

        // names that do not match the segmenter's 5 classes are still refused, naming the count that matters
        Map<String, String> meta = new LinkedHashMap<>(card(c, null).toMetadata());
        meta.put(ModelCard.META_LABELS, "[\"a\",\"b\",\"c\"]");
        Path bad = tmp.resolve("bad.safetensors");
        Safetensors.write(bad, tensors(c), meta, "F32");
        assertThatThrownBy(() -> SwinWeights.load(bad)).hasMessageContaining("3 class names for a model of 5 classes");
    }

    @Test
    void theCardsPresetRoundTripsAndIsThePredictorsDefault() throws Exception {
        SegmentationConfig c = TinySegmenters.config();
        SegmentationPreset preset = new SegmentationPreset("trained_96x64", new int[] {96, 64}, new double[] {120.5, 110, 100.25},
                new double[] {60, 55.5, 50});
        Path file = tmp.resolve("preset.safetensors");
        SwinWeights.save(file, card(c, preset), tensors(c), "F32");
        SwinWeights w = SwinWeights.load(file);
        assertThat(w.card().segmentation().preset()).isEqualTo(preset);
        assertThat(SegmentationPredictor.defaultPreset(w)).isEqualTo(preset);
        try (SegmentationPredictor p = SegmentationPredictor.builder(w).build()) {
            assertThat(p.preset()).isEqualTo(preset);
        }

        Map<String, String> meta = new LinkedHashMap<>(card(c, preset).toMetadata());
        meta.put(ModelCard.META_SEGMENTATION, meta.get(ModelCard.META_SEGMENTATION).replace("[60.0,55.5,50.0]", "[60.0,0.0,50.0]"));
        assertThatThrownBy(() -> ModelCard.savedSegmentation(meta, c.backbone(), "f"))
                .hasMessageContaining("preset.std[1] must be a number");
        meta.put(ModelCard.META_SEGMENTATION, meta.get(ModelCard.META_SEGMENTATION).replace("[96,64]", "[96]"));
        assertThatThrownBy(() -> ModelCard.savedSegmentation(meta, c.backbone(), "f"))
                .hasMessageContaining("preset.scale must be [long, short] or null");
    }
}
