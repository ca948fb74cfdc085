package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The attention variants at the model level: what clipping makes reachable, the gates' init, decay and count. */
class AttentionVariantTest {

    @BeforeAll
    static void loadNatives() {
        io.swin4j.engine.NativeTorch.ensureLoaded();
    }

    /** The small Fashion-MNIST Swin's geometry: embed 64, depths 2-2, heads 2-4 (head dim 32), window 4 at 32 px. */
    private static SwinConfig small(AttentionVariant v) {
        return SwinConfig.builder().optImgSize(32).optPatchSize(4).optNumClasses(10).optEmbedDim(64).optDepths(2, 2)
                .optNumHeads(2, 4).optWindowSize(4).optAttention(v).build();
    }

    /**
     * One window of T = 4 tokens whose logits are the bias rows (q = k = 0), the row [3, 0, 0, 0]: softmax gives
     * e³/(e³+3) = 0.8700 and 1/(e³+3) = 0.0433. With γ = −α/T = −0.25: (1 − γ)·0.0433 + γ = −0.196 clips to an exact 0
     * from finite logits, (1 − γ)·0.8700 + γ = 0.8375 stays below 1; with ζ = 1.2 the top entry becomes
     * 1.45·0.8700 − 0.25 = 1.0115, an exact 1. Plain softmax reaches neither.
     */
    @Test
    void negativeGammaReachesExactZerosAndZetaAboveOneExactOnes() {
        try (PointerScope scope = new PointerScope()) {
            float[] logits = new float[16];
            for (int i = 0; i < 4; i++) logits[i * 4 + i] = 3;  // row i: 3 on its own token, 0 elsewhere
            Tensor bias = Tensors.fromFloats(logits, 1, 1, 4, 4);
            Tensor zeros = Tensors.fromFloats(new float[4], 1, 1, 4, 1);
            Tensor v = Tensors.fromFloats(new float[] {1, 2, 3, 4}, 1, 1, 4, 1);
            float[] vanilla = probs(zeros, v, bias, AttentionVariant.VANILLA);
            float[] zetaOne = probs(zeros, v, bias, AttentionVariant.clipped(1.0, 1.0));
            float[] zetaUp = probs(zeros, v, bias, AttentionVariant.clipped(1.0, 1.2));
            double top = Math.exp(3) / (Math.exp(3) + 3);
            for (int i = 0; i < 16; i++) {
                boolean diagonal = i % 5 == 0;
                assertThat(vanilla[i]).as("softmax " + i).isStrictlyBetween(0f, 1f);
                if (diagonal) {
                    assertThat((double) zetaOne[i]).as("ζ = 1, top entry").isCloseTo(1.25 * top - 0.25,
                            org.assertj.core.data.Offset.offset(1e-6));
                    assertThat(zetaUp[i]).as("ζ = 1.2, top entry").isEqualTo(1f);
                } else {
                    assertThat(zetaOne[i]).as("γ < 0, small entry " + i).isEqualTo(0f);
                    assertThat(zetaUp[i]).as("γ < 0, small entry " + i).isEqualTo(0f);
                }
            }
        }
    }

    private static float[] probs(Tensor qk, Tensor v, Tensor bias, AttentionVariant variant) {
        Tensor[] out = new Tensor[1];
        WindowAttention.attend(qk, qk, v, bias, 1.0, 0.0, out, false, variant, null);
        return Tensors.toFloats(out[0]);
    }

    @Test
    void fineTuningAVanillaModelIntoGatedInitialisesTheGatesAndKeepsTheRest() {
        double pi = 0.25;
        try (SwinTransformer vanilla = SwinTransformer.create(small(AttentionVariant.VANILLA), 3)) {
            Map<String, HostTensor> weights = vanilla.parameters().toHost();
            assertThat(weights.keySet()).noneMatch(k -> k.contains("gate"));
            try (SwinTransformer gated = SwinTransformer.fromWeights(small(AttentionVariant.gated(pi)), weights, true, 5)) {
                Map<String, HostTensor> after = gated.parameters().toHost();
                Map<String, HostTensor> gates = after.entrySet().stream().filter(e -> e.getKey().contains(".attn.gate."))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                assertThat(gates).hasSize(2 * 4);  // 4 blocks, a weight and a bias each
                float logit = (float) Math.log(pi / (1 - pi));  // −1.0986
                for (var e : gates.entrySet()) {
                    float[] d = e.getValue().data();
                    if (e.getKey().endsWith(".bias")) {
                        for (float f : d) assertThat(f).as(e.getKey()).isCloseTo(logit, org.assertj.core.data.Offset.offset(1e-6f));
                    } else {
                        double bound = 1 / Math.sqrt(32);  // nn.Linear(d_head = 32, 1)
                        for (float f : d) assertThat(Math.abs(f)).as(e.getKey()).isLessThanOrEqualTo((float) bound);
                        assertThat(d).as(e.getKey() + " is random, not constant").doesNotHaveDuplicates();
                    }
                }
                weights.forEach((k, w) -> assertThat(after.get(k).data()).as(k).containsExactly(w.data()));
            }
        }
    }

    @Test
    void gatesGetNoWeightDecayAndCostHeadsTimesHeadDimPlusOnePerBlock() {
        Map<String, long[]> plain = SwinTransformer.parameterShapes(small(AttentionVariant.VANILLA));
        Map<String, long[]> gated = SwinTransformer.parameterShapes(small(AttentionVariant.gated()));
        assertThat(gated).containsKey("layers.1.blocks.1.attn.gate.weight");
        assertThat(gated.get("layers.1.blocks.1.attn.gate.weight")).containsExactly(4, 32);
        assertThat(gated.get("layers.1.blocks.1.attn.gate.bias")).containsExactly(4);
        // 2 blocks × 2 heads × 33 + 2 blocks × 4 heads × 33
        assertThat(count(gated) - count(plain)).isEqualTo(2 * 2 * 33 + 2 * 4 * 33);
        assertThat(SwinTransformer.parameterShapes(small(AttentionVariant.clipped())).keySet())
                .as("clipping adds no parameters").isEqualTo(plain.keySet());
        try (SwinTransformer m = SwinTransformer.create(small(AttentionVariant.gated()), 0)) {
            var noDecay = m.noWeightDecay();
            assertThat(m.parameters().asMap().keySet().stream().filter(k -> k.contains(".gate.")))
                    .hasSize(8).allMatch(noDecay::contains);
            assertThat(noDecay).doesNotContain("layers.0.blocks.0.attn.qkv.weight");
        }
    }

    private static long count(Map<String, long[]> shapes) {
        return shapes.values().stream().mapToLong(s -> java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b)).sum();
    }

    @Test
    void configKeepsTheVariantAndGatingIsAnArchitectureChange() {
        SwinConfig plain = small(null);
        assertThat(plain.attention()).as("null reads as vanilla").isEqualTo(AttentionVariant.VANILLA);
        SwinConfig clipped = small(AttentionVariant.clipped(4, 1.1));
        SwinConfig gated = small(AttentionVariant.gated(0.5));
        assertThat(clipped).isNotEqualTo(plain);
        assertThat(clipped.sameArchitecture(plain)).as("clipping has no parameters").isTrue();
        assertThat(gated.sameArchitecture(plain)).as("gates are parameters").isFalse();
        assertThat(gated.sameArchitecture(small(AttentionVariant.gated(0.25)))).isTrue();
        assertThat(gated.toBuilder().build()).isEqualTo(gated);
        assertThat(gated.toString()).contains("attention=gated(pi_init=0.5)");
        assertThat(clipped.toString()).contains("attention=clipped(alpha=4.0, zeta=1.1)");
        assertThat(AttentionVariant.clipped(12, 1).gamma(49)).isEqualTo(-12.0 / 49);
        // the default keeps a uniform row (p = 1/T) above zero in Swin's windows: (1 − γ)/T + γ > 0 for T = 16, 49, 144
        for (int t : new int[] {16, 49, 144}) {
            double g = AttentionVariant.clipped().gamma(t);
            assertThat(g).as("γ at T = " + t).isNegative();
            assertThat((1 - g) / t + g).as("uniform row at T = " + t).isPositive();
        }
        assertThatThrownBy(() -> SwinConfig.preset("swin_mlp_base_patch4_window7_224").toBuilder()
                .optAttention(AttentionVariant.gated()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Swin-MLP family has none");
        assertThatThrownBy(() -> AttentionVariant.clipped(1, 0.9)).hasMessageContaining("zeta must be in [1");
        assertThatThrownBy(() -> AttentionVariant.gated(1.0)).hasMessageContaining("pi_init) must be in (0, 1)");
        assertThatThrownBy(() -> AttentionVariant.of("softmax1", null, null, null))
                .hasMessageContaining("unknown attention variant 'softmax1'");
    }

    @Test
    void v2TakesTheGateAndTheClipToo() {
        SwinConfig v2 = SwinConfig.preset("swinv2_tiny_patch4_window8_256").toBuilder().optImgSize(32).optEmbedDim(16)
                .optDepths(2, 2).optNumHeads(1, 2).optWindowSize(4).optNumClasses(3).build();
        assertThat(SwinTransformer.parameterShapes(v2.toBuilder().optAttention(AttentionVariant.gated()).build()))
                .containsKey("layers.0.blocks.1.attn.gate.weight");
        for (AttentionVariant a : new AttentionVariant[] {AttentionVariant.clipped(), AttentionVariant.gated()}) {
            try (SwinTransformer m = SwinTransformer.create(v2.toBuilder().optAttention(a).build(), 1);
                 PointerScope scope = new PointerScope()) {
                Tensor x = org.bytedeco.pytorch.global.torch.randn(2, 3, 32, 32);
                try (SwinOutput out = m.forward(x)) {
                    assertThat(Tensors.shape(out.logits())).containsExactly(2, 3);
                    for (float f : Tensors.toFloats(out.logits())) assertThat(Float.isFinite(f)).isTrue();
                }
                // V2 starts its res-post-norms at 0 (the official _init_respostnorm), which blocks every gradient into
                // the attention branch; open them so that the backward pass goes through the gate and the clip
                try (org.bytedeco.pytorch.NoGradGuard ignored = new org.bytedeco.pytorch.NoGradGuard()) {
                    m.parameters().asMap().forEach((k, t) -> {
                        if (k.endsWith(".norm1.weight") || k.endsWith(".norm2.weight")) t.fill_(new org.bytedeco.pytorch.Scalar(1.0));
                    });
                }
                m.parameters().requireGrad(true);
                m.train(true);
                try (SwinOutput out = m.forward(x)) {
                    out.logits().sum().backward();
                }
                var grads = m.parameters().gradsToHost();
                if (a.hasGate()) {
                    float[] g = grads.get("layers.1.blocks.0.attn.gate.weight").data();
                    assertThat(maxAbs(g)).as("V2 gate gradient in training").isPositive();
                }
                assertThat(maxAbs(grads.get("layers.0.blocks.0.attn.qkv.weight").data())).isPositive();
            }
        }
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float f : a) m = Math.max(m, Math.abs(f));
        return m;
    }
}
