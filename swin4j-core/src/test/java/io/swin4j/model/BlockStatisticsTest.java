package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The forward pass's block statistics against the same quantities computed independently: the stage-0 blocks rebuilt
 * from their parts (partition, mixer, reverse, norms, {@code SwinBlock.mlp}) on the patch embedding's output, the
 * statistics written out here in double, and the attention mass from the maps {@link ForwardOptions#optAttention}
 * returns.
 */
class BlockStatisticsTest {

    @BeforeAll
    static void loadNatives() {
        NativeTorch.ensureLoaded();
    }

    private static SwinConfig config(SwinConfig.Family family) {
        return SwinConfig.builder().optName("stats").optFamily(family).optImgSize(32).optEmbedDim(12)
                .optDepths(2, 2).optNumHeads(2, 4).optWindowSize(4).optNumClasses(10).optDropPathRate(0).build();
    }

    @Test
    void v1HookMatchesTheBlockRebuiltFromItsParts() {
        checkAgainstParts(SwinConfig.Family.V1);
    }

    @Test
    void v2HookMeasuresTheMlpBeforeItsPostNorm() {
        checkAgainstParts(SwinConfig.Family.V2);
    }

    @Test
    void swinMlpHasStatisticsButNoAttentionMass() {
        try (SwinTransformer model = SwinTransformer.create(config(SwinConfig.Family.MLP), 3).train(false);
             PointerScope scope = new PointerScope()) {
            SwinOutput out = model.forward(torch.randn(2, 3, 32, 32), ForwardOptions.DEFAULT.optBlockStatistics(true));
            assertThat(out.blockStatistics()).hasSize(4);
            for (BlockStatistics s : out.blockStatistics()) {
                assertThat(s.hasAttention()).isFalse();
                assertThat(s.blockInfNorm()).hasSize(2);
                assertThat(s.ffnInfNorm()[0]).isPositive();
            }
        }
    }

    @Test
    void refusedInTrainingMode() {
        try (SwinTransformer model = SwinTransformer.create(config(SwinConfig.Family.V1), 4).train(true);
             PointerScope scope = new PointerScope()) {
            assertThatThrownBy(() -> model.forward(torch.randn(1, 3, 32, 32),
                    ForwardOptions.DEFAULT.optBlockStatistics(true))).hasMessageContaining("eval mode");
        }
    }

    private static void checkAgainstParts(SwinConfig.Family family) {
        boolean v2 = family == SwinConfig.Family.V2;
        try (SwinTransformer model = SwinTransformer.create(config(family), 7).train(false);
             PointerScope scope = new PointerScope();
             NoGradGuard noGrad = new NoGradGuard()) {
            if (v2) {
                // V2 starts its post-norms at weight 0; give them weights so "before" and "after" the norm differ.
                model.parameters().asMap().forEach((k, t) -> {
                    if (k.contains(".norm")) torch.normal_(t, 1, 0.5);
                });
            }
            Tensor images = torch.randn(2, 3, 32, 32).mul(new org.bytedeco.pytorch.Scalar(2));
            var b00 = new ForwardOptions.BlockId(0, 0);
            var b01 = new ForwardOptions.BlockId(0, 1);
            SwinOutput out = model.forward(images, ForwardOptions.DEFAULT.optBlockStatistics(true).optAttention(b00, b01));
            List<BlockStatistics> stats = out.blockStatistics();
            assertThat(stats).hasSize(4);
            assertThat(stats.get(0).block()).isEqualTo(b00);
            assertThat(stats.get(3).block()).isEqualTo(new ForwardOptions.BlockId(1, 1));

            int[] grid = new int[2];
            Tensor x = ((PatchEmbed) model.children().get("patch_embed")).forward(images, grid);
            int h = grid[0], w = grid[1];
            @SuppressWarnings("unchecked")
            SwinStage stage0 = ((ModuleList<SwinStage>) model.children().get("layers")).get(0);
            for (int j = 0; j < 2; j++) {
                SwinBlock block = stage0.blocks.get(j);
                LayerNorm norm1 = (LayerNorm) block.children().get("norm1");
                LayerNorm norm2 = (LayerNorm) block.children().get("norm2");
                Tensor mid, ffn, blockOut;
                if (v2) {
                    Tensor mixed = block.reverse(block.mix(block.partition(x, h, w), h, w, false), h, w, 2);
                    mid = x.add(norm1.forward(mixed));
                    ffn = block.mlp(mid, false);
                    blockOut = mid.add(norm2.forward(ffn));
                } else {
                    Tensor mixed = block.reverse(block.mix(block.partition(norm1.forward(x), h, w), h, w, false), h, w, 2);
                    mid = x.add(mixed);
                    ffn = block.mlp(norm2.forward(mid), false);
                    blockOut = mid.add(ffn);
                }
                BlockStatistics s = stats.get(j);
                assertPerSample("FFN output of block " + j, Tensors.toFloats(ffn), s.ffnInfNorm(), s.ffnKurtosis());
                assertPerSample("output of block " + j, Tensors.toFloats(blockOut), s.blockInfNorm(), s.blockKurtosis());
                assertAttentionMass(Tensors.toFloats(out.attentions().get(j).probs()),
                        Tensors.shape(out.attentions().get(j).probs()), s);
                x = blockOut;
            }
        }
    }

    /** max|x| and E[(x−μ)⁴]/(σ⁴ + 1e-6) per sample, in double, against the hook's. */
    private static void assertPerSample(String what, float[] all, float[] infNorm, float[] kurtosis) {
        int n = all.length / 2;
        for (int b = 0; b < 2; b++) {
            double max = 0, mean = 0;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, Math.abs(all[b * n + i]));
                mean += all[b * n + i];
            }
            mean /= n;
            double m2 = 0, m4 = 0;
            for (int i = 0; i < n; i++) {
                double d = all[b * n + i] - mean;
                m2 += d * d;
                m4 += d * d * d * d;
            }
            m2 /= n;
            m4 /= n;
            double k = m4 / (m2 * m2 + 1e-6);
            assertThat((double) infNorm[b]).as("%s: inf-norm of sample %d", what, b).isCloseTo(max, within(1e-5 * max));
            assertThat((double) kurtosis[b]).as("%s: kurtosis of sample %d", what, b).isCloseTo(k, within(1e-4 * k));
        }
    }

    /** Mean over windows and queries of the largest probability, and the fraction above 0.5, per sample and head. */
    private static void assertAttentionMass(float[] p, long[] shape, BlockStatistics s) {
        int batch = (int) shape[0], windows = (int) shape[1], heads = (int) shape[2], n = (int) shape[3];
        assertThat(s.headMaxProb()).hasNumberOfRows(batch);
        for (int b = 0; b < batch; b++) {
            for (int hd = 0; hd < heads; hd++) {
                double sum = 0, above = 0;
                for (int wi = 0; wi < windows; wi++) {
                    for (int q = 0; q < n; q++) {
                        int base = (((b * windows + wi) * heads + hd) * n + q) * n;
                        double max = 0;
                        for (int k = 0; k < n; k++) max = Math.max(max, p[base + k]);
                        sum += max;
                        if (max > 0.5) above++;
                    }
                }
                int queries = windows * n;
                assertThat((double) s.headMaxProb()[b][hd]).as("max prob, sample %d head %d", b, hd)
                        .isCloseTo(sum / queries, within(1e-6));
                assertThat((double) s.headNoOpFraction()[b][hd]).as("no-op fraction, sample %d head %d", b, hd)
                        .isCloseTo(above / queries, within(1e-6));
            }
        }
    }
}
