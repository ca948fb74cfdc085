package io.swin4j.weights;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;
import io.swin4j.weights.layout.SegmentationKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The segmentation layouts go through each family's own backbone adapters: a V2 or Swin-MLP backbone's segmentation
 * state dict loads (family, config and heads inferred) and converts to the layouts its family has.
 */
class SegmentationFamiliesTest {

    @TempDir
    Path tmp;

    private static Map<String, HostTensor> random(SegmentationConfig c) {
        SplittableRandom r = new SplittableRandom(3);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        SegmentationKeys.expected(c).forEach((k, shape) -> {
            float[] d = new float[(int) HostTensor.numel(shape)];
            for (int i = 0; i < d.length; i++) d[i] = (float) r.nextDouble(-1, 1);
            out.put(k, new HostTensor(shape, d, "F32"));
        });
        return out;
    }

    private SwinWeights roundTrip(SwinConfig backbone, String name) throws Exception {
        SegmentationConfig c = new SegmentationConfig(backbone, 6, 16, new int[] {1, 2, 3, 6}, false, 0.1, 8, 1, 0.4);
        Map<String, HostTensor> t = random(c);
        Path p = tmp.resolve(name + ".safetensors");
        Safetensors.write(p, t, Map.of("format", "pt"), "F32");
        SwinWeights w = SwinWeights.load(p);
        assertThat(w.layout()).isEqualTo(Layout.SEG_OFFICIAL);
        assertThat(w.family()).isEqualTo(backbone.family());
        assertThat(w.config().embedDim()).isEqualTo(backbone.embedDim());
        assertThat(w.config().depths()).isEqualTo(backbone.depths());
        assertThat(w.config().numHeads()).isEqualTo(backbone.numHeads());
        assertThat(w.config().windowSize()).isEqualTo(backbone.windowSize());
        assertThat(w.segmentationConfig().withBackbone(backbone)).isEqualTo(c);
        for (String k : t.keySet()) assertThat(w.tensors().get(k).data()).as(k).isEqualTo(t.get(k).data());
        return w;
    }

    @Test
    void aV2BackboneLoadsAndConvertsThroughTheV2Adapters() throws Exception {
        SwinConfig v2 = SwinConfig.builder().optFamily(SwinConfig.Family.V2).optEmbedDim(8).optDepths(2, 2, 2, 2)
                .optNumHeads(1, 2, 2, 4).optWindowSize(8).optNumClasses(0).optSizeRule(SizeRule.PADDED)
                .optPretrainedWindowSizes(0, 0, 0, 0).build();
        SwinWeights w = roundTrip(v2, "v2");
        Path hf = tmp.resolve("v2_hf.safetensors");
        w.saveAs(hf, Layout.HF_UPERNET, "F32");
        SwinWeights back = SwinWeights.load(hf);
        assertThat(back.layout()).isEqualTo(Layout.HF_UPERNET);
        assertThat(back.tensors().keySet()).isEqualTo(w.tensors().keySet());
        for (String k : w.tensors().keySet()) assertThat(back.tensors().get(k).data()).as(k).isEqualTo(w.tensors().get(k).data());
        // V2 has no mmdet/mmseg adapter: named, not guessed
        assertThatThrownBy(() -> w.saveAs(tmp.resolve("v2_mm.safetensors"), Layout.MMSEG, "F32"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no MMDET layout");
    }

    @Test
    void aSwinMlpBackboneLoads() throws Exception {
        SwinConfig mlp = SwinConfig.builder().optFamily(SwinConfig.Family.MLP).optEmbedDim(8).optDepths(2, 2, 2, 2)
                .optNumHeads(1, 2, 2, 4).optWindowSize(7).optNumClasses(0).optSizeRule(SizeRule.PADDED).build();
        roundTrip(mlp, "mlp");
    }
}
