package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.geometry.WindowPlan;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.Safetensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One V1 window-attention layer with a clipped softmax or head gates against the official Swin WindowAttention plus
 * the paper's change, run in float64 by tools/reference/make_attention_variant_fixtures.py (fixtures/attention/): a
 * shifted 6×6 map of two images, window 3 (the SW-MSA mask on), dim 8, 2 heads. Training-mode forward, the clipped
 * probabilities, the gradients of the input and of every parameter (loss sum(out·R)), and the eval forward (the
 * gated layer's eval goes through the fused attention, the clipped layer's through the explicit path).
 */
class AttentionVariantLayerTest {

    @BeforeAll
    static void loadNatives() {
        io.swin4j.engine.NativeTorch.ensureLoaded();
    }

    private static AttentionVariant variant(JsonNode meta) {
        return switch (meta.get("variant").asText()) {
            case "clipped" -> AttentionVariant.clipped(meta.get("alpha").asDouble(), meta.get("zeta").asDouble());
            case "gated" -> AttentionVariant.gated(meta.get("pi_init").asDouble());
            default -> throw new IllegalArgumentException("fixture variant " + meta.get("variant"));
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"clipped", "gated"})
    void forwardAndGradientsEqualTheReference(String kase) throws Exception {
        Path dir = Fixtures.root().resolve("attention").resolve(kase);
        JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
        int dim = meta.get("dim").asInt(), heads = meta.get("heads").asInt(), window = meta.get("window").asInt();
        int side = meta.get("side").asInt(), shift = meta.get("shift").asInt();
        SwinConfig config = SwinConfig.builder().optAttention(variant(meta)).build();
        Map<String, HostTensor> weights = Safetensors.read(dir.resolve("weights.safetensors")).tensors();
        Map<String, HostTensor> expectedGrads = Safetensors.read(dir.resolve("grads.safetensors")).tensors();
        WindowAttention layer = new WindowAttention(dim, heads, window, config);
        assertThat(layer.namedParams().keySet()).as("layer parameters")
                .containsExactlyInAnyOrderElementsOf(weights.keySet());
        try (PointerScope scope = new PointerScope()) {
            layer.bindAll((name, p) -> Tensors.fromHost(weights.get(name)));
            layer.namedParams().values().forEach(p -> p.tensor().requires_grad_(true));
            BlockPlan plan = BlockPlan.cyclic(new WindowPlan(side, side, window, window, shift, shift));
            assertThat(plan.mask).as("the shifted plan masks").isNotNull();
            Tensor x = Tensors.fromHost(Fixtures.npy(dir.resolve("input.npy"))).requires_grad_(true);
            Tensor r = Tensors.fromHost(Fixtures.npy(dir.resolve("weight_r.npy")));
            float[] expectedOut = Fixtures.npy(dir.resolve("output.npy")).data();

            Tensor[] probs = new Tensor[1];
            Tensor out = layer.forward(x, plan, probs, true);
            Fixtures.assertClose(kase + " training output", Tensors.toFloats(out), expectedOut);
            if (kase.equals("clipped")) {
                Fixtures.assertClose("clipped probabilities", Tensors.toFloats(probs[0]),
                        Fixtures.npy(dir.resolve("probs.npy")).data());
            }
            out.mul(r).sum().backward();
            Fixtures.assertCloseScaled(kase + " input gradient", Tensors.toFloats(x.grad()),
                    expectedGrads.get("input").data());
            layer.namedParams().forEach((name, p) -> Fixtures.assertCloseScaled(kase + " " + name + " gradient",
                    Tensors.toFloats(p.tensor().grad()), expectedGrads.get(name).data()));

            try (NoGradGuard ignored = new NoGradGuard()) {
                Tensor eval = layer.forward(x.detach(), plan, null, false);
                Fixtures.assertClose(kase + " eval output", Tensors.toFloats(eval), expectedOut);
            }
        } finally {
            layer.releaseAll();
        }
    }
}
