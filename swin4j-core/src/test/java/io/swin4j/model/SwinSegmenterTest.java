package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.SizeRule;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link SwinSegmenter}'s policies and modes without a reference: BatchNorm buffers are never trained, the recipe's
 * weight-decay set and groups, mmseg's initialisation, dropout only in training, eval leaving running statistics alone,
 * and every backbone family accepted.
 */
class SwinSegmenterTest {

    static final SwinConfig TINY = SwinConfig.builder().optName("seg_tiny").optEmbedDim(8).optDepths(2, 2, 2, 2)
            .optNumHeads(1, 2, 2, 4).optWindowSize(4).optNumClasses(0).optDropPathRate(0)
            .optSizeRule(SizeRule.PADDED).build();

    static SegmentationConfig config(SwinConfig backbone) {
        return new SegmentationConfig(backbone, 3, 16, new int[] {1, 2, 3, 6}, false, 0.1, 8, 2, 0.4);
    }

    @Test
    void upernetDefaultsAreMmsegs() {
        SegmentationConfig c = SegmentationConfig.upernet(SwinConfig.preset("swin_tiny_patch4_window7_224"), 150);
        assertThat(c.channels()).isEqualTo(512);
        assertThat(c.poolScales()).containsExactly(1, 2, 3, 6);
        assertThat(c.alignCorners()).isFalse();
        assertThat(c.dropout()).isEqualTo(0.1);
        assertThat(c.auxChannels()).isEqualTo(256);
        assertThat(c.auxInIndex()).isEqualTo(2);
        assertThat(c.auxLossWeight()).isEqualTo(0.4);
        assertThat(c.hasAuxiliary()).isTrue();
        assertThat(c.inChannels()).containsExactly(96, 192, 384, 768);
        Map<String, long[]> shapes = SwinSegmenter.parameterShapes(c);
        assertThat(shapes.get("decode_head.bottleneck.conv.weight")).containsExactly(512, 768 + 4 * 512, 3, 3);
        assertThat(shapes.get("auxiliary_head.convs.0.conv.weight")).containsExactly(256, 384, 3, 3);
        assertThat(shapes.get("decode_head.conv_seg.weight")).containsExactly(150, 512, 1, 1);
        assertThat(shapes).doesNotContainKeys("backbone.norm.weight", "backbone.head.weight")
                .containsKeys("backbone.norm0.weight", "backbone.norm3.bias");
        assertThat(new SegmentationConfig(TINY, 3, 16, new int[] {1}, false, 0, 0, 0, 0).hasAuxiliary()).isFalse();
        assertThat(SwinSegmenter.parameterShapes(new SegmentationConfig(TINY, 3, 16, new int[] {1}, false, 0, 0, 0, 0)))
                .noneSatisfy((k, v) -> assertThat(k).startsWith("auxiliary_head"));
    }

    @Test
    void configsAndModesAreValidated() {
        assertThatThrownBy(() -> new SegmentationConfig(TINY, 0, 16, new int[] {1}, false, 0.1, 8, 2, 0.4))
                .hasMessageContaining("numClasses");
        assertThatThrownBy(() -> new SegmentationConfig(TINY, 3, 16, new int[] {}, false, 0.1, 8, 2, 0.4))
                .hasMessageContaining("pool scales");
        assertThatThrownBy(() -> new SegmentationConfig(TINY, 3, 16, new int[] {1}, false, 0.1, 8, 4, 0.4))
                .hasMessageContaining("auxInIndex 4");
        assertThatThrownBy(() -> new SegmentationConfig(TINY.toBuilder().optApe(true).build(), 3, 16, new int[] {1},
                false, 0.1, 8, 2, 0.4)).hasMessageContaining("absolute position");
        assertThatThrownBy(() -> SegmentationMode.slide(0, 10)).hasMessageContaining("crop and stride");
        SegmentationMode m = SegmentationMode.slide(512, 341).optFlip(true);
        assertThat(m).isEqualTo(new SegmentationMode(SegmentationMode.Kind.SLIDE, 512, 512, 341, 341, true));
        assertThat(SegmentationMode.whole().flip()).isFalse();
    }

    @Test
    void batchNormBuffersAreNeverTrained() {
        try (SwinSegmenter model = SwinSegmenter.create(config(TINY), 1)) {
            Parameters p = model.parameters();
            Set<String> buffers = new java.util.TreeSet<>();
            p.declarations().forEach((k, d) -> {
                if (d.is(Param.Tag.BUFFER)) buffers.add(k);
            });
            // 4 pyramid branches, bottleneck, 3 laterals, 3 FPN convs, fpn_bottleneck, the auxiliary conv: 13 BNs
            assertThat(buffers).hasSize(26).allMatch(k -> k.endsWith(".bn.running_mean") || k.endsWith(".bn.running_var"));
            assertThat(p.trainable().keySet()).doesNotContainAnyElementsOf(buffers)
                    .hasSize(p.asMap().size() - buffers.size());
            p.requireGrad(true);
            assertThat(p.asMap().get("decode_head.bottleneck.bn.running_mean").requires_grad()).isFalse();
            assertThat(p.asMap().get("decode_head.bottleneck.bn.weight").requires_grad()).isTrue();
            assertThat(model.noWeightDecay()).doesNotContainAnyElementsOf(buffers);
        }
    }

    @Test
    void weightDecayFollowsTheSegmentationRecipe() {
        try (SwinSegmenter model = SwinSegmenter.create(config(TINY), 1)) {
            Set<String> none = model.noWeightDecay();
            assertThat(none).contains("backbone.layers.0.blocks.1.attn.relative_position_bias_table",
                    "backbone.patch_embed.norm.weight", "backbone.layers.2.blocks.0.norm1.bias",
                    "backbone.layers.0.downsample.norm.weight", "backbone.norm0.weight", "backbone.norm3.bias");
            // custom_keys match substrings: the heads' BatchNorms are named "bn", so the recipe decays them; biases too
            assertThat(none).doesNotContain("decode_head.bottleneck.bn.weight", "decode_head.conv_seg.bias",
                    "backbone.layers.0.blocks.0.attn.qkv.bias", "backbone.layers.0.blocks.0.attn.qkv.weight");
            assertThat(none).allMatch(k -> k.contains("norm") || k.contains("relative_position_bias_table"));
        }
    }

    @Test
    void groupsPutTheBackboneFirstAndTheHeadsLast() {
        try (SwinSegmenter model = SwinSegmenter.create(config(TINY), 1)) {
            Map<String, Integer> g = model.parameterGroups();
            assertThat(g.keySet()).containsExactlyElementsOf(model.parameters().asMap().keySet());
            assertThat(g.get("backbone.patch_embed.proj.weight")).isEqualTo(0);
            assertThat(g.get("backbone.layers.0.blocks.0.attn.qkv.weight")).isEqualTo(1);
            assertThat(g.get("backbone.layers.3.blocks.1.mlp.fc1.weight")).isEqualTo(4);
            assertThat(g.get("backbone.norm0.weight")).isEqualTo(5);
            assertThat(g.get("decode_head.conv_seg.weight")).isEqualTo(6);
            assertThat(g.get("auxiliary_head.convs.0.bn.running_var")).isEqualTo(6);
        }
    }

    @Test
    void initialisationIsMmsegsAndSeeded() {
        try (SwinSegmenter a = SwinSegmenter.create(config(TINY), 7); SwinSegmenter b = SwinSegmenter.create(config(TINY), 7)) {
            Map<String, HostTensor> ha = a.parameters().toHost(), hb = b.parameters().toHost();
            assertThat(ha.get("decode_head.fpn_bottleneck.conv.weight").data())
                    .containsExactly(hb.get("decode_head.fpn_bottleneck.conv.weight").data());
            // ConvModule: kaiming normal, fan_out, ReLU gain: std sqrt(2 / (16 * 3 * 3)) = 0.118
            assertThat(std(ha.get("decode_head.fpn_bottleneck.conv.weight").data())).isBetween(0.105, 0.13);
            assertThat(std(ha.get("decode_head.conv_seg.weight").data())).isBetween(0.006, 0.014);
            assertThat(ha.get("decode_head.conv_seg.bias").data()).containsOnly(0f);
            assertThat(ha.get("decode_head.bottleneck.bn.weight").data()).containsOnly(1f);
            assertThat(ha.get("decode_head.bottleneck.bn.bias").data()).containsOnly(0f);
            assertThat(ha.get("decode_head.bottleneck.bn.running_mean").data()).containsOnly(0f);
            assertThat(ha.get("decode_head.bottleneck.bn.running_var").data()).containsOnly(1f);
            assertThat(ha.get("backbone.norm2.weight").data()).containsOnly(1f);
            Param conv = a.namedParams().get("decode_head.lateral_convs.0.conv.weight");
            assertThat(conv.init()).isEqualTo(new Init(Init.Kind.NORMAL, Math.sqrt(2.0 / 16)));
        }
    }

    private static double std(float[] v) {
        double s = 0, s2 = 0;
        for (float f : v) {
            s += f;
            s2 += (double) f * f;
        }
        double m = s / v.length;
        return Math.sqrt(s2 / v.length - m * m);
    }

    @Test
    void dropoutOnlyInTrainingAndEvalLeavesRunningStatisticsAlone() {
        try (SwinSegmenter model = SwinSegmenter.create(config(TINY), 3);
             Tensor x = torch.randn(2, 3, 40, 36)) {
            float[] before = Tensors.toFloats(model.parameters().asMap().get("decode_head.bottleneck.bn.running_mean"));
            try (Tensor a = model.forward(x); Tensor b = model.forward(x)) {
                assertThat(Tensors.shape(a)).containsExactly(2, 3, 40, 36);
                assertThat(Tensors.toFloats(a)).containsExactly(Tensors.toFloats(b));
                assertThat(a.requires_grad()).isFalse();
            }
            assertThat(Tensors.toFloats(model.parameters().asMap().get("decode_head.bottleneck.bn.running_mean")))
                    .containsExactly(before);
            model.train(true);
            try (SegmentationLogits a = model.forwardTrain(x); SegmentationLogits b = model.forwardTrain(x)) {
                assertThat(Tensors.shape(a.decode())).containsExactly(2, 3, 10, 9);
                assertThat(Tensors.shape(a.auxiliary())).containsExactly(2, 3, 3, 3);
                // Dropout2d (0.1) draws other channels each time
                assertThat(Tensors.toFloats(a.decode())).isNotEqualTo(Tensors.toFloats(b.decode()));
            }
            assertThat(Tensors.toFloats(model.parameters().asMap().get("decode_head.bottleneck.bn.running_mean")))
                    .isNotEqualTo(before);
        }
    }

    @Test
    void predictReturnsProbabilitiesForEveryMode() {
        try (SwinSegmenter model = SwinSegmenter.create(config(TINY), 3);
             Tensor x = torch.randn(1, 3, 50, 70)) {
            for (SegmentationMode mode : new SegmentationMode[] {SegmentationMode.whole(),
                    SegmentationMode.slide(32, 20).optFlip(true), SegmentationMode.slide(64, 96, 64, 96)}) {
                try (Tensor p = model.predict(x, mode)) {
                    assertThat(Tensors.shape(p)).as(mode.toString()).containsExactly(1, 3, 50, 70);
                    float[] sums = Tensors.toFloats(p.sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
                    for (float s : sums) assertThat(s).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
            // a crop larger than the image is the whole image
            try (Tensor whole = model.predict(x, SegmentationMode.whole());
                 Tensor slide = model.predict(x, SegmentationMode.slide(64, 96, 64, 96))) {
                assertThat(Tensors.toFloats(slide)).containsExactly(Tensors.toFloats(whole));
                int[] classes = model.predictClasses(x, SegmentationMode.whole());
                float[] p = Tensors.toFloats(whole);
                assertThat(classes).hasSize(50 * 70);
                for (int i = 0; i < classes.length; i++) {
                    int best = 0;
                    for (int k = 1; k < 3; k++) if (p[k * 3500 + i] > p[best * 3500 + i]) best = k;
                    assertThat(classes[i]).isEqualTo(best);
                }
            }
        }
    }

    @Test
    void everyBackboneFamilyRuns() {
        SwinConfig v2 = TINY.toBuilder().optFamily(SwinConfig.Family.V2).build();
        SwinConfig mlp = TINY.toBuilder().optFamily(SwinConfig.Family.MLP).build();
        SwinConfig official = TINY.toBuilder().optSizeRule(SizeRule.OFFICIAL).build();
        for (SwinConfig b : new SwinConfig[] {v2, mlp, official}) {
            try (SwinSegmenter model = SwinSegmenter.create(config(b), 5);
                 Tensor x = torch.randn(1, 3, 36, 44);
                 Tensor logits = model.forward(x)) {
                assertThat(Tensors.shape(logits)).as(b.family() + " " + b.sizeRule()).containsExactly(1, 3, 36, 44);
                assertThat(Tensors.toFloats(logits)).as(b.family().toString()).doesNotContain(Float.NaN);
            }
        }
    }
}
