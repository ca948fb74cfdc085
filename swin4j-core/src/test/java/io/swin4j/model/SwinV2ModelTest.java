package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.swin4j.testing.Forward.logits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The V2 tree's declarations (init, tags, weight decay as the official {@code _init_weights}, {@code
 * _init_respostnorm} and {@code no_weight_decay_keywords}) and its eval bias cache.
 */
class SwinV2ModelTest {

    @BeforeAll
    static void loadNatives() {
        io.swin4j.engine.NativeTorch.ensureLoaded();
    }

    private static final String CPB = "layers.0.blocks.1.attn.cpb_mlp.2.weight";

    private static SwinConfig fixtureConfig() {
        JsonNode meta = Fixtures.json(Fixtures.parity("v2_official").resolve("meta.json"));
        return V2Reference.config("v2_official", meta.get("config"));
    }

    private static Map<String, HostTensor> fixtureWeights() throws Exception {
        return V2Reference.officialParameters(Fixtures.parity("v2_official").resolve("v2_official.pth"));
    }


    @Test
    void changingACpbMlpWeightInPlaceChangesTheEvalOutputs() throws Exception {
        Map<String, HostTensor> weights = fixtureWeights();
        HostTensor x = Fixtures.npy(Fixtures.parity("v2_official").resolve("input.npy"));
        // the expected outputs after the change: a fresh model built with the changed weight
        Map<String, HostTensor> changed = new LinkedHashMap<>(weights);
        float[] w = weights.get(CPB).data().clone();
        for (int i = 0; i < w.length; i++) w[i] = -2 * w[i];
        changed.put(CPB, new HostTensor(weights.get(CPB).shape(), w, "F32"));
        float[] expected;
        try (SwinTransformer fresh = SwinTransformer.fromWeights(fixtureConfig(), changed);
             Tensor input = Tensors.fromHost(x)) {
            expected = logits(fresh, input);
        }
        try (SwinTransformer model = SwinTransformer.fromWeights(fixtureConfig(), weights);
             Tensor input = Tensors.fromHost(x)) {
            float[] before = logits(model, input);
            assertThat(logits(model, input)).as("cached bias, same weights").containsExactly(before);
            try (NoGradGuard g = new NoGradGuard()) {
                // an in-place write: the same tensor object, its version counter bumped, the coordinates unchanged
                model.parameters().asMap().get(CPB).mul_(new Scalar(-2.0));
            }
            float[] after = logits(model, input);
            assertThat(Fixtures.relativeError(after, before)).as("outputs moved").isGreaterThan(1e-2);
            assertThat(Fixtures.relativeError(after, expected)).as("equal a model built with the new weight")
                    .isLessThanOrEqualTo(1e-6);
        }
    }

    /**
     * A cast changes no version counter: the cache must key on the dtype too. A model cast after a float32 pass must
     * compute exactly what a model cast before any pass computes (a float32 bias kept across the cast would be
     * accepted by the bf16 attention and change the result), and the same on the way back to float32.
     */
    @Test
    void castingRebuildsTheCachedBiasInTheNewDtype() throws Exception {
        Map<String, HostTensor> weights = fixtureWeights();
        try (SwinTransformer used = SwinTransformer.fromWeights(fixtureConfig(), weights);
             SwinTransformer fresh = SwinTransformer.fromWeights(fixtureConfig(), weights);
             Tensor input = Tensors.fromHost(Fixtures.npy(Fixtures.parity("v2_official").resolve("input.npy")))) {
            float[] fp32 = logits(used, input);
            used.optPrecision(Precision.BF16);
            fresh.optPrecision(Precision.BF16);
            float[] bf16 = logits(used, input);
            assertThat(bf16).containsExactly(logits(fresh, input));
            assertThat(bf16).isNotEqualTo(fp32);
            used.optPrecision(Precision.FP32);
            try (SwinTransformer roundTrip = SwinTransformer.fromWeights(fixtureConfig(), weights)) {
                roundTrip.optPrecision(Precision.BF16).optPrecision(Precision.FP32);
                assertThat(logits(used, input)).containsExactly(logits(roundTrip, input));
            }
        }
    }

    @Test
    void initialisationAndTagsAreTheOfficialOnes() {
        SwinConfig config = fixtureConfig();
        try (SwinTransformer model = SwinTransformer.create(config, 7)) {
            Map<String, Tensor> p = model.parameters().asMap();
            Map<String, Param> decl = model.parameters().declarations();
            for (String k : p.keySet()) {
                float[] v = Tensors.toFloats(p.get(k));
                if (k.endsWith("attn.logit_scale")) {
                    assertThat(decl.get(k).shape()).as(k).hasSize(3);
                    for (float f : v) assertThat((double) f).as(k).isCloseTo(Math.log(10), within(1e-6));
                } else if (k.matches(".*blocks\\.\\d+\\.norm[12]\\.(weight|bias)") || k.endsWith("q_bias")
                        || k.endsWith("v_bias") || k.endsWith("cpb_mlp.0.bias")) {
                    // _init_respostnorm: the res-post-norms start at 0, so every block starts as the identity
                    for (float f : v) assertThat(f).as(k).isZero();
                }
                if (k.contains("cpb_mlp.")) {
                    assertThat(decl.get(k).is(Param.Tag.POSITION)).as(k).isTrue();
                    assertThat(decl.get(k).noWeightDecay()).as(k).isTrue();
                }
            }
            // cpb_mlp weights are trunc_normal(.02) like every Linear
            float[] cpb = Tensors.toFloats(p.get("layers.0.blocks.0.attn.cpb_mlp.0.weight"));
            double sq = 0;
            for (float f : cpb) sq += f * f;
            assertThat(Math.sqrt(sq / cpb.length)).isBetween(0.015, 0.025);
            // the official no_weight_decay_keywords {cpb_mlp, logit_scale} plus the 1-D rule
            assertThat(model.noWeightDecay()).contains("layers.2.blocks.1.attn.logit_scale",
                    "layers.2.blocks.1.attn.cpb_mlp.0.weight", "layers.2.blocks.1.attn.cpb_mlp.2.weight",
                    "layers.2.blocks.1.attn.q_bias", "layers.0.downsample.norm.weight");
            assertThat(model.noWeightDecay()).doesNotContain("layers.2.blocks.1.attn.qkv.weight",
                    "layers.2.blocks.1.attn.proj.weight", "layers.0.downsample.reduction.weight");
            // V2's PatchMerging normalises the reduced 2C channels
            assertThat(decl.get("layers.0.downsample.norm.weight").shape()).containsExactly(12);
        }
    }

    @Test
    void aMapSmallerThanTheWindowRunsOnTheSubWindowsCoordinates() throws Exception {
        // 32x32: stage maps 8, 4, 2, 1; stage 3's block was built for a 2x2 window and runs a 1x1 one
        try (SwinTransformer model = SwinTransformer.fromWeights(fixtureConfig(), fixtureWeights());
             Tensor x = Tensors.keep(torch.randn(1, 3, 32, 32));
             SwinOutput out = model.forward(x, ForwardOptions.withStageFeatures())) {
            assertThat(Tensors.shape(out.stageFeatures().get(3))).containsExactly(1, 48, 1, 1);
            for (float f : Tensors.toFloats(out.logits())) assertThat(Float.isFinite(f)).isTrue();
        }
    }
}
